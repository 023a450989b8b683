package verify

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/verify/policy"
)

// TestKOfNCentres: Brussels and Bonn each judge the same firmware; a
// third party's policy asks for the PASSED verdicts of both (2 of 2). With
// both receipts the firmware is allowed; with Brussels's alone, or with
// Bonn's verdict FAILED, it is denied, saying which centre did not allow
// it; a policy of 1 of 2 allows it on either; a receipt from a centre the
// policy does not name counts for nothing.
func TestKOfNCentres(t *testing.T) {
	brussels, bonn, other := &centre{centretest.New(t, "brussels.test/log")}, &centre{centretest.New(t, "bonn.test/log")}, &centre{centretest.New(t, "other.test/log")}
	art := glassbox.DigestOf([]byte("firmware"))
	rBrussels := brussels.attest(t, art, glassbox.PredicateVSA, passedVSA)
	rBonn := bonn.attest(t, art, glassbox.PredicateVSA, passedVSA)
	rOther := other.attest(t, art, glassbox.PredicateVSA, passedVSA)
	pol := func(k int) *policy.Policy {
		var b strings.Builder
		fmt.Fprintf(&b, "centres:\n  threshold: %d\n  of:\n", k)
		for _, c := range []struct {
			name string
			c    *centre
		}{{"brussels", brussels}, {"bonn", bonn}} {
			fmt.Fprintf(&b, "    - name: %s\n      key: %s\n      log_key: %s\n", c.name, c.c.Keys.PublicKeyPath, c.c.Keys.LogVerifierKeyPath)
		}
		p, err := policy.Parse("/policies/federation.yaml", []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	o := Options{Now: brussels.options().Now}
	run := func(k int, receipts ...[]byte) *Result {
		t.Helper()
		o.Policy = pol(k)
		res, err := Federated(context.Background(), art, receipts, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run(2, rBrussels, rBonn); !res.Allowed || len(res.Centres) != 2 {
		t.Fatalf("two PASSED verdicts under 2 of 2: %+v", res)
	}
	if res := run(2, rBrussels, rOther); res.Allowed || !strings.Contains(strings.Join(res.Reasons, "\n"), "bonn: no receipt") {
		t.Errorf("Brussels's receipt and an unnamed centre's under 2 of 2: allowed %v, %q", res.Allowed, res.Reasons)
	}
	if res := run(1, rOther, rBonn); !res.Allowed {
		t.Errorf("Bonn's receipt under 1 of 2: %q", res.Reasons)
	}
	rFailed := bonn.attest(t, art, glassbox.PredicateVSA, failedVSA)
	if res := run(2, rBrussels, rFailed); res.Allowed || !strings.Contains(strings.Join(res.Reasons, "\n"), "bonn:") {
		t.Errorf("Bonn's newer FAILED verdict under 2 of 2: allowed %v, %q", res.Allowed, res.Reasons)
	}

	for _, c := range []struct{ name, yaml, want string }{
		{"threshold above the centres", "centres:\n  threshold: 3\n  of:\n    - {name: a, key: " + brussels.Keys.PublicKeyPath + ", log_key: " + brussels.Keys.LogVerifierKeyPath + "}\n", "threshold 3"},
		{"a missing key file", "centres:\n  threshold: 1\n  of:\n    - {name: a, key: nowhere.pub, log_key: " + brussels.Keys.LogVerifierKeyPath + "}\n", "a: key"},
		{"one log twice", "centres:\n  threshold: 1\n  of:\n    - {name: a, key: " + brussels.Keys.PublicKeyPath + ", log_key: " + brussels.Keys.LogVerifierKeyPath + "}\n    - {name: b, key: " + bonn.Keys.PublicKeyPath + ", log_key: " + brussels.Keys.LogVerifierKeyPath + "}\n", "the same log"},
	} {
		if _, err := policy.Parse("/p.yaml", []byte(c.yaml)); glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want EINVALID saying %q", c.name, err, c.want)
		}
	}
}
