package precision_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"glassbox.dev/scan"
	"glassbox.dev/scan/internal/precision"
	_ "glassbox.dev/scan/rules/all"
)

// TestPrecisionCorpus scans every project of the corpus, as glassbox scan
// does, and fails on each finding of medium or above: the projects are
// clean, so each is a false alarm. It needs the corpus cache, which
// fetchcorpus fills:
//
//	go run ./scan/internal/precision/fetchcorpus -dir DIR
//	GLASSBOX_PRECISION_CORPUS=DIR go test ./scan/internal/precision -run TestPrecisionCorpus -v
func TestPrecisionCorpus(t *testing.T) {
	dir, projects := corpus(t)
	f := &precision.Fetcher{Dir: dir}
	var reports []*precision.Report
	failing := 0
	for _, p := range projects {
		if _, err := os.Stat(f.Path(p)); err != nil {
			t.Errorf("%s is not in the corpus cache %s (run fetchcorpus -dir %s): %v", p.Dir(), dir, dir, err)
			continue
		}
		r, err := precision.Scan(context.Background(), scan.Analyzers(), p, f.Path(p))
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, r)
		by := r.ByRule()
		var counts []string
		for _, k := range precision.SortedRules(by) {
			counts = append(counts, fmt.Sprintf("%s=%d", k, by[k]))
		}
		t.Logf("%s (%s, %d files, %d bytes): %s", p.Dir(), p.Language, r.Result.Files, r.Result.Bytes, strings.Join(counts, ", "))
		for _, fd := range r.Failing() {
			failing++
			t.Errorf("false alarm: %s", precision.FindingLine(p, fd))
		}
	}
	var table strings.Builder
	if err := precision.WriteTable(&table, reports); err != nil {
		t.Fatal(err)
	}
	t.Logf("precision corpus, %d projects, %d findings of medium or above:\n%s", len(reports), failing, table.String())
}

// corpus returns the corpus cache GLASSBOX_PRECISION_CORPUS names and the
// pinned projects, and skips the test when no cache is named.
func corpus(t *testing.T) (string, []precision.Project) {
	t.Helper()
	dir := os.Getenv("GLASSBOX_PRECISION_CORPUS")
	if dir == "" {
		t.Skip("GLASSBOX_PRECISION_CORPUS is not set: fill a cache with go run ./scan/internal/precision/fetchcorpus -dir DIR and set it to DIR")
	}
	projects, err := precision.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	return dir, projects
}
