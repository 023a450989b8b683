package blobs

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// file builds a scan.File the way the engine would for a path.
func file(path string, content []byte) *scan.File {
	return &scan.File{Path: path, Content: content, Lang: scan.Language(path), Test: scan.IsTestPath(path)}
}

// corpusCase is one example of the corpus: the files it consists of, by
// the path the engine would see them at.
type corpusCase struct {
	name  string
	files map[string][]byte
}

// loadCorpus reads testdata/<kind>. A plain file is one example seen at
// its own name with any "GBxxxx_" prefix removed; a directory is one
// example whose files are seen at their paths inside it, so examples can
// be Makefiles, package.json files or live under tests/.
func loadCorpus(t *testing.T, kind string) []corpusCase {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", kind))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	for _, e := range entries {
		root := filepath.Join("testdata", kind, e.Name())
		c := corpusCase{name: e.Name(), files: map[string][]byte{}}
		if !e.IsDir() {
			b, err := os.ReadFile(root)
			if err != nil {
				t.Fatal(err)
			}
			name := e.Name()
			if strings.HasPrefix(name, "GB") && strings.Contains(name, "_") {
				name = strings.SplitN(name, "_", 2)[1]
			}
			c.files[name] = b
		} else {
			err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				c.files[filepath.ToSlash(rel)] = b
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// TestCorpus is the specification by example: every example under
// testdata/positive is named RULEID_description and must yield at least
// one finding of that rule; every example under testdata/negative must
// yield none at all.
func TestCorpus(t *testing.T) {
	a := New()
	pos, neg := loadCorpus(t, "positive"), loadCorpus(t, "negative")
	hits, fps := 0, 0
	for _, c := range pos {
		want := strings.SplitN(c.name, "_", 2)[0]
		found := false
		for p, b := range c.files {
			for _, f := range a.Analyze(file(p, b)) {
				checkShape(t, c.name+"/"+p, f)
				if f.RuleID == want {
					found = true
				}
				t.Logf("%s: %s %s %s %d:%d %q", c.name, f.RuleID, f.Severity, f.Message, f.Region.StartLine, f.Region.StartColumn, f.Snippet)
			}
		}
		if found {
			hits++
		} else {
			t.Errorf("%s: no %s finding", c.name, want)
		}
	}
	for _, c := range neg {
		for p, b := range c.files {
			for _, f := range a.Analyze(file(p, b)) {
				fps++
				t.Errorf("%s/%s: false positive %s %s at %d:%d %q", c.name, p, f.RuleID, f.Message, f.Region.StartLine, f.Region.StartColumn, f.Snippet)
			}
		}
	}
	t.Logf("recall %d/%d positives, %d false positives on %d negatives", hits, len(pos), fps, len(neg))
}

// checkShape asserts what every finding must carry.
func checkShape(t *testing.T, where string, f glassbox.Finding) {
	t.Helper()
	if f.RuleID == "" || f.Message == "" || f.Severity.Rank() < 0 || f.Region.StartLine < 1 || f.Region.StartColumn < 1 || f.Snippet == "" {
		t.Errorf("%s: malformed finding %+v", where, f)
	}
}

// TestSpecifics pins down severities and the boundaries of each rule.
func TestSpecifics(t *testing.T) {
	elf := "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 80)
	tests := []struct {
		name, path, content string
		rule                string // "" means no finding at all
		sev                 glassbox.Severity
	}{
		{"ELF in src", "src/a.o", elf, "GB0701", glassbox.SeverityHigh},
		{"ELF in test data is medium", "debug/elf/testdata/gcc-amd64", elf, "GB0701", glassbox.SeverityMedium},
		{"ELF magic alone is not a file", "src/magic.bin", "\x7fELF", "", ""},
		{"MZ without PE header", "docs/mz.bin", "MZ" + strings.Repeat("\x00", 100), "", ""},
		{"NUL in .c", "src/x.c", "int x;\x00\n", "GB0702", glassbox.SeverityHigh},
		{"text .c", "src/x.c", "int x;\n", "", ""},
		{"random .bin outside tests", "assets/blob.bin", strings.Repeat("\x9f\x13", 3000), "", ""},
	}
	a := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := a.Analyze(file(tc.path, []byte(tc.content)))
			if tc.rule == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %+v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.RuleID == tc.rule {
					if f.Severity != tc.sev {
						t.Errorf("severity %s, want %s", f.Severity, tc.sev)
					}
					return
				}
			}
			t.Fatalf("no %s finding in %+v", tc.rule, fs)
		})
	}
}

// TestWantsBinary: the engine must hand this analyser binary files.
func TestWantsBinary(t *testing.T) {
	if b, ok := New().(interface{ WantsBinary() bool }); !ok || !b.WantsBinary() {
		t.Fatal("the blobs analyser must want binary files")
	}
}

// TestRules checks the rule table: IDs in the family's range, each once.
func TestRules(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range New().Rules() {
		if !strings.HasPrefix(r.ID, "GB07") || seen[r.ID] || r.Name == "" || r.Summary == "" || r.Explanation == "" || r.Family != Family {
			t.Errorf("bad rule %+v", r)
		}
		seen[r.ID] = true
	}
}

// TestConcurrent runs the analyser on the corpus from many goroutines;
// run it with -race.
func TestConcurrent(t *testing.T) {
	a := New()
	cases := append(loadCorpus(t, "positive"), loadCorpus(t, "negative")...)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range cases {
				for p, b := range c.files {
					a.Analyze(file(p, b))
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzAnalyze checks that no input makes the analyser panic and that
// every finding's region lies inside the file.
func FuzzAnalyze(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(filepath.Base(p), b)
		}
	}
	a := New()
	f.Fuzz(func(t *testing.T, path string, content []byte) {
		for _, fd := range a.Analyze(file(path, content)) {
			if fd.Region.StartLine < 1 || fd.Region.EndLine < fd.Region.StartLine {
				t.Fatalf("bad region %+v", fd.Region)
			}
		}
	})
}

// BenchmarkGOROOT measures throughput on the Go source tree, a large body
// of ordinary code with a few real fixtures.
func BenchmarkGOROOT(b *testing.B) {
	files := gorootFiles(b)
	var total int64
	for _, f := range files {
		total += int64(len(f.Content))
	}
	a := New()
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			a.Analyze(f)
		}
	}
}

func gorootFiles(b *testing.B) []*scan.File {
	if b == nil {
		b = &testing.B{}
	}
	root := filepath.Join(os.Getenv("GOROOT_FOR_BENCH"))
	if root == "" {
		b.Skip("set GOROOT_FOR_BENCH to a source tree, e.g. $(go env GOROOT)/src")
	}
	var files []*scan.File
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		c, err := os.ReadFile(p)
		if err != nil || len(c) > 8<<20 {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, file(filepath.ToSlash(rel), c))
		return nil
	})
	return files
}

// TestGOROOTReport lists what the analyser finds in a real source tree
// outside test code, where everything it finds is a false positive or a
// discovery; it runs only when GOROOT_FOR_BENCH is set.
func TestGOROOTReport(t *testing.T) {
	if os.Getenv("GOROOT_FOR_BENCH") == "" {
		t.Skip("set GOROOT_FOR_BENCH")
	}
	a := New()
	counts := map[string]int{}
	for _, f := range gorootFiles(nil) {
		for _, fd := range a.Analyze(f) {
			counts[fd.RuleID+" "+string(fd.Severity)]++
			if !f.Test {
				t.Logf("%s:%d %s %s %q", f.Path, fd.Region.StartLine, fd.RuleID, fd.Message, fd.Snippet)
			}
		}
	}
	t.Logf("findings by rule and severity: %v", counts)
}
