package storetest

import (
	"context"
	"slices"
	"testing"

	"glassbox.dev"
)

// EvidenceStore is what the stores implement to record evidence produced
// about a release after its submission, such as the SARIF of a scan.
type EvidenceStore interface {
	RecordEvidence(ctx context.Context, release glassbox.Digest, kind string, d glassbox.Digest) error
	FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error)
}

func testEvidence(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	es, ok := s.(EvidenceStore)
	if !ok {
		t.Fatalf("%T does not record evidence", s)
	}
	a := NewRelease(t, "evidence", "1.0")
	b := NewRelease(t, "evidence", "2.0")
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	sarif1 := glassbox.DigestOf([]byte("sarif 1"))
	sarif2 := glassbox.DigestOf([]byte("sarif 2"))
	other := glassbox.DigestOf([]byte("other"))

	find := func(rel glassbox.Digest, kind string, want ...glassbox.Digest) {
		t.Helper()
		got, err := es.FindEvidence(ctx(t), rel, kind)
		if err != nil {
			t.Fatalf("FindEvidence(%s, %s): %v", rel, kind, err)
		}
		if want == nil {
			want = []glassbox.Digest{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("FindEvidence(%s, %s) = %v; want %v", rel, kind, got, want)
		}
	}
	record := func(rel glassbox.Digest, kind string, d glassbox.Digest) {
		t.Helper()
		if err := es.RecordEvidence(ctx(t), rel, kind, d); err != nil {
			t.Fatalf("RecordEvidence(%s, %s, %s): %v", rel, kind, d, err)
		}
	}
	find(a.ID, "scan/sarif")
	record(a.ID, "scan/sarif", sarif1)
	record(a.ID, "scan/sarif", sarif1) // again: no error, no second row
	record(a.ID, "scan/sarif", sarif2)
	record(a.ID, "other", other)
	record(b.ID, "scan/sarif", sarif2)
	find(a.ID, "scan/sarif", sarif1, sarif2)
	find(a.ID, "other", other)
	find(b.ID, "scan/sarif", sarif2)
	find(b.ID, "other")

	// Another store on the same database sees the same.
	es2 := open(t).(EvidenceStore)
	if got, err := es2.FindEvidence(ctx(t), a.ID, "scan/sarif"); err != nil || len(got) != 2 {
		t.Errorf("another store: FindEvidence = %v, %v; want 2 digests", got, err)
	}

	missing := glassbox.DigestOf([]byte("no such release"))
	if err := es.RecordEvidence(ctx(t), missing, "scan/sarif", sarif1); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("RecordEvidence about a release that does not exist: %v; want ENOTFOUND", err)
	}
	for name, call := range map[string]func() error{
		"bad release":  func() error { return es.RecordEvidence(ctx(t), "sha256:xyz", "scan/sarif", sarif1) },
		"bad digest":   func() error { return es.RecordEvidence(ctx(t), a.ID, "scan/sarif", "md5:00") },
		"empty kind":   func() error { return es.RecordEvidence(ctx(t), a.ID, "", sarif1) },
		"odd kind":     func() error { return es.RecordEvidence(ctx(t), a.ID, "Scan SARIF;--", sarif1) },
		"find bad rel": func() error { _, err := es.FindEvidence(ctx(t), "nope", "scan/sarif"); return err },
	} {
		if err := call(); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: %v; want EINVALID", name, err)
		}
	}
	find(a.ID, "scan/sarif", sarif1, sarif2)
}
