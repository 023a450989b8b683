package glassbox

// Severity ranks a finding, as SARIF's levels and CVSS-style labels do.
type Severity string

// Severities, from the most to the least alarming.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityNote     Severity = "note"
)

// Rank orders severities: critical is 4, note is 0, anything else -1.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	case SeverityNote:
		return 0
	}
	return -1
}

// Region is where in a file a finding is: 1-based lines and columns
// (columns count bytes), end inclusive of the line, exclusive of the column.
type Region struct {
	StartLine   int `json:"start_line"`
	StartColumn int `json:"start_column,omitempty"`
	EndLine     int `json:"end_line,omitempty"`
	EndColumn   int `json:"end_column,omitempty"`
}

// Finding is something an analyser found that looks like a backdoor, a
// planted secret or tampering, and says why.
type Finding struct {
	RuleID      string   `json:"rule_id"`     // stable, e.g. "GB0101"
	Rule        string   `json:"rule"`        // short name, e.g. "magic-value-authentication"
	Family      string   `json:"family"`      // e.g. "credentials"
	Severity    Severity `json:"severity"`    //
	Message     string   `json:"message"`     // what was found, one sentence
	Explanation string   `json:"explanation"` // why it looks like a backdoor
	Path        string   `json:"path"`        // slash-separated, relative to the scanned root
	Region      Region   `json:"region"`
	Snippet     string   `json:"snippet,omitempty"` // the matched text, secrets redacted
	// Fingerprint identifies the finding across scans and small edits:
	// the rule, the path and the normalised matched text, hashed. A
	// suppression names it.
	Fingerprint string `json:"fingerprint"`
	// Flow is the path data takes from an untrusted source to the sink
	// the finding is about, source first, for data-flow findings: an
	// evaluator follows it step by step (SARIF codeFlows).
	Flow []FlowStep `json:"flow,omitempty"`
	// Inputs are the values compiled into the program that the flagged
	// code compares its input with — a magic byte sequence, a hard-coded
	// user name, password or token — unredacted, so that the run stage
	// can feed them to the running program and watch what they open.
	// They are as confidential as the source they come from: they stay
	// in the scan result, never in its SARIF or a report.
	Inputs []string `json:"inputs,omitempty"`
}

// FlowStep is one place on a data-flow path: where the data is, and what
// happens to it there ("request parameter r read", "passed to run as cmd").
type FlowStep struct {
	Path    string `json:"path"` // slash-separated, relative to the scanned root
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}
