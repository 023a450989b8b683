package scan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// pairAnalyzer is a set analyser: in each directory's .txt files, a line
// SOURCE in one file and a line SINK in another make a finding at the sink
// with a flow from the source (TB0201); a file holding PANIC-SET panics.
type pairAnalyzer struct{}

var rulePair = scan.Rule{ID: "TB0201", Name: "test-pair", Family: "pair", Severity: glassbox.SeverityHigh,
	Summary: "A SOURCE and a SINK in one directory.", Explanation: "Data from the source reaches the sink."}

func (pairAnalyzer) Rules() []scan.Rule                    { return []scan.Rule{rulePair} }
func (pairAnalyzer) Analyze(*scan.File) []glassbox.Finding { return nil }
func (pairAnalyzer) SetOf(p, lang string) string {
	if strings.HasSuffix(p, ".txt") {
		return path.Dir(p)
	}
	return ""
}

func (pairAnalyzer) AnalyzeSet(s *scan.FileSet) []glassbox.Finding {
	var src, sink *glassbox.FlowStep
	for _, f := range s.Files {
		if bytes.Contains(f.Content, []byte("PANIC-SET")) {
			panic("test set analyser hit PANIC-SET")
		}
		for i, line := range strings.Split(string(f.Content), "\n") {
			switch line {
			case "SOURCE":
				src = &glassbox.FlowStep{Path: f.Path, Line: i + 1, Column: 1, Message: "read here"}
			case "SINK":
				sink = &glassbox.FlowStep{Path: f.Path, Line: i + 1, Column: 1, Message: "run here"}
			}
		}
	}
	if src == nil || sink == nil || src.Path == sink.Path {
		return nil
	}
	return []glassbox.Finding{{
		RuleID:  rulePair.ID,
		Message: "SOURCE in " + src.Path + " reaches SINK in " + sink.Path,
		Path:    sink.Path,
		Region:  glassbox.Region{StartLine: sink.Line, StartColumn: 1, EndLine: sink.Line, EndColumn: 5},
		Snippet: "SINK",
		Flow:    []glassbox.FlowStep{*src, *sink},
	}}
}

func TestSetAnalyzer(t *testing.T) {
	root := t.TempDir()
	write := func(p, content string) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/in.txt", "x\nSOURCE\n")
	write("a/out.txt", "y\ny\nSINK\n")
	write("b/in.txt", "SOURCE\n") // its sink is in another directory: another set
	write("c/out.txt", "SINK\n")
	write("d/in.txt", "SOURCE\n")
	write("d/out.txt", "SINK\n")
	write("d/crash.txt", "PANIC-SET\n")
	write("e/in.txt", "SOURCE\n")
	write("e/out.txt", "SINK\n"+strings.Repeat("z", scan.MaxSetFileSize)) // too large for a set

	s := &scan.Scanner{Analyzers: []scan.Analyzer{pairAnalyzer{}}}
	res := mustScan(t, s, root)
	if len(res.Findings) != 1 {
		t.Fatalf("findings %+v, want the one of a/", res.Findings)
	}
	f := res.Findings[0]
	if f.Path != "a/out.txt" || f.Region.StartLine != 3 || f.Family != "pair" || f.Explanation != rulePair.Explanation ||
		f.Fingerprint != scan.Fingerprint("TB0201", "a/out.txt", "SINK") || len(f.Flow) != 2 || f.Flow[0].Path != "a/in.txt" || f.Flow[0].Line != 2 {
		t.Errorf("finding %+v", f)
	}
	var panicked, large bool
	for _, sk := range res.Skipped {
		panicked = panicked || strings.Contains(sk.Reason, "analyser pair panicked") && strings.Contains(sk.Reason, "on the set d")
		large = large || sk.Path == "e/out.txt" && strings.Contains(sk.Reason, "left out of pair's analysis of e") && sk.ByDesign
	}
	if !panicked || !large {
		t.Errorf("skipped %+v; want the panic in d and e/out.txt left out", res.Skipped)
	}

	// Suppressed like any finding.
	s.Suppressions = []scan.Suppression{{Fingerprint: f.Fingerprint, Reason: "fixture"}}
	res = mustScan(t, s, root)
	if res.Findings[0].Suppression == nil || len(res.UnusedSuppressions) != 0 {
		t.Errorf("finding %+v not suppressed", res.Findings[0])
	}

	// Its SARIF carries the flow as a code flow, and validates.
	b, err := scan.SARIF(res)
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, b)
	var log struct {
		Runs []struct {
			Results []struct {
				CodeFlows []struct {
					ThreadFlows []struct {
						Locations []struct {
							Location struct {
								Message          struct{ Text string }
								PhysicalLocation struct {
									ArtifactLocation struct{ URI string }
									Region           struct{ StartLine int }
								}
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	cf := log.Runs[0].Results[0].CodeFlows
	if len(cf) != 1 || len(cf[0].ThreadFlows) != 1 || len(cf[0].ThreadFlows[0].Locations) != 2 {
		t.Fatalf("code flows %+v", cf)
	}
	l0 := cf[0].ThreadFlows[0].Locations[0].Location
	if l0.PhysicalLocation.ArtifactLocation.URI != "a/in.txt" || l0.PhysicalLocation.Region.StartLine != 2 || l0.Message.Text != "read here" {
		t.Errorf("first step %+v", l0)
	}
}
