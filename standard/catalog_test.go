package standard_test

import (
	"glassbox.dev/internal/schemas"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
	"glassbox.dev/standard"
)

func builtin(t testing.TB) *standard.Library {
	t.Helper()
	l, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Every shipped catalog is valid OSCAL 1.0.6: the JSON file as committed
// passes NIST's schema (read from the shared copy, not the embedded one, so
// that a broken embedded schema cannot hide a broken catalog).
func TestBuiltinCatalogsValidate(t *testing.T) {
	sch := schemas.OSCALCatalog
	for _, id := range []string{standard.CRA, standard.EN, standard.OSPS} {
		t.Run(id, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("catalogs", id+".json"))
			if err != nil {
				t.Fatal(err)
			}
			validateWith(t, sch, b)
			c, ok := builtin(t).Catalog(id)
			if !ok || string(c.JSON) != string(b) {
				t.Fatalf("the library's %s is not the committed file", id)
			}
		})
	}
}

// The CRA catalog has exactly the ids of Annex I, Parts I and II.
func TestCRAIDs(t *testing.T) {
	c, _ := builtin(t).Catalog(standard.CRA)
	var got []string
	for _, ctl := range c.Leaves() {
		got = append(got, ctl.ID)
	}
	want := []string{"I.1"}
	for _, l := range "abcdefghijklm" {
		want = append(want, "I.2."+string(l))
	}
	for i := 1; i <= 8; i++ {
		want = append(want, "II."+string(rune('0'+i)))
	}
	if !slices.Equal(got, want) {
		t.Errorf("CRA controls %v; want %v", got, want)
	}
}

// EN 303 645 is assessed provision by provision: every row of the
// standard's conformance table (testdata/en-303-645-provisions.tsv, V3.1.x
// numbering) is a control labelled with the provision's number, in the
// group of its clause, with exactly that status, the grading that follows
// from it and the TS 103 701 test group that assesses it; and there are no
// others.
func TestENProvisions(t *testing.T) {
	c, _ := builtin(t).Catalog(standard.EN)
	b, err := os.ReadFile("testdata/en-303-645-provisions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]string{}
	for _, g := range c.Doc.Groups {
		groups[g.Title] = g.ID
	}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "clause\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("TSV line %q: want clause, provision, status", line)
		}
		clause, label, st := f[0], f[1], f[2]
		want = append(want, label)
		ctl, ok := c.Control(label)
		if !ok || ctl.ID != "en-"+label || ctl.Label != label || !ctl.Leaf {
			t.Errorf("provision %s: %+v, %v", label, ctl, ok)
			continue
		}
		if groups[ctl.Group] != "en-"+clause {
			t.Errorf("provision %s is in group %q (%s); want en-%s", label, ctl.Group, groups[ctl.Group], clause)
		}
		p := ctl.Provision
		if p == nil || p.Status != st {
			t.Errorf("provision %s: status %+v; want %q", label, p, st)
			continue
		}
		if p.Mandatory != (st[0] == 'M') {
			t.Errorf("provision %s: mandatory %v for status %q", label, p.Mandatory, st)
		}
		mod, keys, _ := strings.Cut(st, " ")
		if (len(p.Conditions) > 0) != strings.Contains(mod, "C") || (len(p.Features) > 0) != strings.Contains(mod, "F") {
			t.Errorf("provision %s: conditions %v, features %v for status %q", label, p.Conditions, p.Features, st)
		}
		if got := "(" + strings.Join(p.Keys(), ", ") + ")"; keys != "" && got != keys {
			t.Errorf("provision %s: keys %s; want %s", label, got, keys)
		}
		for _, k := range p.Keys() {
			if c.Keys[k] == "" {
				t.Errorf("provision %s depends on %q, which the catalog does not define", label, k)
			}
		}
		if ctl.TestGroup != "TS 103 701 test group "+label {
			t.Errorf("provision %s: test group %q", label, ctl.TestGroup)
		}
		if ctl.Title == "" || len(ctl.Statement) < 20 {
			t.Errorf("provision %s: title %q, statement %q", label, ctl.Title, ctl.Statement)
		}
	}
	var got []string
	for _, ctl := range c.Leaves() {
		got = append(got, ctl.Label)
	}
	if len(want) != 78 || !slices.Equal(got, want) {
		t.Errorf("EN 303 645 provisions %v; want the %d of the TSV, %v", got, len(want), want)
	}
	if !strings.Contains(c.Title, "V3.1") || c.Version != "2.0.0" {
		t.Errorf("catalog %q version %s; want V3.1.x numbering in the title, version 2.0.0", c.Title, c.Version)
	}
	if ctl, ok := c.Control("5.4-3"); !ok || ctl.Group != "Securely store sensitive security parameters" {
		t.Errorf("Control(5.4-3) = %+v, %v", ctl, ok)
	}
	// A clause is a group, not a control: judgements name provisions.
	if _, ok := c.Control("5.4"); ok {
		t.Error("5.4 resolves to a control; the clauses are groups")
	}
}

// The OSPS conversion keeps every control and requirement of the source
// YAML, with its maturity levels, state, guideline mappings and texts.
func TestOSPSConversionKeepsEverything(t *testing.T) {
	type req struct {
		ID            string   `yaml:"id"`
		Text          string   `yaml:"text"`
		Applicability []string `yaml:"applicability"`
		State         string   `yaml:"state"`
	}
	type family struct {
		Controls []struct {
			ID         string `yaml:"id"`
			Title      string `yaml:"title"`
			Guidelines []struct {
				ReferenceID string `yaml:"reference-id"`
				Entries     []struct {
					ReferenceID string `yaml:"reference-id"`
				} `yaml:"entries"`
			} `yaml:"guidelines"`
			Requirements []req `yaml:"assessment-requirements"`
		} `yaml:"controls"`
	}
	files, _ := filepath.Glob("catalogs/src/osps-baseline/OSPS-*.yaml")
	if len(files) != 8 {
		t.Fatalf("%d OSPS family files; want 8", len(files))
	}
	c, _ := builtin(t).Catalog(standard.OSPS)
	nControls, nReqs, nMappings := 0, 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fam family
		if err := yaml.Unmarshal(b, &fam); err != nil {
			t.Fatal(err)
		}
		for _, yc := range fam.Controls {
			nControls++
			ctl, ok := c.Control(yc.ID)
			if !ok || ctl.Leaf || ctl.Title != strings.Join(strings.Fields(yc.Title), " ") {
				t.Errorf("control %s: %+v, %v", yc.ID, ctl, ok)
				continue
			}
			for _, g := range yc.Guidelines {
				for _, e := range g.Entries {
					if strings.TrimSpace(g.ReferenceID) != "" && strings.TrimSpace(e.ReferenceID) != "" {
						nMappings++
					}
				}
			}
			for _, r := range yc.Requirements {
				nReqs++
				rc, ok := c.Control(r.ID)
				if !ok || !rc.Leaf || rc.Parent != yc.ID {
					t.Errorf("requirement %s: %+v, %v", r.ID, rc, ok)
					continue
				}
				var levels []int
				for _, a := range r.Applicability {
					levels = append(levels, int(a[len(a)-1]-'0'))
				}
				sort.Ints(levels)
				if !slices.Equal(rc.Levels, levels) {
					t.Errorf("requirement %s: levels %v; want %v", r.ID, rc.Levels, levels)
				}
				if rc.Withdrawn != (r.State == "Retired") {
					t.Errorf("requirement %s: withdrawn %v, state %q", r.ID, rc.Withdrawn, r.State)
				}
				if rc.Statement != strings.Join(strings.Fields(r.Text), " ") {
					t.Errorf("requirement %s: statement %q; want the text %q", r.ID, rc.Statement, r.Text)
				}
			}
		}
	}
	// FACTS: 41 controls and 65 assessment requirements.
	if nControls != 41 || nReqs != 65 || len(c.Controls) != nControls+nReqs {
		t.Errorf("%d controls, %d requirements in the YAML, %d in the catalog; want 41 + 65", nControls, nReqs, len(c.Controls))
	}
	gotMappings := strings.Count(string(c.JSON), `"name": "guideline-mapping"`)
	if gotMappings != nMappings || nMappings == 0 {
		t.Errorf("%d guideline mappings in the catalog; the YAML has %d", gotMappings, nMappings)
	}
	if !strings.Contains(string(c.JSON), "Apache License 2.0") {
		t.Error("the catalog's metadata does not carry the Baseline's licence")
	}
}

// Selecting osps-lN gives the requirements that apply at level N or below.
func TestOSPSLevels(t *testing.T) {
	l := builtin(t)
	counts := map[string]int{}
	for _, id := range []string{"osps-l1", "osps-l2", "osps-l3", standard.OSPS} {
		sels, err := l.Select([]string{id})
		if err != nil {
			t.Fatal(err)
		}
		counts[id] = len(sels[0].Controls())
		for _, ctl := range sels[0].Controls() {
			if ctl.Withdrawn {
				t.Errorf("%s selects withdrawn %s", id, ctl.ID)
			}
		}
	}
	if !(counts["osps-l1"] < counts["osps-l2"] && counts["osps-l2"] < counts["osps-l3"] && counts["osps-l3"] == counts[standard.OSPS] && counts[standard.OSPS] == 64) {
		t.Errorf("selection sizes %v; want l1 < l2 < l3 = all = 64 (65 less one retired)", counts)
	}
	sels, _ := l.Select([]string{"osps-l1"})
	var ids []string
	for _, c := range sels[0].Controls() {
		ids = append(ids, c.ID)
	}
	if !slices.Contains(ids, "OSPS-AC-01.01") || slices.Contains(ids, "OSPS-AC-04.01") || !slices.Contains(ids, "OSPS-VM-02.01") {
		t.Errorf("osps-l1 = %v", ids)
	}
	if _, err := l.Select([]string{"osps-l4"}); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), "cra-annex-i") {
		t.Errorf("Select(osps-l4) = %v; want EINVALID listing the standards", err)
	}
}

// The mappings name only controls that exist and checks that exist, and
// name every control of the built-in catalogs, so that "manual" is always
// a decision, never an omission.
func TestMappingsComplete(t *testing.T) {
	l := builtin(t)
	used := map[string]bool{}
	for _, c := range l.Catalogs() {
		m := l.Mapping(c.ID)
		for _, ctl := range c.Leaves() {
			if !m.Mapped(ctl.ID) {
				t.Errorf("%s: control %s has no mapping entry", c.ID, ctl.ID)
			}
		}
		for _, cm := range m.Controls {
			if _, ok := c.Control(cm.Control); !ok {
				t.Errorf("%s: mapping names unknown control %s", c.ID, cm.Control)
			}
			for _, ref := range cm.Checks {
				if !slices.Contains(glassbox.Checks(), ref.Check) {
					t.Errorf("%s: mapping names unknown check %s", c.ID, ref.Check)
				}
				used[ref.Check] = true
			}
		}
	}
	// One check feeds many standards.
	for _, check := range []string{glassbox.CheckNoKnownExploitable, glassbox.CheckReproducible, glassbox.CheckNoEmbeddedSecrets} {
		n := 0
		for _, c := range l.Catalogs() {
			for _, cm := range l.Mapping(c.ID).Controls {
				for _, ref := range cm.Checks {
					if ref.Check == check {
						n++
					}
				}
			}
		}
		if n < 3 {
			t.Errorf("check %s feeds only %d controls", check, n)
		}
	}
	for _, check := range glassbox.Checks() {
		if !used[check] {
			t.Errorf("check %s feeds no control of any built-in catalog", check)
		}
	}
}
