package precision_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/scan/internal/precision"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// evaluated are corpus projects evaluated end to end as source-only
// releases, one per language the corpus holds: a Go library, an npm
// package, a C program, a Python library, a Java library and a PHP library.
var evaluated = []string{"gorilla-mux", "commander", "jq", "jinja2", "commons-io", "monolog"}

// TestCorpusReleasesEvaluate submits projects of the precision corpus as
// source-only releases and runs glassbox evaluate against CRA Annex I: no
// backdoor or embedded-secret check may fail on them, since they are clean
// (the backdoor check failing is the false alarm the corpus exists to
// catch). Checks that need what a source-only release does not have (a
// binary to rebuild) or a human are not this test's concern.
func TestCorpusReleasesEvaluate(t *testing.T) {
	dir, projects := corpus(t)
	byName := map[string]precision.Project{}
	for _, p := range projects {
		byName[p.Name] = p
	}
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f := &precision.Fetcher{Dir: dir}
	for _, name := range evaluated {
		p, ok := byName[name]
		if !ok {
			t.Fatalf("%s is not in corpus.tsv", name)
		}
		t.Run(p.Dir(), func(t *testing.T) {
			src := f.Path(p)
			if _, err := os.Stat(src); err != nil {
				t.Fatalf("%s is not in the corpus cache (run fetchcorpus -dir %s): %v", p.Dir(), dir, err)
			}
			data := t.TempDir()
			blobs, db := centretest.Stores(t, data)
			in := &ingest.Ingester{Blobs: blobs, Releases: db}
			res, err := in.Submit(t.Context(), ingest.Request{Product: p.Name, Version: p.Version, SourceDir: src})
			if err != nil {
				t.Fatal(err)
			}
			// The Go advisories only: the check of other ecosystems is not
			// assessed, which is honest and not what this test is about.
			vulns := &vuln.Store{Blobs: blobs, Current: vuln.FilePointer(filepath.Join(data, "vulndb", "current"))}
			if _, _, err := vulns.Import(t.Context(), []string{"../../../vuln/testdata/osv/Go/all.zip"}); err != nil {
				t.Fatal(err)
			}
			e := &evaluate.Evaluator{Blobs: blobs, Store: db, Library: lib, Vulns: vulns, VulnMaxAge: 10 * 365 * 24 * time.Hour}
			out, err := e.Evaluate(t.Context(), res.Release, []string{"cra-annex-i"})
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, ch := range out.Checks {
				t.Logf("%s %s: %s", ch.Check, ch.Status, ch.Summary)
				if ch.Check != glassbox.CheckNoBackdoorIndicators && ch.Check != glassbox.CheckNoEmbeddedSecrets {
					continue
				}
				seen++
				if ch.Status != glassbox.CheckPass {
					msg := ch.Summary
					for i, fd := range ch.Findings {
						if i == 5 {
							break
						}
						msg += "\n  " + fd.Path + ": " + fd.RuleID + " " + fd.Message
					}
					t.Errorf("%s is %s on %s, a clean project: %s", ch.Check, ch.Status, p.Dir(), msg)
				}
			}
			if seen != 2 {
				t.Errorf("evaluate reported %d of the two scan checks, want both", seen)
			}
		})
	}
}
