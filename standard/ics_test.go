package standard_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
	"glassbox.dev/standard"
)

func enCatalog(t testing.TB) *standard.Catalog {
	t.Helper()
	c, ok := builtin(t).Catalog(standard.EN)
	if !ok {
		t.Fatal("no EN 303 645 catalog")
	}
	return c
}

func exampleICS(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../examples/hello/ics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The example release's ICS is valid against the catalog, answers every
// provision, and is named by the digest of its canonical JSON, which
// parses back to the same statement.
func TestParseICSExample(t *testing.T) {
	c := enCatalog(t)
	s, err := standard.ParseICS("ics.yaml", exampleICS(t), c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Product.Name != "hello" || s.Product.Manufacturer.Name != "Example Vendor" || len(s.Provisions) != len(c.Leaves()) {
		t.Errorf("parsed %+v with %d answers; want hello by Example Vendor answering all %d", s.Product, len(s.Provisions), len(c.Leaves()))
	}
	canon, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if s.Digest != glassbox.DigestOf(canon) {
		t.Errorf("digest %s is not the canonical form's", s.Digest)
	}
	if again, err := jcs.Transform(canon); err != nil || string(again) != string(canon) {
		t.Errorf("Canonical is not RFC 8785 canonical JSON: %v", err)
	}
	back, err := standard.ParseICS("stored.json", canon, c)
	if err != nil || back.Digest != s.Digest {
		t.Fatalf("the canonical JSON does not parse back to the same statement: %v", err)
	}
}

// edit returns the example ICS with one line replaced, failing the test if
// the line is not there.
func edit(t *testing.T, old, new string) []byte {
	t.Helper()
	b := string(exampleICS(t))
	if !strings.Contains(b, old) {
		t.Fatalf("the example ICS has no %q", old)
	}
	return []byte(strings.Replace(b, old, new, 1))
}

// A statement that contradicts the catalog or itself is refused, with a
// message naming the file, the provision and what to do.
func TestParseICSRefuses(t *testing.T) {
	c := enCatalog(t)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "is empty"},
		{"not YAML", []byte("{{{"), "not an ICS"},
		{"unknown field", edit(t, "standard: en-303-645", "standard: en-303-645\nversion: 3"), "field version not found"},
		{"other standard", edit(t, "standard: en-303-645", "standard: cra-annex-i"), `standard "cra-annex-i"`},
		{"unknown provision", edit(t, `  "5.1-1":`, `  "5.1-9":`), `provision "5.1-9" is not a provision of en-303-645`},
		{"a clause is not a provision", edit(t, `  "5.1-1":`, `  "5.1":`), `provision "5.1" is not a provision`},
		{"bad support", edit(t, "support: yes", "support: maybe"), `support "maybe": answer yes, no or not-applicable`},
		{"mandatory not applicable", edit(t, "  \"5.13-1A\":\n    support: yes", "  \"5.13-1A\":\n    support: not-applicable"), "provision 5.13-1A: is mandatory for every product and cannot be not-applicable"},
		{"no without detail", edit(t, "  \"5.3-4A\":\n    support: no\n    detail: \"hello has no automatic update mechanism; operators install each release themselves.\"", "  \"5.3-4A\":\n    support: no"), "provision 5.3-4A: answered no without a detail"},
		{"not applicable although the feature is present", edit(t, "  \"5.3-3\":\n    support: yes", "  \"5.3-3\":\n    support: not-applicable"), "provision 5.3-3: is answered not-applicable, but the features say the product has everything"},
		{"answered although the feature is absent", edit(t, "  \"5.1-1\":\n    support: not-applicable", "  \"5.1-1\":\n    support: yes"), "provision 5.1-1: is answered yes, but the features say the product lacks feature a (passwords are used)"},
		{"feature not declared", edit(t, "  a: false", ""), "provision 5.1-1: depends on feature a (passwords are used); say under features"},
		{"unknown feature", edit(t, "  a: false", "  a: false\n  zz: true"), `features: "zz" is not a condition or feature of en-303-645`},
		{"no product name", edit(t, "  name: hello", `  name: ""`), "product.name is required"},
		{"no manufacturer address", edit(t, "    address: 1 Example Street, 1000 Brussels, Belgium", ""), "product.manufacturer.address is required"},
		{"bad date", edit(t, `support-until: "2028-12-31"`, `support-until: "31/12/2028"`), "product.support-until"},
		{"http contact", edit(t, "security-contact: security@hello.example", "security-contact: http://hello.example/security"), "product.security-contact"},
		{"two documents", append(exampleICS(t), []byte("---\nstandard: x\n")...), "holds more than one YAML document"},
		{"too big", make([]byte, standard.MaxICSSize+1), "more than the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := standard.ParseICS("ics.yaml", tc.b, c)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ics.yaml") {
				t.Errorf("ParseICS = %v; want EINVALID naming ics.yaml and saying %q", err, tc.want)
			}
		})
	}
	// An https URL is a contact too.
	if _, err := standard.ParseICS("ics.yaml", edit(t, "security-contact: security@hello.example", "security-contact: https://hello.example/security"), c); err != nil {
		t.Errorf("https contact refused: %v", err)
	}
}

// The template lists every provision with its status and TS 103 701 test
// group, and every condition and feature; it is YAML of the ICS's shape,
// which ParseICS refuses until the vendor fills it in.
func TestICSTemplate(t *testing.T) {
	c := enCatalog(t)
	tmpl := standard.ICSTemplate(c)
	var s standard.ICS
	dec := yaml.NewDecoder(strings.NewReader(string(tmpl)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("the template is not YAML of an ICS: %v\n%s", err, tmpl)
	}
	if s.Standard != standard.EN || len(s.Provisions) != 78 || len(s.Features) != len(c.Keys) {
		t.Errorf("template: standard %q, %d provisions, %d features; want en-303-645, 78, %d", s.Standard, len(s.Provisions), len(s.Features), len(c.Keys))
	}
	for _, want := range []string{`"5.1-1":   # Unique or user-defined passwords — MF (a) — TS 103 701 test group 5.1-1`, `"5.3-4A":`, "  a: true   # passwords are used", `  "12": true`, "# Keep software updated"} {
		if !strings.Contains(string(tmpl), want) {
			t.Errorf("the template lacks %q", want)
		}
	}
	if _, err := standard.ParseICS("template.yaml", tmpl, c); err == nil || !strings.Contains(err.Error(), "product.name is required") {
		t.Errorf("the unfilled template: %v; want refused for its empty product name", err)
	}
}

// An ICS is hostile input: whatever the bytes, ParseICS returns a statement
// or an EINVALID error, never panics; what it accepts answers only the
// catalog's provisions, never a plain mandatory one not-applicable, and its
// canonical form parses back to the same digest.
func FuzzParseICS(f *testing.F) {
	c := enCatalog(f)
	f.Add(exampleICS(f))
	f.Add(standard.ICSTemplate(c))
	f.Add([]byte(`{"standard": "en-303-645", "provisions": {"5.0-1": {"support": "yes"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := standard.ParseICS("fuzz.yaml", b, c)
		if err != nil {
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("error with code %s: %v", glassbox.ErrorCode(err), err)
			}
			return
		}
		for label, a := range s.Provisions {
			ctl, ok := c.Control(label)
			if !ok || ctl.Label != label {
				t.Fatalf("accepted provision %q", label)
			}
			if a.Support == standard.ICSNotApplicable && ctl.Provision.Mandatory && ctl.Provision.Unconditional() {
				t.Fatalf("accepted %s (%s) not-applicable", label, ctl.Provision.Status)
			}
		}
		canon, err := s.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		back, err := standard.ParseICS("canonical.json", canon, c)
		if err != nil || back.Digest != s.Digest {
			t.Fatalf("the canonical form does not parse back: %v", err)
		}
	})
}

// icsWith parses the example ICS with replacements applied in order.
func icsWith(t *testing.T, repl ...string) *standard.ICS {
	t.Helper()
	b := string(exampleICS(t))
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(b, repl[i]) {
			t.Fatalf("the example ICS has no %q", repl[i])
		}
		b = strings.Replace(b, repl[i], repl[i+1], 1)
	}
	s, err := standard.ParseICS("ics.yaml", []byte(b), enCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The vendor's ICS is weighed for its catalog's controls: a "no" to a
// provision that applies is not satisfied whatever the evaluators said,
// mandatory or recommended; "not-applicable" waits for an evaluator, whose
// satisfied judgement confirms it; "yes" decides nothing but is shown;
// a failing check still decides first; without an ICS nothing changes.
func TestAssessWithICS(t *testing.T) {
	l := builtin(t)
	en := []string{standard.EN}
	ics := icsWith(t, "  \"5.13-1A\":\n    support: yes\n    detail:", "  \"5.13-1A\":\n    support: no\n    detail: \"names are echoed unchecked\" #")
	judged := judgeAll(t, en, true)
	a, err := l.AssessWith(release, en, allPass(), judged, ics)
	if err != nil {
		t.Fatal(err)
	}
	if a.ICS != ics.Digest || a.ICS == "" {
		t.Errorf("assessment ICS %q; want %s", a.ICS, ics.Digest)
	}
	for _, tc := range []struct {
		control string
		status  glassbox.ControlStatus
		reason  string
	}{
		// Mandatory, answered no: not satisfied, over alice's judgement.
		{"5.13-1A", glassbox.ControlNotSatisfied, "the vendor's ICS states it is not supported: names are echoed unchecked"},
		// Mandatory and feature-dependent, the feature present, no.
		{"5.5-1", glassbox.ControlNotSatisfied, "the vendor's ICS states it is not supported: hello serves its public greeting over plain HTTP"},
		// Recommended, answered no: not satisfied too.
		{"5.3-4A", glassbox.ControlNotSatisfied, "the vendor's ICS states it is not supported: hello has no automatic update mechanism"},
		// Not applicable (feature a absent), confirmed by a satisfied judgement.
		{"5.1-1", glassbox.ControlSatisfied, "alice judged it satisfied"},
		// Yes: the judgement decides, the claim is shown.
		{"5.2-1", glassbox.ControlSatisfied, "the vendor's ICS states it is supported: SECURITY.md gives security@hello.example"},
	} {
		c := status(t, a, standard.EN, tc.control)
		if c.Status != tc.status || !strings.Contains(c.Reason, tc.reason) || c.Statement == nil {
			t.Errorf("%s: %s (%s), statement %+v; want %s saying %q", tc.control, c.Status, c.Reason, c.Statement, tc.status, tc.reason)
		}
	}
	if c := status(t, a, standard.EN, "5.1-1"); !strings.Contains(c.Reason, "the vendor's ICS states it does not apply (the product lacks feature a (passwords are used))") {
		t.Errorf("5.1-1 reason %q; want the vendor's not-applicable and the feature it lacks", c.Reason)
	}
	if a.Verdict != standard.Failed || !strings.Contains(strings.Join(a.Reasons, "\n"), "5.13-1A (the vendor's ICS states it is not supported") {
		t.Errorf("verdict %s %q; want FAILED naming 5.13-1A", a.Verdict, a.Reasons)
	}

	// Not applicable without a judgement: not assessed, waiting for an
	// evaluator to confirm; the vendor alone never passes a control.
	a, err = l.AssessWith(release, en, allPass(), nil, ics)
	if err != nil {
		t.Fatal(err)
	}
	if c := status(t, a, standard.EN, "5.1-1"); c.Status != glassbox.ControlNotAssessed || !strings.Contains(c.Reason, "does not apply") || !strings.Contains(c.Reason, "an evaluator confirms") {
		t.Errorf("5.1-1 without a judgement: %s (%s); want not assessed, awaiting confirmation", c.Status, c.Reason)
	}
	if c := status(t, a, standard.EN, "5.2-1"); c.Status != glassbox.ControlNotAssessed {
		t.Errorf("5.2-1 answered yes without a judgement: %s; want not assessed", c.Status)
	}

	// A failing check decides first, whatever the vendor states.
	a, err = l.AssessWith(release, en, with(allPass(), glassbox.CheckNoEmbeddedSecrets, glassbox.CheckFail, "planted key"), judged, ics)
	if err != nil {
		t.Fatal(err)
	}
	if c := status(t, a, standard.EN, "5.4-3"); c.Status != glassbox.ControlNotSatisfied || !strings.HasPrefix(c.Reason, "failed scan.no-embedded-secrets") {
		t.Errorf("5.4-3 with a failing secrets check: %s (%s)", c.Status, c.Reason)
	}

	// Without an ICS, or with one for another catalog's controls, the
	// assessment is Assess's.
	plain, err := l.Assess(release, []string{standard.EN, standard.CRA}, allPass(), judged)
	if err != nil {
		t.Fatal(err)
	}
	withICS, err := l.AssessWith(release, []string{standard.EN, standard.CRA}, allPass(), judged, ics)
	if err != nil {
		t.Fatal(err)
	}
	if plain.ICS != "" || status(t, plain, standard.EN, "5.13-1A").Status != glassbox.ControlSatisfied {
		t.Errorf("without an ICS: %+v", status(t, plain, standard.EN, "5.13-1A"))
	}
	for i, c := range plain.Standards[1].Controls {
		w := withICS.Standards[1].Controls[i]
		if w.Status != c.Status || w.Reason != c.Reason || w.Statement != nil {
			t.Errorf("CRA %s changed by an EN ICS: %s (%s)", c.Control.ID, w.Status, w.Reason)
		}
	}

	// The OSCAL results cite the ICS and stay schema-valid.
	doc, err := standard.AssessmentResults(withICS, assessAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := standard.ValidateAssessmentResults(doc); err != nil {
		t.Error(err)
	}
	if !strings.Contains(string(doc), standard.EvidenceHref(ics.Digest)) {
		t.Error("the assessment results do not point at the ICS")
	}
}
