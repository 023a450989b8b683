package storetest

import (
	"context"
	"testing"

	"glassbox.dev"
)

type pointerStore interface {
	Pointer(ctx context.Context, name string) (glassbox.Digest, error)
	SetPointer(ctx context.Context, name string, d glassbox.Digest) error
	CreatePointer(ctx context.Context, name string, d glassbox.Digest) error
	Pointers(ctx context.Context, prefix string) (map[string]glassbox.Digest, error)
}

// testPointers: a pointer is empty until set, then names the last digest
// set, seen alike by every store open on the database; a malformed digest
// is refused and changes nothing.
func testPointers(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s, ok := open(t).(pointerStore)
	if !ok {
		t.Fatalf("%T keeps no pointers", s)
	}
	ctx := context.Background()
	if d, err := s.Pointer(ctx, "vulndb/current"); err != nil || d != "" {
		t.Fatalf("an unset pointer = %q, %v; want empty", d, err)
	}
	one, two := glassbox.DigestOf([]byte("one")), glassbox.DigestOf([]byte("two"))
	for _, d := range []glassbox.Digest{one, two} {
		if err := s.SetPointer(ctx, "vulndb/current", d); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPointer(ctx, "vulndb/current", "sha256:nope"); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("setting a malformed digest = %v; want EINVALID", err)
	}
	other := open(t).(pointerStore)
	if d, err := other.Pointer(ctx, "vulndb/current"); err != nil || d != two {
		t.Errorf("the pointer = %q, %v; want %s", d, err, two)
	}
	if d, err := other.Pointer(ctx, "elsewhere"); err != nil || d != "" {
		t.Errorf("another pointer = %q, %v; want empty", d, err)
	}
	// A pointer created once is never moved: the same digest again is
	// nothing, another is ECONFLICT; a prefix lists exactly its own.
	if err := s.CreatePointer(ctx, "catalog/a", one); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePointer(ctx, "catalog/a", one); err != nil {
		t.Errorf("creating a pointer again to the same digest: %v", err)
	}
	if err := other.CreatePointer(ctx, "catalog/a", two); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Errorf("creating a pointer again to another digest: %v; want ECONFLICT", err)
	}
	if err := s.CreatePointer(ctx, "catalog/b_%", two); err != nil {
		t.Fatal(err)
	}
	ps, err := other.Pointers(ctx, "catalog/")
	if err != nil || len(ps) != 2 || ps["catalog/a"] != one || ps["catalog/b_%"] != two {
		t.Errorf("Pointers(catalog/) = %v, %v", ps, err)
	}
	if ps, err := other.Pointers(ctx, "catalog/b_"); err != nil || len(ps) != 1 {
		t.Errorf("Pointers(catalog/b_) = %v, %v; want one, its _ not a wildcard", ps, err)
	}
}
