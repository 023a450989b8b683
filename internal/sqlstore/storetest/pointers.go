package storetest

import (
	"context"
	"testing"

	"glassbox.dev"
)

type pointerStore interface {
	Pointer(ctx context.Context, name string) (glassbox.Digest, error)
	SetPointer(ctx context.Context, name string, d glassbox.Digest) error
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
}
