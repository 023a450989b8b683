// Package sarif is the part of the SARIF 2.1.0 object model (OASIS Static
// Analysis Results Interchange Format) that glassbox writes: the analysers'
// findings and the vulnerability reports share it, so both write the same
// format the same way.
package sarif

import (
	"strings"

	"glassbox.dev"
)

// Schema is the URI of the SARIF 2.1.0 JSON schema, for a log's $schema.
const Schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Version is the SARIF version glassbox writes.
const Version = "2.1.0"

// Log is a SARIF log: the top-level object.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of one tool.
type Run struct {
	Tool        Tool         `json:"tool"`
	Invocations []Invocation `json:"invocations,omitempty"`
	// OriginalURIBaseIDs says what the results' uriBaseIds stand for.
	OriginalURIBaseIDs map[string]ArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []Result                    `json:"results"`
	Properties         map[string]any              `json:"properties,omitempty"`
}

// Tool names the tool that produced a run.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component and its rules.
type Driver struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	SemanticVersion string `json:"semanticVersion,omitempty"`
	InformationURI  string `json:"informationUri"`
	Rules           []Rule `json:"rules"`
}

// InformationURI is where glassbox's SARIF says glassbox is documented.
const InformationURI = "https://glassbox.dev"

// NewDriver describes glassbox as the tool of a run, named name, at
// glassbox.Version() written as SARIF wants a version: starting with its
// number ("1.2.3", not "v1.2.3"), and as a semantic version.
func NewDriver(name string) Driver {
	v := strings.TrimPrefix(glassbox.Version(), "v")
	return Driver{Name: name, Version: v, SemanticVersion: v, InformationURI: InformationURI, Rules: []Rule{}}
}

// Text is a message or description.
type Text struct {
	Text string `json:"text"`
}

// Help is a rule's help: plain text and Markdown, as GitHub code scanning
// shows it beside an alert.
type Help struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

// Rule is a reportingDescriptor: what one rule (or advisory) checks.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *Text          `json:"shortDescription,omitempty"`
	FullDescription      *Text          `json:"fullDescription,omitempty"`
	Help                 *Help          `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default configuration.
type Configuration struct {
	Level string `json:"level"`
}

// Invocation is how the tool ran, and what it noted while it did.
type Invocation struct {
	ExecutionSuccessful        bool           `json:"executionSuccessful"`
	ToolExecutionNotifications []Notification `json:"toolExecutionNotifications,omitempty"`
}

// Notification is something the tool says about its own run.
type Notification struct {
	Level   string `json:"level"`
	Message Text   `json:"message"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations,omitempty"`
	CodeFlows           []CodeFlow        `json:"codeFlows,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

// Location is where a result is.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
	Message          *Text            `json:"message,omitempty"`
}

// CodeFlow is the path data takes to a result: for glassbox, one thread,
// from an untrusted source to the sink.
type CodeFlow struct {
	ThreadFlows []ThreadFlow `json:"threadFlows"`
}

// ThreadFlow is a sequence of places in the code, in the order the data
// passes them.
type ThreadFlow struct {
	Locations []ThreadFlowLocation `json:"locations"`
}

// ThreadFlowLocation is one step of a thread flow.
type ThreadFlowLocation struct {
	Location Location `json:"location"`
}

// PhysicalLocation is a file and, if known, a region of it.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation names a file by URI: relative to the base uriBaseId
// names, or (in originalUriBaseIds) absolute, or described only.
type ArtifactLocation struct {
	URI         string `json:"uri,omitempty"`
	URIBaseID   string `json:"uriBaseId,omitempty"`
	Description *Text  `json:"description,omitempty"`
}

// Region is a span of a file: 1-based lines and columns.
type Region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// Suppression says why a result is accepted.
type Suppression struct {
	Kind          string            `json:"kind"`
	Status        string            `json:"status,omitempty"`
	Justification string            `json:"justification"`
	Properties    map[string]string `json:"properties,omitempty"`
}

// SourceRoot is the uriBaseId of every path glassbox reports: the root of
// what was analysed (a release's source, with its artefacts under
// artifacts/), as GitHub code scanning's %SRCROOT% convention has it.
const SourceRoot = "SRCROOT"

// Bases returns a run's originalUriBaseIds: SourceRoot is dir (an absolute
// directory, written as a file URI ending in a slash) or, when the root is
// no directory on this machine (a release in the evidence store), only
// described.
func Bases(dir, description string) map[string]ArtifactLocation {
	loc := ArtifactLocation{Description: &Text{Text: description}}
	if strings.HasPrefix(dir, "/") {
		loc.URI = "file://" + EscapePath(strings.TrimSuffix(dir, "/")) + "/"
	}
	return map[string]ArtifactLocation{SourceRoot: loc}
}

// FileLocation is a location in a file at slash-separated path p relative
// to SourceRoot; region may be nil.
func FileLocation(p string, region *Region) Location {
	return Location{PhysicalLocation: PhysicalLocation{
		ArtifactLocation: ArtifactLocation{URI: EscapePath(p), URIBaseID: SourceRoot},
		Region:           region,
	}}
}

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

// SecuritySeverity is the score GitHub code scanning reads from a rule's
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

// RuleHelp is a rule's help from its summary and its explanation.
func RuleHelp(summary, explanation string) *Help {
	text := strings.TrimSpace(strings.TrimSpace(summary) + "\n\n" + strings.TrimSpace(explanation))
	md := strings.TrimSpace(summary)
	if md != "" {
		md = "**" + md + "**"
	}
	md = strings.TrimSpace(md + "\n\n" + strings.TrimSpace(explanation))
	return &Help{Text: text, Markdown: md}
}

// EscapePath escapes a slash-separated path for artifactLocation.uri,
// which is a URI reference: a path with a space or a '#' would otherwise
// be misread.
func EscapePath(p string) string {
	var b strings.Builder
	for i, elem := range strings.Split(p, "/") {
		if i > 0 {
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
