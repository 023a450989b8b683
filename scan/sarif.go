package scan

import (
	"encoding/json"
	"io"
	"strings"

	"glassbox.dev"
	"glassbox.dev/internal/sarif"
)

// SARIF 2.1.0 that validates against the OASIS schema and that GitHub code
// scanning takes as it is: every rule has help, a full description, a
// security-severity and tags; every result a location relative to
// SRCROOT; the tool its version (glassbox.Version).

// InformationURI is where the SARIF output says glassbox is documented.
const InformationURI = sarif.InformationURI

// FingerprintKey names glassbox's fingerprint in SARIF partialFingerprints;
// the version changes if the fingerprint's recipe ever does.
const FingerprintKey = "glassbox/v1"

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
		Tool:    sarif.Tool{Driver: sarif.NewDriver("glassbox")},
		Results: []sarif.Result{},
	}
	index := map[string]int{}
	for i, rule := range r.Rules {
		index[rule.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{
			ID:                   rule.ID,
			Name:                 rule.Name,
			ShortDescription:     text(rule.Summary),
			FullDescription:      text(firstNonEmpty(rule.Explanation, rule.Summary, rule.ID)),
			Help:                 sarif.RuleHelp(rule.Summary, rule.Explanation),
			DefaultConfiguration: &sarif.Configuration{Level: sarif.Level(rule.Severity)},
			Properties:           ruleProperties(rule),
		})
	}
	for _, f := range r.Findings {
		res := sarif.Result{
			RuleID:              f.RuleID,
			Level:               sarif.Level(f.Severity),
			Message:             sarif.Text{Text: message(f.Finding)},
			PartialFingerprints: map[string]string{FingerprintKey: f.Fingerprint},
			Locations:           []sarif.Location{sarif.FileLocation(f.Path, region(f.Region))},
			// The finding's own severity, which may differ from its rule's
			// default.
			Properties: map[string]any{"severity": string(f.Severity)},
		}
		if i, ok := index[f.RuleID]; ok {
			res.RuleIndex = &i
		}
		if len(f.Flow) > 0 {
			res.CodeFlows = []sarif.CodeFlow{codeFlow(f.Flow)}
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
	run.OriginalURIBaseIDs = sarif.Bases("", "the root of what was scanned: a release's source tree, with its shipped artefacts under artifacts/")
	b, err := json.MarshalIndent(sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}, "", "  ")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode SARIF: %w", err)
	}
	return append(b, '\n'), nil
}

// codeFlow is a finding's data-flow path as one SARIF thread flow.
func codeFlow(steps []glassbox.FlowStep) sarif.CodeFlow {
	tf := sarif.ThreadFlow{}
	for _, st := range steps {
		loc := sarif.FileLocation(st.Path, region(glassbox.Region{StartLine: st.Line, StartColumn: st.Column}))
		loc.Message = text(st.Message)
		tf.Locations = append(tf.Locations, sarif.ThreadFlowLocation{Location: loc})
	}
	return sarif.CodeFlow{ThreadFlows: []sarif.ThreadFlow{tf}}
}

// ruleProperties carries the score GitHub code scanning ranks alerts by
// (a CVSS-like number, written as a string) and the rule's family as a tag.
func ruleProperties(r Rule) map[string]any {
	tags := append([]string{"security"}, nonEmpty(r.Family)...)
	return map[string]any{"security-severity": sarif.SecuritySeverity(r.Severity), "tags": tags}
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

// region converts a finding's region, leaving out what SARIF forbids
// (columns below 1) rather than writing an invalid log.
func region(r glassbox.Region) *sarif.Region {
	if r.StartLine < 1 {
		// GitHub code scanning wants a region: a finding about a whole
		// file is at its first line.
		return &sarif.Region{StartLine: 1}
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

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
