package notary

import (
	"fmt"
	"testing"

	"glassbox.dev"
)

func TestSeenHasNoFalseNegatives(t *testing.T) {
	s := newSeen()
	for i := range 50_000 {
		s.add(glassbox.DigestOf(fmt.Appendf(nil, "in %d", i)))
	}
	for i := range 50_000 {
		if !s.mayHave(glassbox.DigestOf(fmt.Appendf(nil, "in %d", i))) {
			t.Fatalf("envelope %d was added but is reported absent", i)
		}
	}
	fp := 0
	for i := range 50_000 {
		if s.mayHave(glassbox.DigestOf(fmt.Appendf(nil, "out %d", i))) {
			fp++
		}
	}
	// 50,000 entries in 1 Mi bits with 7 hashes: about 0.1 % false positives.
	if fp > 500 {
		t.Errorf("%d of 50,000 absent envelopes reported present", fp)
	}
	t.Logf("false positives: %d of 50,000", fp)
}
