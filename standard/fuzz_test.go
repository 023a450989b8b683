package standard_test

import (
	"os"
	"testing"

	"glassbox.dev"
	"glassbox.dev/standard"
)

const fuzzCatalog = `{"catalog": {"uuid": "3c5d7c2e-1f7a-4b8e-9a57-2f0d4c1e8b11",
 "metadata": {"title": "t", "last-modified": "2026-11-01T00:00:00Z", "version": "1", "oscal-version": "1.0.6"},
 "groups": [{"id": "g", "title": "G", "controls": [{"id": "A-1", "title": "a", "props": [{"name": "label", "value": "1"}, {"name": "maturity-level", "value": "2"}],
   "controls": [{"id": "A-1.1", "title": "a.1", "parts": [{"name": "statement", "prose": "do it"}]}]}]}],
 "controls": [{"id": "B", "title": "b", "props": [{"name": "status", "value": "withdrawn"}]}]}}`

// A user's catalog is hostile input: whatever the bytes, ParseCatalog
// returns a catalog or an EINVALID error, never panics, and what it accepts
// is schema-valid with unique ids that all resolve.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(fuzzCatalog))
	for _, name := range []string{"catalogs/cra-annex-i.json", "catalogs/en-303-645.json"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"catalog": null}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := standard.ParseCatalog("fuzz.json", "fuzz", b)
		if err != nil {
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("error with code %s: %v", glassbox.ErrorCode(err), err)
			}
			return
		}
		if err := standard.ValidateCatalog(b); err != nil {
			t.Fatalf("accepted a catalog the schema refuses: %v", err)
		}
		seen := map[string]bool{}
		for _, ctl := range c.Controls {
			if seen[ctl.ID] {
				t.Fatalf("duplicate id %q accepted", ctl.ID)
			}
			seen[ctl.ID] = true
			if got, ok := c.Control(ctl.ID); !ok || got != ctl {
				t.Fatalf("control %q does not resolve to itself", ctl.ID)
			}
		}
	})
}

// A mapping file is hostile input too.
func FuzzParseMapping(f *testing.F) {
	c, err := standard.ParseCatalog("fuzz.json", "fuzz", []byte(fuzzCatalog))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("catalog: fuzz\ncontrols:\n  - control: A-1.1\n    coverage: supported\n    checks:\n      - check: rebuild.reproducible\n        satisfied-by: [pass, not-applicable]\n    why: because\n"))
	f.Add([]byte(`{"controls": [{"control": "A-1.1", "coverage": "manual", "why": "x"}]}`))
	f.Add([]byte("controls: &a [*a]\n"))
	if b, err := os.ReadFile("mappings/cra-annex-i.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := standard.ParseMapping("fuzz.yaml", b, c)
		if err != nil {
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("error with code %s: %v", glassbox.ErrorCode(err), err)
			}
			return
		}
		for _, cm := range m.Controls {
			ctl, ok := c.Control(cm.Control)
			if !ok || !ctl.Leaf || ctl.Withdrawn {
				t.Fatalf("accepted a mapping of %q", cm.Control)
			}
		}
	})
}

// A file of judgements is hostile input: ParseJudgements accepts only
// controls the library has, each with a verdict and a note.
func FuzzParseJudgements(f *testing.F) {
	l := builtin(f)
	f.Add([]byte("- control: I.1\n  satisfied: true\n  note: risk assessment reviewed\n- catalog: en-303-645\n  control: \"5.4-1\"\n  satisfied: false\n  note: keys unencrypted\n"))
	f.Add([]byte(`[{"control": "OSPS-VM-02.01", "satisfied": true, "note": "SECURITY.md"}]`))
	f.Add([]byte("- control: OSPS-AC-01\n  satisfied: true\n  note: x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		js, err := l.ParseJudgements("fuzz.yaml", b)
		if err != nil {
			if c := glassbox.ErrorCode(err); c != glassbox.EINVALID && c != glassbox.ENOTFOUND {
				t.Fatalf("error with code %s: %v", c, err)
			}
			return
		}
		for _, j := range js {
			c, ok := l.Catalog(j.Catalog)
			if !ok {
				t.Fatalf("accepted catalog %q", j.Catalog)
			}
			if ctl, ok := c.Control(j.Control); !ok || ctl.ID != j.Control || !ctl.Leaf || j.Note == "" {
				t.Fatalf("accepted %+v", j)
			}
		}
	})
}
