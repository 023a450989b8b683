package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
)

// Judgements are recorded with who and when, only ever added, listed
// oldest first with the superseded ones, and refused when malformed or
// about a release that does not exist.
func testJudgements(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	js, ok := s.(glassbox.JudgementStore)
	if !ok {
		t.Fatalf("%T does not record judgements", s)
	}
	a := NewRelease(t, "judged", "1.0")
	b := NewRelease(t, "judged", "2.0")
	mustCreate(t, s, a)
	mustCreate(t, s, b)

	at := time.Date(2026, 11, 20, 9, 30, 0, 123456789, time.UTC)
	first := &glassbox.Judgement{Release: a.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: true,
		Note: "Risk assessment v3 reviewed — covers the management interface.", Evaluator: "alice", At: at}
	second := &glassbox.Judgement{Release: a.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: false,
		Note: "The risk assessment omits the update server.", Evaluator: "bob", At: at.Add(time.Hour)}
	other := &glassbox.Judgement{Release: a.ID, Catalog: "en-303-645", Control: "en-5.2-1", Satisfied: true, Note: "", Evaluator: "Zoë Ünal"}
	onB := &glassbox.Judgement{Release: b.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: true, Note: "ok", Evaluator: "alice", At: at}
	before := time.Now()
	for _, j := range []*glassbox.Judgement{first, second, other, onB} {
		if err := js.RecordJudgement(ctx(t), j); err != nil {
			t.Fatalf("RecordJudgement(%+v): %v", j, err)
		}
	}
	if other.At.Before(before.Add(-time.Second)) || other.At.After(time.Now()) || other.At.Location() != time.UTC {
		t.Errorf("a judgement without a time got %v; want now, in UTC", other.At)
	}
	if !first.At.Equal(at) {
		t.Errorf("a judgement's own time %v became %v", at, first.At)
	}

	want := func(s glassbox.JudgementStore, rel glassbox.Digest, want ...*glassbox.Judgement) {
		t.Helper()
		got, err := s.FindJudgements(ctx(t), rel)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("FindJudgements(%s) = %d judgements; want %d", rel, len(got), len(want))
		}
		for i := range got {
			if *got[i] != *want[i] {
				t.Errorf("FindJudgements(%s)[%d] =\n%+v\nwant\n%+v", rel, i, *got[i], *want[i])
			}
		}
	}
	// Oldest first: first (at), second (at+1h), other (now, long after).
	want(js, a.ID, first, second, other)
	want(js, b.ID, onB)
	want(js, glassbox.DigestOf([]byte("no such release")))

	// Another store on the same database sees the same history.
	want(open(t).(glassbox.JudgementStore), a.ID, first, second, other)

	// Two judgements on one control at the same instant are both kept,
	// in the order they were recorded.
	again := &glassbox.Judgement{Release: a.ID, Catalog: "cra-annex-i", Control: "I.1", Satisfied: true, Note: "re-reviewed", Evaluator: "carol", At: second.At}
	if err := js.RecordJudgement(ctx(t), again); err != nil {
		t.Fatal(err)
	}
	if !again.At.After(second.At) {
		t.Errorf("a judgement at a taken instant was recorded at %v; want after %v", again.At, second.At)
	}
	want(js, a.ID, first, second, again, other)

	// Concurrent judgements on one control are all kept, each at its own
	// instant.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = open(t).(glassbox.JudgementStore).RecordJudgement(ctx(t), &glassbox.Judgement{
				Release: b.ID, Catalog: "osps-baseline", Control: "OSPS-AC-01.01", Satisfied: i%2 == 0, Evaluator: fmt.Sprint("e", i), At: at})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent RecordJudgement: %v", err)
		}
	}
	got, err := js.FindJudgements(ctx(t), b.ID)
	if err != nil || len(got) != 9 {
		t.Fatalf("after 8 concurrent judgements FindJudgements = %d, %v; want 9", len(got), err)
	}
	seen := map[time.Time]bool{}
	for _, j := range got {
		if j.Control == "OSPS-AC-01.01" {
			if seen[j.At] {
				t.Errorf("two judgements on one control at %v", j.At)
			}
			seen[j.At] = true
		}
	}

	missing := &glassbox.Judgement{Release: glassbox.DigestOf([]byte("no such release")), Catalog: "c", Control: "x", Evaluator: "e"}
	if err := js.RecordJudgement(ctx(t), missing); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("RecordJudgement about a release that does not exist: %v; want ENOTFOUND", err)
	}
	valid := func() *glassbox.Judgement {
		return &glassbox.Judgement{Release: a.ID, Catalog: "cra-annex-i", Control: "I.1", Evaluator: "alice", Note: "n"}
	}
	for name, edit := range map[string]func(j *glassbox.Judgement){
		"bad release":          func(j *glassbox.Judgement) { j.Release = "sha256:xyz" },
		"no catalog":           func(j *glassbox.Judgement) { j.Catalog = "" },
		"no control":           func(j *glassbox.Judgement) { j.Control = " " },
		"no evaluator":         func(j *glassbox.Judgement) { j.Evaluator = "" },
		"control char in name": func(j *glassbox.Judgement) { j.Evaluator = "alice\x1b[2J" },
		"huge note":            func(j *glassbox.Judgement) { j.Note = strings.Repeat("x", 65<<10) },
		"note not UTF-8":       func(j *glassbox.Judgement) { j.Note = "\xff\xfe" },
		"escape in note":       func(j *glassbox.Judgement) { j.Note = "fine\x1b]0;owned\x07" },
		"after 2262":           func(j *glassbox.Judgement) { j.At = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		j := valid()
		edit(j)
		if err := js.RecordJudgement(ctx(t), j); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: %v; want EINVALID", name, err)
		}
	}
	if err := js.RecordJudgement(ctx(t), nil); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("nil judgement: %v; want EINVALID", err)
	}
	if _, err := js.FindJudgements(ctx(t), "nope"); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("FindJudgements(nope): %v; want EINVALID", err)
	}
	want(js, a.ID, first, second, again, other)
}
