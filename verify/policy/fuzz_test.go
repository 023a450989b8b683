package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"glassbox.dev"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic, must refuse
// with EINVALID, and whatever it accepts must evaluate without an internal
// error.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"rules: [{name: r, match: 'true'}]",
		"rules: [{name: r, require: all, applies: 'att.logIndex > 1', match: 'att.predicate.x == 1.0'}]",
		"rules: [{name: r, require: none, match: 'att.subjects.exists(s, s.digest == artifact.digest)'}]",
		"rules: [{name: r, require: expr, match: 'attestations.all(a, has(a.loggedAt) && a.loggedAt < now)'}]",
		"rules: [{name: r, match: 'att.predicateType.split(\"/\").size() > 2 && now - duration(\"1h\") < now'}]",
		"name: x\nrules:\n  - name: a\n    match: >\n      att.keyId != \"\" &&\n      att.predicate.verificationResult in [\"PASSED\"]\n",
		"rules: [",
		"rules: []",
		"",
	} {
		f.Add([]byte(s))
	}
	in := Input{
		Now:      now,
		Artifact: firmware,
		Attestations: []Attestation{
			vsa(4, "PASSED", craURI, now.Add(-days(3))),
			provenance(5),
			withPredicate(provenance(6), `[1, "x", null, {"a": [true, 2.5]}]`),
		},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if code := glassbox.ErrorCode(err); code != glassbox.EINVALID {
				t.Fatalf("code %q for %v", code, err)
			}
			return
		}
		if len(p.Rules) == 0 {
			t.Fatal("accepted a policy without rules")
		}
		d, err := p.Evaluate(in)
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		allow := true
		for _, r := range d.Rules {
			allow = allow && r.Passed
		}
		if d.Allow != allow || len(d.Rules) != len(p.Rules) {
			t.Fatalf("decision %+v does not follow its rules", d)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatal(err)
		}
	})
}
