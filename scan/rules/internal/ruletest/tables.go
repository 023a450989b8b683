package ruletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Specific is one example with the exact finding it must give: the rule,
// its severity, the line it starts on and the (redacted) snippet.
type Specific struct {
	Name, Path, Src string
	Rule            string
	Sev             glassbox.Severity
	Line            int
	Snippet         string
}

// Specifics checks each example gives its finding exactly, and that a
// finding downgraded to low in test code says so (low findings elsewhere
// say their own reason).
func Specifics(t *testing.T, a scan.Analyzer, cases []Specific) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			fs := a.Analyze(File(tt.Path, []byte(tt.Src)))
			for _, f := range fs {
				if f.RuleID != tt.Rule {
					continue
				}
				if f.Severity != tt.Sev || f.Region.StartLine != tt.Line || f.Snippet != tt.Snippet {
					t.Errorf("got %s %s line %d %q, want %s line %d %q", f.RuleID, f.Severity, f.Region.StartLine, f.Snippet, tt.Sev, tt.Line, tt.Snippet)
				}
				if tt.Sev == glassbox.SeverityLow && scan.IsTestPath(tt.Path) && !strings.Contains(f.Message, "in test code") {
					t.Errorf("message %q does not say test code", f.Message)
				}
				return
			}
			t.Errorf("no %s finding in %v", tt.Rule, fs)
		})
	}
}

// Source is a file's path and content.
type Source struct{ Path, Src string }

// Quiet checks that none of the sources gives any finding.
func Quiet(t *testing.T, a scan.Analyzer, sources []Source) {
	t.Helper()
	for _, tt := range sources {
		if fs := a.Analyze(File(tt.Path, []byte(tt.Src))); len(fs) != 0 {
			t.Errorf("%s %q: unexpected %v", tt.Path, tt.Src, fs)
		}
	}
}

// Rules checks a family's rule table: every ID in the family's range
// (prefix, e.g. "GB01") and given once, a name, a summary, an explanation,
// the family, a known severity.
func Rules(t *testing.T, a scan.Analyzer, prefix, family string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range a.Rules() {
		if !strings.HasPrefix(r.ID, prefix) || seen[r.ID] || r.Name == "" || r.Summary == "" || r.Explanation == "" || r.Family != family || r.Severity.Rank() < 0 {
			t.Errorf("bad rule %+v", r)
		}
		seen[r.ID] = true
	}
}

// Fuzz checks that no input makes the analyser panic and that every
// finding names its rule and has a region that starts inside the file and
// does not end before it starts. Seeds are the family's corpus. Each input
// is analysed as the engine would read it by its name, and once as each
// of langs.
func Fuzz(f *testing.F, a scan.Analyzer, langs ...string) {
	paths, _ := filepath.Glob("testdata/*/*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(filepath.Base(p), b)
		}
	}
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		files := []*scan.File{File(name, content)}
		for _, lang := range langs {
			files = append(files, &scan.File{Path: name, Content: content, Lang: lang})
		}
		for _, sf := range files {
			for _, x := range a.Analyze(sf) {
				if x.RuleID == "" || x.Region.StartLine < 1 || x.Region.EndLine < x.Region.StartLine {
					t.Fatalf("bad finding %+v (as %q)", x, sf.Lang)
				}
			}
		}
	})
}
