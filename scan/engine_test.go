package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/sarif"
	"glassbox.dev/internal/schemas"
	"glassbox.dev/scan"
)

// wordAnalyzer reports every occurrence of BACKDOOR (rule TB0001, high)
// and of weak-secret (TB0002, note), and panics on a file holding
// PANIC-NOW, as a buggy analyser might on hostile input.
type wordAnalyzer struct{}

var (
	ruleBackdoor = scan.Rule{ID: "TB0001", Name: "test-backdoor", Family: "test", Severity: glassbox.SeverityHigh,
		Summary: "The word BACKDOOR.", Explanation: "Only a backdoor says so."}
	ruleWeak = scan.Rule{ID: "TB0002", Name: "test-weak", Family: "test", Severity: glassbox.SeverityNote,
		Summary: "The word weak-secret.", Explanation: "Weak, but noted."}
)

func (wordAnalyzer) Rules() []scan.Rule { return []scan.Rule{ruleBackdoor, ruleWeak} }

func (wordAnalyzer) Analyze(f *scan.File) []glassbox.Finding {
	if bytes.Contains(f.Content, []byte("PANIC-NOW")) {
		panic("test analyser hit PANIC-NOW")
	}
	var out []glassbox.Finding
	for _, w := range []struct {
		word string
		rule scan.Rule
	}{{"BACKDOOR", ruleBackdoor}, {"weak-secret", ruleWeak}} {
		for off := 0; ; {
			i := bytes.Index(f.Content[off:], []byte(w.word))
			if i < 0 {
				break
			}
			start := off + i
			end := bytes.IndexByte(f.Content[start:], '\n')
			if end < 0 {
				end = len(f.Content)
			} else {
				end += start
			}
			out = append(out, glassbox.Finding{
				RuleID:  w.rule.ID,
				Message: "found " + w.word,
				Region:  f.RegionOf(start, end),
				Snippet: string(f.Content[start:end]),
			})
			off = start + len(w.word)
		}
	}
	return out
}

// elfAnalyzer wants binaries and reports every ELF file.
type elfAnalyzer struct{}

var ruleELF = scan.Rule{ID: "TB0101", Name: "test-elf", Family: "blob", Severity: glassbox.SeverityMedium,
	Summary: "An ELF file.", Explanation: "A prebuilt binary in a source tree cannot be reviewed."}

func (elfAnalyzer) Rules() []scan.Rule { return []scan.Rule{ruleELF} }
func (elfAnalyzer) WantsBinary() bool  { return true }
func (elfAnalyzer) Analyze(f *scan.File) []glassbox.Finding {
	if !bytes.HasPrefix(f.Content, []byte("\x7fELF")) {
		return nil
	}
	return []glassbox.Finding{{RuleID: ruleELF.ID, Message: "ELF binary", Region: glassbox.Region{StartLine: 1}, Snippet: "ELF"}}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func mustScan(t *testing.T, s *scan.Scanner, root string) *scan.Result {
	t.Helper()
	res, err := s.ScanDir(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func reasons(res *scan.Result) map[string]string {
	m := map[string]string{}
	for _, s := range res.Skipped {
		m[s.Path] = s.Reason
	}
	return m
}

func TestScanDirReportsEverythingSkipped(t *testing.T) {
	root := writeTree(t, map[string]string{
		"main.go":                "package main\n// BACKDOOR here\n",
		"big.txt":                strings.Repeat("x", 2000),
		"image.png":              "\x89PNG\r\n\x1a\n\x00\x00\x00BACKDOOR",
		"vendor/a/a.go":          "BACKDOOR",
		"web/node_modules/x.js":  "BACKDOOR",
		"web/node_modules/y.js":  "BACKDOOR",
		"third_party/lib/lib.c":  "BACKDOOR",
		"crash.txt":              "PANIC-NOW BACKDOOR",
		"locked.txt":             "BACKDOOR",
		"src/ok.py":              "print('fine')\n",
		"src/bin/tool":           "\x7fELF\x02\x01\x01\x00\x00",
		".git/objects/ab/cdef01": "BACKDOOR",
	})
	if err := os.Symlink("main.go", filepath.Join(root, "link.go")); err != nil {
		t.Fatal(err)
	}
	canLock := os.Geteuid() != 0 // root reads a file whatever its mode
	if canLock {
		if err := os.Chmod(filepath.Join(root, "locked.txt"), 0); err != nil {
			t.Fatal(err)
		}
	} else {
		// TestScanFilesFromMemory covers unreadable files for root.
		os.Remove(filepath.Join(root, "locked.txt"))
	}
	s := &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, MaxFileSize: 1000}
	res := mustScan(t, s, root)
	got := reasons(res)
	want := map[string]string{
		"image.png":        "binary",
		"vendor":           "vendored",
		"web/node_modules": "vendored",
		"third_party":      "vendored",
		"crash.txt":        "analyser test panicked: test analyser hit PANIC-NOW",
		"link.go":          "symbolic link",
		"src/bin/tool":     "binary",
		".git":             "version-control",
		"locked.txt":       "unreadable",
	}
	if !canLock {
		delete(want, "locked.txt")
	}
	for p, w := range want {
		if !strings.Contains(got[p], w) {
			t.Errorf("skipped %s: reason %q, want one containing %q", p, got[p], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("skipped %v; want exactly %v", got, want)
	}
	if len(res.Findings) != 1 || res.Findings[0].Path != "main.go" || res.Findings[0].Region.StartLine != 2 {
		t.Fatalf("findings %+v; want one, in main.go line 2", res.Findings)
	}
	f := res.Findings[0]
	if f.Rule != "test-backdoor" || f.Family != "test" || f.Explanation != ruleBackdoor.Explanation || f.Severity != glassbox.SeverityHigh {
		t.Errorf("finding not completed from the rule table: %+v", f.Finding)
	}
	if len(f.Fingerprint) != 32 {
		t.Errorf("fingerprint %q is not 32 hex digits", f.Fingerprint)
	}

	// With --include-vendored, and an analyser that wants binaries, the
	// vendored files and the ELF file are scanned; the PNG is still
	// skipped for the text analyser only, so not at all.
	s = &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}, elfAnalyzer{}}, MaxFileSize: 1000, IncludeVendored: true}
	res = mustScan(t, s, root)
	got = reasons(res)
	for _, p := range []string{"vendor", "web/node_modules", "third_party", "src/bin/tool", "image.png"} {
		if r, ok := got[p]; ok {
			t.Errorf("%s skipped (%s), want it scanned", p, r)
		}
	}
	var paths []string
	for _, f := range res.Findings {
		paths = append(paths, f.RuleID+" "+f.Path)
	}
	wantPaths := []string{"TB0001 main.go", "TB0101 src/bin/tool", "TB0001 third_party/lib/lib.c", "TB0001 vendor/a/a.go", "TB0001 web/node_modules/x.js", "TB0001 web/node_modules/y.js"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("findings\n%q\nwant\n%q", paths, wantPaths)
	}
}

func TestScanIsDeterministic(t *testing.T) {
	files := map[string]string{}
	for i := range 200 {
		files[filepath.Join("d"+string(rune('a'+i%7)), "f"+strings.Repeat("x", i%13)+string(rune('a'+i%26))+".txt")] =
			strings.Repeat("line\n", i%5) + "BACKDOOR weak-secret BACKDOOR\n weak-secret\n"
	}
	root := writeTree(t, files)
	var first []byte
	for _, workers := range []int{1, 2, 8, 0} {
		res := mustScan(t, &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, Workers: workers}, root)
		res.Duration = 0
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
			if !slices.IsSortedFunc(res.Findings, func(a, b scan.Finding) int {
				if c := strings.Compare(a.Path, b.Path); c != 0 {
					return c
				}
				if a.Region.StartLine != b.Region.StartLine {
					return a.Region.StartLine - b.Region.StartLine
				}
				return a.Region.StartColumn - b.Region.StartColumn
			}) {
				t.Error("findings are not sorted by path, line and column")
			}
			continue
		}
		if !bytes.Equal(b, first) {
			t.Errorf("Workers=%d gave a different result from Workers=1", workers)
		}
	}
}

func TestFingerprintsSurviveLineMoves(t *testing.T) {
	root := writeTree(t, map[string]string{"a.c": "int x;\n  BACKDOOR   (magic)\n"})
	s := &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}}
	before := mustScan(t, s, root)
	again := mustScan(t, s, root)
	// Code added above, and the line re-indented: the same finding.
	os.WriteFile(filepath.Join(root, "a.c"), []byte("// new\n// lines\nint x;\n\tBACKDOOR (magic)\n"), 0o644)
	after := mustScan(t, s, root)
	if len(before.Findings) != 1 || len(after.Findings) != 1 {
		t.Fatalf("findings %d then %d; want 1 and 1", len(before.Findings), len(after.Findings))
	}
	b, a := before.Findings[0], after.Findings[0]
	if b.Fingerprint != again.Findings[0].Fingerprint {
		t.Error("fingerprint differs between two scans of the same tree")
	}
	if b.Region.StartLine == a.Region.StartLine {
		t.Fatal("the finding did not move; the test is broken")
	}
	if b.Fingerprint != a.Fingerprint {
		t.Errorf("fingerprint changed when the line moved: %s, then %s", b.Fingerprint, a.Fingerprint)
	}
	if scan.Fingerprint("TB0001", "a.c", "x") == scan.Fingerprint("TB0001", "b.c", "x") ||
		scan.Fingerprint("TB0001", "a.c", "x") == scan.Fingerprint("TB0002", "a.c", "x") {
		t.Error("fingerprint ignores the path or the rule")
	}
}

func TestSuppressions(t *testing.T) {
	root := writeTree(t, map[string]string{"a.go": "BACKDOOR one\nBACKDOOR two\n"})
	s := &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}}
	res := mustScan(t, s, root)
	if len(res.Findings) != 2 || !res.Fails(glassbox.SeverityHigh) {
		t.Fatalf("got %d findings, fails=%v; want 2 failing at high", len(res.Findings), res.Fails(glassbox.SeverityHigh))
	}
	fp1, fp2 := res.Findings[0].Fingerprint, res.Findings[1].Fingerprint

	for name, content := range map[string]string{
		"no reason":       `[{"fingerprint": "` + fp1 + `"}]`,
		"blank reason":    "- fingerprint: " + fp1 + "\n  reason: '  '\n",
		"misspelt reason": "- fingerprint: " + fp1 + "\n  reasn: test fixture\n",
		"no fingerprint":  "- reason: because\n",
		"short":           "- fingerprint: abc\n  reason: because\n",
		"twice":           "suppressions:\n- {fingerprint: " + fp1 + ", reason: a}\n- {fingerprint: " + fp1 + ", reason: b}\n",
		"not a list":      "fingerprint: " + fp1 + "\n",
		"malformed":       "[{",
	} {
		if _, err := scan.ParseSuppressions([]byte(content)); err == nil || glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: ParseSuppressions = %v; want an EINVALID error", name, err)
		}
	}
	// A Scanner given a suppression without a reason directly refuses too.
	if _, err := (&scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, Suppressions: []scan.Suppression{{Fingerprint: fp1}}}).ScanDir(context.Background(), root); err == nil {
		t.Error("a suppression without a reason was accepted by the Scanner")
	}

	yamlFile := "suppressions:\n  - fingerprint: " + strings.ToUpper(fp1) + "\n    reason: the test's fixture\n    by: alice@example.com\n  - fingerprint: " + strings.Repeat("0", 32) + "\n    reason: gone\n"
	jsonFile := `[{"fingerprint": "` + fp1 + `", "reason": "the test's fixture", "by": "alice@example.com"}, {"fingerprint": "` + strings.Repeat("0", 32) + `", "reason": "gone"}]`
	for name, content := range map[string]string{"yaml": yamlFile, "json": jsonFile} {
		p := filepath.Join(t.TempDir(), "suppressions")
		os.WriteFile(p, []byte(content), 0o644)
		sup, err := scan.LoadSuppressions(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.Suppressions = sup
		res := mustScan(t, s, root)
		if len(res.Findings) != 2 {
			t.Fatalf("%s: suppressed findings were dropped: %d left", name, len(res.Findings))
		}
		for _, f := range res.Findings {
			switch f.Fingerprint {
			case fp1:
				if f.Suppression == nil || f.Suppression.Reason != "the test's fixture" || f.Suppression.By != "alice@example.com" {
					t.Errorf("%s: finding %s suppression %+v", name, fp1, f.Suppression)
				}
			case fp2:
				if f.Suppression != nil {
					t.Errorf("%s: finding %s suppressed, want not", name, fp2)
				}
			}
		}
		if !res.Fails(glassbox.SeverityHigh) {
			t.Errorf("%s: one unsuppressed high finding left, but Fails(high) is false", name)
		}
		if len(res.UnusedSuppressions) != 1 || res.UnusedSuppressions[0].Reason != "gone" {
			t.Errorf("%s: unused suppressions %+v; want the one that matches nothing", name, res.UnusedSuppressions)
		}
		if c := res.Counts(); c[glassbox.SeverityHigh] != 1 {
			t.Errorf("%s: counts %v; want 1 high (the suppressed one not counted)", name, c)
		}
	}
	s.Suppressions = []scan.Suppression{{Fingerprint: fp1, Reason: "a"}, {Fingerprint: fp2, Reason: "b"}}
	if res := mustScan(t, s, root); res.Fails(glassbox.SeverityNote) {
		t.Error("every finding is suppressed, yet the scan fails")
	}
}

func TestScanFilesFromMemory(t *testing.T) {
	mem := func(p, content string) scan.SourceFile {
		return scan.SourceFile{Path: p, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(content)), nil
		}}
	}
	files := []scan.SourceFile{
		mem("b/x.go", "BACKDOOR"),
		mem("a.txt", "weak-secret"),
		{Path: "lies.txt", Size: 1, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(strings.Repeat("BACKDOOR", 100))), nil
		}},
		{Path: "gone.txt", Size: 3, Open: func() (io.ReadCloser, error) { return nil, os.ErrNotExist }},
		{Path: "../escape.txt", Size: 3, Open: func() (io.ReadCloser, error) { panic("opened a hostile path") }},
		{Path: "buggy.txt", Size: 3, Open: func() (io.ReadCloser, error) { panic("a buggy store") }},
	}
	res, err := (&scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, MaxFileSize: 100}).ScanFiles(context.Background(), slices.Values(files))
	if err != nil {
		t.Fatal(err)
	}
	// lies.txt, longer than it claims and than MaxFileSize, is read whole
	// in windows: its 100 findings each once.
	if len(res.Findings) != 102 || res.Findings[0].Path != "a.txt" || res.Findings[1].Path != "b/x.go" || res.Findings[101].Region.StartColumn != 793 {
		t.Errorf("findings %+v", res.Findings)
	}
	got := reasons(res)
	for p, w := range map[string]string{"gone.txt": "unreadable", "../escape.txt": "invalid path", "buggy.txt": "panic: a buggy store"} {
		if !strings.Contains(got[p], w) {
			t.Errorf("skipped %s: %q, want %q", p, got[p], w)
		}
	}
}

func TestScanIsCancelled(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "BACKDOOR"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}}).ScanDir(ctx, root); err == nil {
		t.Error("a cancelled scan succeeded")
	}
}

func TestSARIFIsValid(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a b#c.go":  "BACKDOOR one\n weak-secret\n",
		"crash.txt": "PANIC-NOW",
		"bin":       "\x00\x01",
	})
	s := &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}, elfAnalyzer{}}}
	res := mustScan(t, s, root)
	s.Suppressions = []scan.Suppression{{Fingerprint: res.Findings[0].Fingerprint, Reason: "fixture", By: "bob"}}
	res = mustScan(t, s, root)
	b, err := scan.SARIF(res)
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, b)

	// Also the empty result: no rules, no results, nothing skipped.
	empty, err := scan.SARIF(&scan.Result{})
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, empty)

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []struct {
						ID                   string
						FullDescription      struct{ Text string }
						DefaultConfiguration struct{ Level string }
						Properties           map[string]any
					}
				}
			}
			Invocations []struct {
				ExecutionSuccessful        bool
				ToolExecutionNotifications []struct {
					Level   string
					Message struct{ Text string }
				}
			}
			Results []struct {
				RuleID              string
				RuleIndex           int
				Level               string
				Message             struct{ Text string }
				PartialFingerprints map[string]string
				Suppressions        []struct{ Kind, Status, Justification string }
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "glassbox" || d.Version == "" || d.InformationURI == "" || len(d.Rules) != 3 {
		t.Fatalf("driver %+v", d)
	}
	if r := d.Rules[0]; r.ID != "TB0001" || r.DefaultConfiguration.Level != "error" || r.Properties["security-severity"] != "7.0" || r.FullDescription.Text != ruleBackdoor.Explanation {
		t.Errorf("rule %+v", r)
	}
	if r := d.Rules[1]; r.ID != "TB0002" || r.DefaultConfiguration.Level != "note" || r.Properties["security-severity"] != "1.0" {
		t.Errorf("rule %+v", r)
	}
	if len(run.Results) != 2 {
		t.Fatalf("%d results, want 2", len(run.Results))
	}
	r0 := run.Results[0]
	loc := r0.Locations[0].PhysicalLocation
	if r0.RuleID != "TB0001" || r0.RuleIndex != 0 || r0.Level != "error" || loc.ArtifactLocation.URI != "a%20b%23c.go" ||
		loc.Region.StartLine != 1 || loc.Region.StartColumn != 1 || loc.Region.EndColumn != 13 ||
		r0.PartialFingerprints["glassbox/v1"] != res.Findings[0].Fingerprint ||
		!strings.Contains(r0.Message.Text, ruleBackdoor.Explanation) {
		t.Errorf("result %+v", r0)
	}
	if len(r0.Suppressions) != 1 || r0.Suppressions[0].Justification != "fixture" || r0.Suppressions[0].Kind != "external" {
		t.Errorf("suppressions %+v; want the fixture justification", r0.Suppressions)
	}
	if r1 := run.Results[1]; r1.RuleIndex != 1 || len(r1.Suppressions) != 0 {
		t.Errorf("result %+v", r1)
	}
	inv := run.Invocations[0]
	var notes []string
	for _, n := range inv.ToolExecutionNotifications {
		if n.Level != "note" {
			t.Errorf("notification level %q", n.Level)
		}
		notes = append(notes, n.Message.Text)
	}
	if !inv.ExecutionSuccessful || len(notes) != 1 || !strings.HasPrefix(notes[0], "skipped crash.txt: analyser test panicked") {
		t.Errorf("invocation %+v", inv)
	}
}

func validateSARIF(t *testing.T, b []byte) {
	t.Helper()
	if err := schemas.Validate(schemas.SARIF, b); err != nil {
		t.Errorf("SARIF: %v\n%s", err, b)
	}
	// Uploadable to GitHub code scanning as it is.
	for _, p := range sarif.CheckGitHub(b) {
		t.Errorf("SARIF: %s", p)
	}
}

func TestRegistry(t *testing.T) {
	n := len(scan.Analyzers())
	scan.Register(wordAnalyzer{})
	scan.Register(wordAnalyzer{})
	if got := len(scan.Analyzers()); got != n+1 {
		t.Errorf("registering the same analyser twice: %d analysers, want %d", got, n+1)
	}
}

// BenchmarkScanDirEngineOnly measures the engine alone (walk, read, binary
// sniff, no analyser) on the Go source tree, the floor under any scan.
func BenchmarkScanDirEngineOnly(b *testing.B) {
	root := filepath.Join(runtime.GOROOT(), "src")
	if _, err := os.Stat(root); err != nil {
		b.Skip("no GOROOT/src")
	}
	s := &scan.Scanner{}
	for b.Loop() {
		res, err := s.ScanDir(context.Background(), root)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(res.Bytes)
	}
}
