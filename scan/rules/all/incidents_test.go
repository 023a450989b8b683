package all_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// TestIncidents runs every family together, as `glassbox scan` does, over
// the labelled corpus of real incidents (scan/testdata/incidents: one
// directory per incident, reconstructed from public facts in our own
// code, with an EXPECT file naming the rules that must fire) and over the
// clean code of every family's negative corpus. It reports recall and
// false positives per family; every incident must be caught by each rule
// it names, and no clean example may raise a finding of medium severity or
// above from any family.
func TestIncidents(t *testing.T) {
	s := &scan.Scanner{Analyzers: scan.Analyzers()}
	incidents, err := filepath.Glob("../../testdata/incidents/*/EXPECT")
	if err != nil || len(incidents) < 7 {
		t.Fatalf("want the corpus of at least 7 incidents, found %d (%v)", len(incidents), err)
	}
	type tally struct{ want, hit, fp, fpLow int }
	families := map[string]*tally{}
	fam := func(name string) *tally {
		if families[name] == nil {
			families[name] = &tally{}
		}
		return families[name]
	}
	family := map[string]string{}
	for _, a := range s.Analyzers {
		for _, r := range a.Rules() {
			family[r.ID] = r.Family
		}
	}
	for _, expect := range incidents {
		dir := filepath.Dir(expect)
		b, err := os.ReadFile(expect)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.ScanDir(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		fired := map[string]bool{}
		for _, f := range res.Findings {
			fired[f.RuleID] = true
			fired[fmt.Sprintf("%s@%s:%d", f.RuleID, f.Path, f.Region.StartLine)] = true
		}
		// An entry is a rule that must fire, or RULE@PATH:LINE, a rule
		// that must fire at that line.
		for _, id := range strings.Fields(string(b)) {
			rule, at, _ := strings.Cut(id, "@")
			if family[rule] == "" {
				t.Fatalf("%s names %s, which no family defines", expect, rule)
			}
			tl := fam(family[rule])
			tl.want++
			if fired[id] {
				tl.hit++
				continue
			}
			where := ""
			if at != "" {
				where = " at " + at
			}
			t.Errorf("incident %s: %s did not fire%s (found %v)", filepath.Base(dir), rule, where, keys(fired))
		}
	}
	clean, err := filepath.Glob("../*/testdata/negative/*")
	if err != nil || len(clean) == 0 {
		t.Fatalf("no clean corpus: %v", err)
	}
	for _, c := range clean {
		fi, err := os.Stat(c)
		if err != nil {
			t.Fatal(err)
		}
		var res *scan.Result
		if fi.IsDir() {
			res, err = s.ScanDir(t.Context(), c)
		} else {
			res, err = scanOne(s, c)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			tl := fam(f.Family)
			if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
				tl.fp++
				t.Errorf("clean example %s: %s %s %s at %s:%d", c, f.RuleID, f.Severity, f.Message, f.Path, f.Region.StartLine)
			} else {
				tl.fpLow++
			}
		}
	}
	names := keys(map[string]bool{})
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tl := families[n]
		t.Logf("%-13s recall %d/%d on incidents; false positives on %d clean examples: %d medium or above, %d low or note", n, tl.hit, tl.want, len(clean), tl.fp, tl.fpLow)
	}
}

// scanOne scans a single file as the only file of its directory would be.
func scanOne(s *scan.Scanner, path string) (*scan.Result, error) {
	tmp, err := os.MkdirTemp("", "clean-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, filepath.Base(path)), b, 0o644); err != nil {
		return nil, err
	}
	return s.ScanDir(context.Background(), tmp)
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
