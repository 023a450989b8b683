// Package ruletest is the specification harness every rule family's tests
// share: the labelled corpus (testdata/positive must each yield a finding
// of the rule their name starts with, testdata/negative none at all), the
// shape every finding must have, a concurrency run for the race detector,
// and the Go source tree as a benchmark corpus.
package ruletest

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// File builds a scan.File the way the engine would for a path.
func File(path string, content []byte) *scan.File {
	return scan.NewFile(path, content)
}

// Layout says how corpus files are presented to the analyser.
type Layout int

const (
	// AsSource presents each file of testdata/KIND as src/BASENAME: the
	// corpus stands for production code, not for test data.
	AsSource Layout = iota
	// AsNamed presents a plain file at its own name without a "GBxxxx_"
	// prefix, and a directory as one example whose files keep their
	// paths inside it (Makefiles, package.json, files under tests/).
	AsNamed
)

// Case is one example of the corpus.
type Case struct {
	Name  string            // the entry's name under testdata/KIND: RULEID_description for positives
	Files map[string][]byte // by the path the analyser sees
}

// LoadCorpus reads testdata/kind.
func LoadCorpus(t testing.TB, kind string, layout Layout) []Case {
	t.Helper()
	dir := filepath.Join("testdata", kind)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []Case
	for _, e := range entries {
		root := filepath.Join(dir, e.Name())
		c := Case{Name: e.Name(), Files: map[string][]byte{}}
		switch {
		case !e.IsDir():
			b, err := os.ReadFile(root)
			if err != nil {
				t.Fatal(err)
			}
			name := "src/" + e.Name()
			if layout == AsNamed {
				name = e.Name()
				if strings.HasPrefix(name, "GB") && strings.Contains(name, "_") {
					name = strings.SplitN(name, "_", 2)[1]
				}
			}
			c.Files[name] = b
		case layout == AsNamed:
			err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(root, p)
				c.Files[filepath.ToSlash(rel)] = b
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		default:
			continue
		}
		cases = append(cases, c)
	}
	return cases
}

// Corpus is the specification by example: every positive example must
// yield at least one well-formed finding of the rule its name starts with,
// and every negative example none at all. Recall and false positives are
// logged.
func Corpus(t *testing.T, a scan.Analyzer, layout Layout) {
	t.Helper()
	pos, neg := LoadCorpus(t, "positive", layout), LoadCorpus(t, "negative", layout)
	if len(pos) == 0 || len(neg) == 0 {
		t.Fatal("no corpus under testdata/positive and testdata/negative")
	}
	hits, fps := 0, 0
	for _, c := range pos {
		want := strings.SplitN(c.Name, "_", 2)[0]
		found := false
		for p, b := range c.Files {
			for _, f := range a.Analyze(File(p, b)) {
				CheckShape(t, c.Name+"/"+p, f)
				if f.RuleID == want {
					found = true
				}
				t.Logf("%s: %s %s %s %d:%d %q", c.Name, f.RuleID, f.Severity, f.Message, f.Region.StartLine, f.Region.StartColumn, f.Snippet)
			}
		}
		if found {
			hits++
		} else {
			t.Errorf("%s: no %s finding", c.Name, want)
		}
	}
	for _, c := range neg {
		for p, b := range c.Files {
			for _, f := range a.Analyze(File(p, b)) {
				fps++
				t.Errorf("%s/%s: false positive %s %s at %d:%d %q", c.Name, p, f.RuleID, f.Message, f.Region.StartLine, f.Region.StartColumn, f.Snippet)
			}
		}
	}
	t.Logf("recall %d/%d positives, %d false positives on %d negatives", hits, len(pos), fps, len(neg))
}

// CheckShape asserts what every finding must carry: a rule, a known
// severity, a message, a snippet and a region that starts inside the file
// and does not end before it starts.
func CheckShape(t testing.TB, where string, f glassbox.Finding) {
	t.Helper()
	r := f.Region
	if f.RuleID == "" || f.Message == "" || f.Severity.Rank() < 0 || f.Snippet == "" || r.StartLine < 1 || r.StartColumn < 1 || r.EndLine < r.StartLine {
		t.Errorf("%s: malformed finding %+v", where, f)
	}
}

// Concurrent runs the analyser on the corpus from several goroutines at
// once, for the race detector.
func Concurrent(t *testing.T, a scan.Analyzer, layout Layout) {
	cases := append(LoadCorpus(t, "positive", layout), LoadCorpus(t, "negative", layout)...)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, c := range cases {
				for p, b := range c.Files {
					a.Analyze(File(p, b))
				}
			}
		})
	}
	wg.Wait()
}

// GOROOTFiles reads the source tree named by GOROOT_FOR_BENCH (for
// example $(go env GOROOT)/src), a large body of ordinary code with a few
// real fixtures, or skips when it is unset.
func GOROOTFiles(tb testing.TB) []*scan.File {
	root := os.Getenv("GOROOT_FOR_BENCH")
	if root == "" {
		tb.Skip("set GOROOT_FOR_BENCH to a source tree, e.g. $(go env GOROOT)/src")
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
		files = append(files, File(filepath.ToSlash(rel), c))
		return nil
	})
	return files
}

// Throughput benchmarks the analyser on the GOROOT_FOR_BENCH tree.
func Throughput(b *testing.B, a scan.Analyzer) {
	files := GOROOTFiles(b)
	var total int64
	for _, f := range files {
		total += int64(len(f.Content))
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			a.Analyze(f)
		}
	}
}

// Report logs what the analyser finds in the GOROOT_FOR_BENCH tree outside
// test code, where everything it finds is a false positive or a discovery,
// and the counts by rule and severity.
func Report(t *testing.T, a scan.Analyzer) {
	counts := map[string]int{}
	for _, f := range GOROOTFiles(t) {
		for _, fd := range a.Analyze(f) {
			counts[fd.RuleID+" "+string(fd.Severity)]++
			if !f.Test {
				t.Logf("%s:%d %s %s %q", f.Path, fd.Region.StartLine, fd.RuleID, fd.Message, fd.Snippet)
			}
		}
	}
	t.Logf("findings by rule and severity: %v", counts)
}
