package storetest

import (
	"testing"
	"time"

	"glassbox.dev"
)

// Decisions on findings are added, never replaced, in the order made, a
// dismissal only with a reason, and only about a stored release; two at
// the same instant on one finding are kept in order.
func testTriage(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	ts, ok := s.(glassbox.TriageStore)
	if !ok {
		t.Fatalf("%T does not record triage", s)
	}
	rel := NewRelease(t, "triaged", "1.0")
	mustCreate(t, s, rel)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	confirm := &glassbox.Triage{Release: rel.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "src/auth.c", Line: 42, Reason: "", Evaluator: "eve@lab", At: at}
	dismiss := &glassbox.Triage{Release: rel.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "src/auth.c", Line: 42, Dismissed: true, Reason: "the constant is a test vector, compiled only into the tests", Evaluator: "eve@lab", At: at}
	for _, x := range []*glassbox.Triage{confirm, dismiss} {
		if err := ts.RecordTriage(ctx(t), x); err != nil {
			t.Fatal(err)
		}
	}
	if !dismiss.At.After(confirm.At) {
		t.Errorf("two decisions at one instant: %v then %v; want the second moved on", confirm.At, dismiss.At)
	}
	for what, bad := range map[string]*glassbox.Triage{
		"a dismissal without a reason": {Release: rel.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "src/auth.c", Dismissed: true, Evaluator: "eve@lab"},
		"no evaluator":                 {Release: rel.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "src/auth.c"},
		"a path out of the tree":       {Release: rel.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "../etc/passwd", Evaluator: "eve@lab"},
	} {
		if err := ts.RecordTriage(ctx(t), bad); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: %v; want EINVALID", what, err)
		}
	}
	other := NewRelease(t, "triaged", "9.9")
	if err := ts.RecordTriage(ctx(t), &glassbox.Triage{Release: other.ID, Fingerprint: "f00d", RuleID: "GB0101", Path: "a.c", Evaluator: "eve@lab"}); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("triage of a release not stored: %v; want ENOTFOUND", err)
	}
	got, err := ts.FindTriage(ctx(t), rel.ID)
	if err != nil || len(got) != 2 || got[0].Dismissed || !got[1].Dismissed || got[1].Reason != dismiss.Reason || got[1].Line != 42 || !got[1].At.Equal(dismiss.At) {
		t.Errorf("FindTriage = %+v, %v; want the confirmation, then the dismissal", got, err)
	}
}
