package storetest

import (
	"testing"
	"time"

	"glassbox.dev"
)

// Review marks are kept per review (release against base), in the order
// made, only about stored releases and paths in a tree.
func testReviewMarks(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	rs, ok := s.(glassbox.ReviewStore)
	if !ok {
		t.Fatalf("%T keeps no review marks", s)
	}
	base, head, other := NewRelease(t, "reviewed", "1.0"), NewRelease(t, "reviewed", "1.1"), NewRelease(t, "reviewed", "1.2")
	mustCreate(t, s, base)
	mustCreate(t, s, head)
	mustCreate(t, s, other)
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, p := range []string{"src/b.c", "src/a.c", "src/b.c"} {
		if err := rs.MarkReviewed(ctx(t), &glassbox.ReviewMark{Release: head.ID, Base: base.ID, Path: p, Evaluator: "eve@lab", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rs.MarkReviewed(ctx(t), &glassbox.ReviewMark{Release: other.ID, Base: base.ID, Path: "src/c.c", Evaluator: "eve@lab"}); err != nil {
		t.Fatal(err)
	}
	for what, bad := range map[string]*glassbox.ReviewMark{
		"against itself": {Release: head.ID, Base: head.ID, Path: "a.c", Evaluator: "eve@lab"},
		"a path outside": {Release: head.ID, Base: base.ID, Path: "/etc/passwd", Evaluator: "eve@lab"},
		"no evaluator":   {Release: head.ID, Base: base.ID, Path: "a.c"},
	} {
		if err := rs.MarkReviewed(ctx(t), bad); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("a mark %s: %v; want EINVALID", what, err)
		}
	}
	missing := NewRelease(t, "reviewed", "9.9")
	if err := rs.MarkReviewed(ctx(t), &glassbox.ReviewMark{Release: missing.ID, Base: base.ID, Path: "a.c", Evaluator: "eve@lab"}); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("a mark on a release not stored: %v; want ENOTFOUND", err)
	}
	got, err := rs.FindReviewMarks(ctx(t), head.ID, base.ID)
	if err != nil || len(got) != 3 || got[0].Path != "src/a.c" && got[0].Path != "src/b.c" || !got[2].At.After(got[0].At) {
		t.Errorf("FindReviewMarks = %+v, %v; want the three marks of this review, in order", got, err)
	}
}
