package storetest

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
)

// The specification of glassbox.AttestationStore, which the stores that
// Run's open returns must also implement.

// attestationStore returns the AttestationStore of a store that open
// returned.
func attestationStore(t *testing.T, s glassbox.ReleaseStore) glassbox.AttestationStore {
	t.Helper()
	as, ok := s.(glassbox.AttestationStore)
	if !ok {
		t.Fatalf("%T is not a glassbox.AttestationStore", s)
	}
	return as
}

// openAttestations opens a store as open does and returns it as an
// AttestationStore.
func openAttestations(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) glassbox.AttestationStore {
	t.Helper()
	return attestationStore(t, open(t))
}

// keyID is the key that signs the attestations of these tests.
var keyID = glassbox.DigestOf([]byte("signing key")).Hex()

// subject returns the digest of a made-up artefact.
func subject(name string) glassbox.Digest { return glassbox.DigestOf([]byte("artefact " + name)) }

// envelope returns the digest of a made-up envelope.
func envelope(name string) glassbox.Digest { return glassbox.DigestOf([]byte("envelope " + name)) }

// newAttestation returns a VSA at log index i, its envelope named name,
// about subjects, logged at no particular time.
func newAttestation(name string, i uint64, subjects ...glassbox.Digest) *glassbox.Attestation {
	return &glassbox.Attestation{
		EnvelopeDigest: envelope(name),
		PredicateType:  glassbox.PredicateVSA,
		KeyID:          keyID,
		Subjects:       subjects,
		LogIndex:       i,
	}
}

// sorted returns a copy of a with its subjects sorted, as the store
// returns it.
func sorted(a *glassbox.Attestation) *glassbox.Attestation {
	c := *a
	c.Subjects = slices.Sorted(slices.Values(a.Subjects))
	c.Subjects = slices.Compact(c.Subjects)
	return &c
}

// Attestations are found as recorded, by envelope and by each of their
// subjects, with their subjects sorted and the time they were logged in
// UTC to the nanosecond: the time given, or the current time if none was.
// The watermark is where the caller said the entries it read end.
func testRecordThenFind(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	wantWatermark(t, s, 0)

	router, sbom, other := subject("router"), subject("sbom"), subject("other")
	given := newAttestation("given", 0, sbom, router) // out of order
	given.PredicateType = glassbox.PredicateProvenance
	given.LoggedAt = time.Date(2025, 3, 30, 2, 30, 0, 123456789, time.FixedZone("CEST", 2*60*60))
	none := newAttestation("none", 1, router)
	monotonic := newAttestation("monotonic", 2, other)
	monotonic.LoggedAt = time.Now()
	wantTimes := []time.Time{given.LoggedAt, {}, monotonic.LoggedAt}

	before := time.Now()
	mustRecord(t, s, []*glassbox.Attestation{given, none, monotonic}, 3)
	after := time.Now()
	for i, a := range []*glassbox.Attestation{given, none, monotonic} {
		if a.LoggedAt.Location() != time.UTC {
			t.Errorf("RecordAttestations set LoggedAt of attestation %d to %v; want a time in UTC", i, a.LoggedAt)
		}
		if w := wantTimes[i]; !w.IsZero() && !a.LoggedAt.Equal(w) {
			t.Errorf("RecordAttestations set LoggedAt of attestation %d to %v; want the time given, %v", i, a.LoggedAt, w)
		}
	}
	if none.LoggedAt.Before(before) || none.LoggedAt.After(after) {
		t.Errorf("RecordAttestations set LoggedAt of an attestation without one to %v; want a time between %v and %v", none.LoggedAt, before, after)
	}

	for _, a := range []*glassbox.Attestation{given, none, monotonic} {
		want := sorted(a)
		got, err := s.FindAttestation(ctx(t), a.EnvelopeDigest)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FindAttestation(%s) =\n%s\nwant what was recorded:\n%s", a.EnvelopeDigest, describeAtt(got), describeAtt(want))
		}
	}
	wantFound(t, s, router, sorted(given), sorted(none))
	wantFound(t, s, sbom, sorted(given))
	wantFound(t, s, other, sorted(monotonic))
	wantWatermark(t, s, 3)

	// Another store on the same database finds the same.
	wantFound(t, openAttestations(t, open), router, sorted(given), sorted(none))
}

// An envelope keeps the index it was first recorded at, with everything
// else recorded about it, when the log holds it again (as it may after a
// crash between appending and indexing) or a batch holds it twice. The
// caller's copies that were not recorded are left as they were.
func testFirstIndexWins(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	router, other := subject("router"), subject("other")
	at := time.Date(2025, 6, 1, 12, 0, 0, 1, time.UTC)

	first := newAttestation("vsa", 2, router)
	first.LoggedAt = at
	mustRecord(t, s, []*glassbox.Attestation{first}, 3)

	again := newAttestation("vsa", 7, router, other) // a different claim under the same envelope
	again.LoggedAt = at.Add(time.Hour)
	next := newAttestation("next", 8, other)
	mustRecord(t, s, []*glassbox.Attestation{again, next}, 9)
	if !again.LoggedAt.Equal(at.Add(time.Hour)) {
		t.Errorf("RecordAttestations changed the LoggedAt of an envelope it did not record again to %v", again.LoggedAt)
	}
	wantAttestation(t, s, first)
	wantFound(t, s, router, first)
	wantFound(t, s, other, next)
	wantWatermark(t, s, 9)

	// Twice in one batch, the later index listed first.
	late := newAttestation("twice", 12, router)
	early := newAttestation("twice", 10, router)
	mustRecord(t, s, []*glassbox.Attestation{late, early}, 13)
	if !late.LoggedAt.IsZero() {
		t.Errorf("RecordAttestations set the LoggedAt of the copy it did not record to %v", late.LoggedAt)
	}
	wantAttestation(t, s, early)
	wantFound(t, s, router, first, early)
	wantWatermark(t, s, 13)
}

// The watermark only moves forward: a caller that read less of the log than
// another already recorded does not make the index read it again. What it
// recorded is still recorded.
func testWatermarkNeverBackwards(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	for _, step := range []struct {
		atts []*glassbox.Attestation
		next uint64
		want uint64
	}{
		{nil, 0, 0},
		{nil, 10, 10},
		{nil, 4, 10},
		{[]*glassbox.Attestation{newAttestation("late", 2, subject("router"))}, 5, 10},
		{nil, 10, 10},
		{nil, 11, 11},
		{nil, math.MaxInt64, math.MaxInt64},
		{nil, 0, math.MaxInt64},
	} {
		mustRecord(t, s, step.atts, step.next)
		wantWatermark(t, s, step.want)
	}
	if _, err := s.FindAttestation(ctx(t), envelope("late")); err != nil {
		t.Errorf("an attestation recorded behind the watermark: %v", err)
	}
}

// A batch with anything invalid in it is refused with EINVALID and leaves
// the store as it was: no attestation of the batch is recorded and the
// watermark stays.
func testRecordRefusesInvalid(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	router := subject("router")
	for _, tc := range []struct {
		name string
		bad  func() *glassbox.Attestation // nil: the batch is only the valid one
		next uint64
	}{
		{"no attestation", func() *glassbox.Attestation { return nil }, 10},
		{"envelope digest malformed", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.EnvelopeDigest = glassbox.Digest(a.EnvelopeDigest.Hex())
			return a
		}, 10},
		{"envelope digest in upper case", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.EnvelopeDigest = glassbox.Digest(glassbox.DigestPrefix + strings.ToUpper(a.EnvelopeDigest.Hex()))
			return a
		}, 10},
		{"no envelope digest", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.EnvelopeDigest = ""
			return a
		}, 10},
		{"no predicate type", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.PredicateType = ""
			return a
		}, 10},
		{"no key id", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.KeyID = ""
			return a
		}, 10},
		{"no subjects", func() *glassbox.Attestation { return newAttestation("bad", 6) }, 10},
		{"a subject malformed", func() *glassbox.Attestation { return newAttestation("bad", 6, router, "sha256:abc") }, 10},
		{"at the index where the entries end", func() *glassbox.Attestation { return newAttestation("bad", 10, router) }, 10},
		{"past the index where the entries end", func() *glassbox.Attestation { return newAttestation("bad", 11, router) }, 10},
		{"logged after 2262", func() *glassbox.Attestation {
			a := newAttestation("bad", 6, router)
			a.LoggedAt = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
			return a
		}, 10},
		{"the entries end past what a BIGINT holds", nil, math.MaxInt64 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openAttestations(t, open)
			old := newAttestation("old", 4, router)
			mustRecord(t, s, []*glassbox.Attestation{old}, 5)

			valid := newAttestation("valid", 5, router)
			batch := []*glassbox.Attestation{valid}
			if tc.bad != nil {
				batch = append(batch, tc.bad())
			}
			err := s.RecordAttestations(ctx(t), batch, tc.next)
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("RecordAttestations = %v; want an %s error", err, glassbox.EINVALID)
			}
			if !valid.LoggedAt.IsZero() {
				t.Errorf("a refused RecordAttestations set LoggedAt to %v", valid.LoggedAt)
			}
			wantWatermark(t, s, 5)
			wantAttestationNotFound(t, s, valid.EnvelopeDigest)
			wantAttestationNotFound(t, s, envelope("bad"))
			wantFound(t, s, router, old)
		})
	}
}

// FindAttestations lists the attestations about a subject in the order of
// their log indexes, whatever the order they were recorded in, each with
// all of its subjects, sorted and once each.
func testFindAttestations(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	router, arm, sbom, unrelated := subject("router"), subject("router-arm64"), subject("sbom"), subject("unrelated")
	a0 := newAttestation("a0", 0, router)
	a1 := newAttestation("a1", 1, router, arm)
	a2 := newAttestation("a2", 2, sbom, arm)
	a5 := newAttestation("a5", 5, sbom, router, arm, router) // out of order, router twice
	a9 := newAttestation("a9", 9, unrelated)
	a9.PredicateType = "https://example.com/custom/v1"
	mustRecord(t, s, []*glassbox.Attestation{a5, a1}, 6) // the later index first
	mustRecord(t, s, []*glassbox.Attestation{a2, a0}, 6) // behind the watermark
	mustRecord(t, s, []*glassbox.Attestation{a9}, 10)

	if got := sorted(a5).Subjects; len(got) != 3 {
		t.Fatalf("the fixture no longer repeats a subject: %v", got)
	}
	wantFound(t, s, router, sorted(a0), sorted(a1), sorted(a5))
	wantFound(t, s, arm, sorted(a1), sorted(a2), sorted(a5))
	wantFound(t, s, sbom, sorted(a2), sorted(a5))
	wantFound(t, s, unrelated, sorted(a9))
	wantFound(t, s, subject("never attested"))
	wantAttestation(t, s, sorted(a5))

	for _, d := range []glassbox.Digest{"", "sha256:1234", glassbox.Digest(router.Hex()), glassbox.Digest(strings.ToUpper(string(router)))} {
		if got, err := s.FindAttestations(ctx(t), d); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("FindAttestations(%q) = %v, %v; want an %s error", d, got, err, glassbox.EINVALID)
		}
	}
}

// FindAttestation of an envelope never recorded is an ENOTFOUND that names
// it; of something that is not a digest, an EINVALID.
func testFindAttestationNotFound(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	mustRecord(t, s, []*glassbox.Attestation{newAttestation("recorded", 0, subject("router"))}, 1)
	// The digest of a subject is not an envelope.
	for _, d := range []glassbox.Digest{envelope("missing"), subject("router")} {
		_, err := s.FindAttestation(ctx(t), d)
		if glassbox.ErrorCode(err) != glassbox.ENOTFOUND || !strings.Contains(err.Error(), string(d)) {
			t.Errorf("FindAttestation(%s) = %v; want an %s error naming the digest", d, err, glassbox.ENOTFOUND)
		}
	}
	for _, d := range []glassbox.Digest{"", "sha256:1234", glassbox.Digest(envelope("recorded").Hex())} {
		if got, err := s.FindAttestation(ctx(t), d); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("FindAttestation(%q) = %v, %v; want an %s error", d, got, err, glassbox.EINVALID)
		}
	}
}

// manyAttestations returns n attestations at indexes 0 to n-1, in an order
// that is not theirs, each about an artefact of its own and about shared.
func manyAttestations(n int, shared glassbox.Digest) []*glassbox.Attestation {
	atts := make([]*glassbox.Attestation, n)
	for i := range n {
		j := (i * 7919) % n // a prime that divides no n used here: a permutation
		atts[i] = newAttestation(fmt.Sprint("many ", j), uint64(j), subject(fmt.Sprint("own ", j)), shared)
	}
	return atts
}

// The log indexer records thousands of entries in one call.
func testManyAttestations(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := openAttestations(t, open)
	const n = 5000
	shared := subject("shared")
	atts := manyAttestations(n, shared)
	start := time.Now()
	mustRecord(t, s, atts, n)
	t.Logf("recorded %d attestations in %v", n, time.Since(start))
	wantWatermark(t, s, n)

	got, err := s.FindAttestations(ctx(t), shared)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("FindAttestations of the shared subject found %d attestations; want %d", len(got), n)
	}
	byIndex := make([]*glassbox.Attestation, n)
	for _, a := range atts {
		byIndex[a.LogIndex] = sorted(a)
	}
	for i, a := range got {
		if !reflect.DeepEqual(a, byIndex[i]) {
			t.Fatalf("FindAttestations of the shared subject: attestation %d is\n%s\nwant\n%s", i, describeAtt(a), describeAtt(byIndex[i]))
		}
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		wantAttestation(t, s, byIndex[i])
		wantFound(t, s, subject(fmt.Sprint("own ", i)), byIndex[i])
	}
}

// Of writers racing to record overlapping batches through several stores,
// every one succeeds, each envelope is recorded once at one of its indexes,
// and the watermark ends at the furthest any of them read.
func testConcurrentRecords(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	stores := []glassbox.AttestationStore{openAttestations(t, open), openAttestations(t, open)}
	const writers, n = 6, 600
	shared := subject("shared")
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		atts := manyAttestations(n, shared)
		if w%2 == 1 {
			slices.Reverse(atts)
		}
		wg.Go(func() {
			<-start
			errs[w] = stores[w%len(stores)].RecordAttestations(ctx(t), atts, uint64(n+w))
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	wantWatermark(t, stores[0], n+writers-1)
	got, err := stores[1].FindAttestations(ctx(t), shared)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("FindAttestations found %d attestations; want %d", len(got), n)
	}
	for i, a := range got {
		if a.LogIndex != uint64(i) || len(a.Subjects) != 2 {
			t.Fatalf("attestation %d is\n%s", i, describeAtt(a))
		}
	}
}

// A closed store returns errors rather than panicking, and what it
// recorded stays for the next opener.
func testAttestationsAfterClose(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	rs := open(t)
	s := attestationStore(t, rs)
	a := newAttestation("kept", 0, subject("router"))
	mustRecord(t, s, []*glassbox.Attestation{a}, 1)
	if err := rs.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := s.RecordAttestations(ctx(t), []*glassbox.Attestation{newAttestation("late", 1, subject("router"))}, 2); err == nil {
		t.Error("RecordAttestations on a closed store succeeded")
	}
	if _, err := s.LogWatermark(ctx(t)); err == nil {
		t.Error("LogWatermark on a closed store succeeded")
	}
	if _, err := s.FindAttestation(ctx(t), a.EnvelopeDigest); err == nil {
		t.Error("FindAttestation on a closed store succeeded")
	}
	if _, err := s.FindAttestations(ctx(t), subject("router")); err == nil {
		t.Error("FindAttestations on a closed store succeeded")
	}
	again := openAttestations(t, open)
	wantAttestation(t, again, a)
	wantWatermark(t, again, 1)
}

// Helpers.

func mustRecord(t *testing.T, s glassbox.AttestationStore, atts []*glassbox.Attestation, next uint64) {
	t.Helper()
	if err := s.RecordAttestations(ctx(t), atts, next); err != nil {
		t.Fatalf("RecordAttestations(%d attestations, %d) = %v", len(atts), next, err)
	}
}

func wantWatermark(t *testing.T, s glassbox.AttestationStore, want uint64) {
	t.Helper()
	got, err := s.LogWatermark(ctx(t))
	if err != nil || got != want {
		t.Errorf("LogWatermark = %d, %v; want %d", got, err, want)
	}
}

func wantAttestation(t *testing.T, s glassbox.AttestationStore, want *glassbox.Attestation) {
	t.Helper()
	got, err := s.FindAttestation(ctx(t), want.EnvelopeDigest)
	if err != nil {
		t.Errorf("FindAttestation(%s): %v", want.EnvelopeDigest, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindAttestation(%s) =\n%s\nwant\n%s", want.EnvelopeDigest, describeAtt(got), describeAtt(want))
	}
}

func wantAttestationNotFound(t *testing.T, s glassbox.AttestationStore, d glassbox.Digest) {
	t.Helper()
	if got, err := s.FindAttestation(ctx(t), d); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("FindAttestation(%s) = %v, %v; want an %s error", d, got, err, glassbox.ENOTFOUND)
	}
}

// wantFound checks that FindAttestations of subject returns exactly want,
// in order: an empty list, not nil, when want is empty.
func wantFound(t *testing.T, s glassbox.AttestationStore, subject glassbox.Digest, want ...*glassbox.Attestation) {
	t.Helper()
	got, err := s.FindAttestations(ctx(t), subject)
	if err != nil {
		t.Errorf("FindAttestations(%s): %v", subject, err)
		return
	}
	if got == nil {
		t.Errorf("FindAttestations(%s) = nil; want an empty list", subject)
	}
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Errorf("FindAttestations(%s) =\n%s\nwant\n%s", subject, describeAtts(got), describeAtts(want))
	}
}

func describeAtt(a *glassbox.Attestation) string { return describeAtts([]*glassbox.Attestation{a}) }

// describeAtts lists attestations one a line, for failure messages.
func describeAtts(atts []*glassbox.Attestation) string {
	if len(atts) == 0 {
		return "\t(none)\n"
	}
	var b strings.Builder
	for _, a := range atts {
		if a == nil {
			b.WriteString("\tnil\n")
			continue
		}
		subjects := make([]string, len(a.Subjects))
		for i, d := range a.Subjects {
			subjects[i] = d.Hex()[:12]
		}
		fmt.Fprintf(&b, "\t%d %s %s key %.12s at %s about %s\n", a.LogIndex, a.EnvelopeDigest.Hex()[:12], a.PredicateType, a.KeyID,
			a.LoggedAt.Format(time.RFC3339Nano), strings.Join(subjects, ", "))
	}
	return b.String()
}
