package scan

import (
	"encoding/json"
	"glassbox.dev/internal/sarif"
	"io"
	"runtime/debug"
	"strings"

	"glassbox.dev"
)

// SARIF 2.1.0, as much of it as glassbox writes. The types are unexported:
// callers get bytes that validate against the OASIS schema, not a model to
// fill in wrongly.

// InformationURI is where the SARIF output says glassbox is documented.
const InformationURI = "https://glassbox.dev"

// FingerprintKey names glassbox's fingerprint in SARIF partialFingerprints;
// the version changes if the fingerprint's recipe ever does.
const FingerprintKey = "glassbox/v1"

// Level maps a severity to a SARIF level: critical and high are errors,
// medium a warning, low and note notes.
func Level(s glassbox.Severity) string {
	switch s {
	case glassbox.SeverityCritical, glassbox.SeverityHigh:
		return "error"
	case glassbox.SeverityMedium:
		return "warning"
	}
	return "note"
}

// SecuritySeverity is the score GitHub code scanning reads from
// properties.security-severity: it files 9.0 and above as critical, 7.0 as
// high, 4.0 as medium and the rest as low.
func SecuritySeverity(s glassbox.Severity) string {
	switch s {
	case glassbox.SeverityCritical:
		return "9.0"
	case glassbox.SeverityHigh:
		return "7.0"
	case glassbox.SeverityMedium:
		return "5.0"
	case glassbox.SeverityLow:
		return "3.0"
	}
	return "1.0"
}

// Version is glassbox's version as the build recorded it, "devel" for a
// build from a working tree.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// WriteSARIF writes r as a SARIF 2.1.0 log with one run.
func WriteSARIF(w io.Writer, r *Result) error {
	b, err := SARIF(r)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "write SARIF: %w", err)
	}
	return nil
}

// SARIF returns r as an indented SARIF 2.1.0 log with one run, ending in a
// newline.
func SARIF(r *Result) ([]byte, error) {
	run := sarif.Run{
		Tool: sarif.Tool{Driver: sarif.Driver{
			Name: "glassbox", Version: Version(), InformationURI: InformationURI,
			Rules: []sarif.Rule{},
		}},
		Results: []sarif.Result{},
	}
	index := map[string]int{}
	for i, rule := range r.Rules {
		index[rule.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{
			ID:                   rule.ID,
			Name:                 rule.Name,
			ShortDescription:     text(rule.Summary),
			FullDescription:      text(rule.Explanation),
			DefaultConfiguration: &sarif.Configuration{Level: Level(rule.Severity)},
			Properties:           ruleProperties(rule),
		})
	}
	for _, f := range r.Findings {
		res := sarif.Result{
			RuleID:              f.RuleID,
			Level:               Level(f.Severity),
			Message:             sarif.Text{Text: message(f.Finding)},
			PartialFingerprints: map[string]string{FingerprintKey: f.Fingerprint},
			Locations: []sarif.Location{{PhysicalLocation: sarif.PhysicalLocation{
				ArtifactLocation: sarif.ArtifactLocation{URI: uri(f.Path)},
				Region:           region(f.Region),
			}}},
			// The finding's own severity, which may differ from its rule's
			// default.
			Properties: map[string]any{"severity": string(f.Severity)},
		}
		if i, ok := index[f.RuleID]; ok {
			res.RuleIndex = &i
		}
		if s := f.Suppression; s != nil {
			ss := sarif.Suppression{Kind: "external", Status: "accepted", Justification: s.Reason}
			if s.By != "" {
				ss.Properties = map[string]string{"by": s.By}
			}
			res.Suppressions = []sarif.Suppression{ss}
		}
		run.Results = append(run.Results, res)
	}
	inv := sarif.Invocation{ExecutionSuccessful: true}
	for _, s := range r.Skipped {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarif.Notification{
			Level:   "note",
			Message: sarif.Text{Text: "skipped " + s.Path + ": " + s.Reason},
		})
	}
	run.Invocations = []sarif.Invocation{inv}
	b, err := json.MarshalIndent(sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}, "", "  ")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode SARIF: %w", err)
	}
	return append(b, '\n'), nil
}

// ruleProperties carries the score GitHub code scanning ranks alerts by
// (a CVSS-like number, written as a string) and the rule's family as a tag.
func ruleProperties(r Rule) map[string]any {
	p := map[string]any{"security-severity": SecuritySeverity(r.Severity)}
	if tags := nonEmpty(r.Family); len(tags) > 0 {
		p["tags"] = tags
	}
	return p
}

// message is the finding's message followed by why it matters, since SARIF
// viewers show a result's message and seldom its rule's description.
func message(f glassbox.Finding) string {
	m := strings.TrimSpace(f.Message)
	if f.Explanation != "" {
		if m != "" && !strings.HasSuffix(m, ".") {
			m += "."
		}
		m = strings.TrimSpace(m + " " + f.Explanation)
	}
	if m == "" {
		m = f.RuleID
	}
	return m
}

// uri escapes a relative path for artifactLocation.uri, which is a URI
// reference: a path with a space or a '#' would otherwise be misread.
func uri(p string) string {
	var b strings.Builder
	for _, elem := range strings.Split(p, "/") {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(escapeSegment(elem))
	}
	return b.String()
}

func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// region converts a finding's region, leaving out what SARIF forbids (lines
// and columns below 1) rather than writing an invalid log.
func region(r glassbox.Region) *sarif.Region {
	if r.StartLine < 1 {
		return nil
	}
	out := &sarif.Region{StartLine: r.StartLine}
	if r.StartColumn >= 1 {
		out.StartColumn = r.StartColumn
	}
	if r.EndLine >= r.StartLine {
		out.EndLine = r.EndLine
	}
	if r.EndColumn >= 1 {
		out.EndColumn = r.EndColumn
	}
	return out
}

func text(s string) *sarif.Text {
	if s == "" {
		return nil
	}
	return &sarif.Text{Text: s}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
