// Package storetest is the specification of glassbox.ReleaseStore and
// glassbox.AttestationStore written as a test suite, which every database
// the store runs on passes for real.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
)

// Run runs the suite against the stores that open returns, which must be
// glassbox.AttestationStores as well.
//
// open must return a store on an empty database of its own for each test
// (each distinct t), and another store on that same database when it is
// called again with the same t, also from several goroutines at once;
// PerTest makes that easy. open closes the stores it returns when the test
// ends. The stores must report the migrations they applied, as
// *sqlstore.Store does.
func Run(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	t.Run("CreateThenFind", func(t *testing.T) { testCreateThenFind(t, open) })
	t.Run("CreateRefusesInvalidReleases", func(t *testing.T) { testCreateRefusesInvalid(t, open) })
	t.Run("CreateAgainChangesNothing", func(t *testing.T) { testCreateAgain(t, open) })
	t.Run("VersionsAreImmutable", func(t *testing.T) { testVersionConflict(t, open) })
	t.Run("ConcurrentCreatesOfOneRelease", func(t *testing.T) { testConcurrentSameRelease(t, open) })
	t.Run("ConcurrentCreatesOfOneVersion", func(t *testing.T) { testConcurrentSameVersion(t, open) })
	t.Run("FindReleaseNotFound", func(t *testing.T) { testFindReleaseNotFound(t, open) })
	t.Run("FindReleases", func(t *testing.T) { testFindReleases(t, open) })
	t.Run("FindReleaseIDs", func(t *testing.T) { testFindReleaseIDs(t, open) })
	t.Run("FindProducts", func(t *testing.T) { testFindProducts(t, open) })
	t.Run("SubmittedAt", func(t *testing.T) { testSubmittedAt(t, open) })
	t.Run("Migrations", func(t *testing.T) { testMigrations(t, open) })
	t.Run("Close", func(t *testing.T) { testClose(t, open) })

	// The stores are also glassbox.AttestationStores: attestation.go.
	t.Run("RecordAttestationsThenFind", func(t *testing.T) { testRecordThenFind(t, open) })
	t.Run("FirstLogIndexWins", func(t *testing.T) { testFirstIndexWins(t, open) })
	t.Run("WatermarkNeverMovesBack", func(t *testing.T) { testWatermarkNeverBackwards(t, open) })
	t.Run("RecordRefusesInvalidAttestations", func(t *testing.T) { testRecordRefusesInvalid(t, open) })
	t.Run("FindAttestations", func(t *testing.T) { testFindAttestations(t, open) })
	t.Run("FindAttestationNotFound", func(t *testing.T) { testFindAttestationNotFound(t, open) })
	t.Run("ManyAttestationsInOneCall", func(t *testing.T) { testManyAttestations(t, open) })
	t.Run("ConcurrentRecords", func(t *testing.T) { testConcurrentRecords(t, open) })
	t.Run("AttestationsAfterClose", func(t *testing.T) { testAttestationsAfterClose(t, open) })

	// And they record evidence about releases: evidence.go.
	t.Run("Evidence", func(t *testing.T) { testEvidence(t, open) })
	// And evaluators' judgements on controls: judgement.go.
	t.Run("Judgements", func(t *testing.T) { testJudgements(t, open) })
	t.Run("Triage", func(t *testing.T) { testTriage(t, open) })
	t.Run("ReviewMarks", func(t *testing.T) { testReviewMarks(t, open) })
	// And the parties of the centre: party.go.
	t.Run("Parties", func(t *testing.T) { testParties(t, open) })
	// And named pointers: pointers.go.
	t.Run("Pointers", func(t *testing.T) { testPointers(t, open) })
}

// PerTest returns a function that calls create the first time it is called
// with a test and returns the same value whenever it is called again with
// that test, also from several goroutines at once. The sqlite and postgres
// tests make their per-test databases with it, as Run requires.
func PerTest[T any](create func(t *testing.T) T) func(t *testing.T) T {
	var mu sync.Mutex
	made := map[*testing.T]T{}
	return func(t *testing.T) T {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if v, ok := made[t]; ok {
			return v
		}
		v := create(t)
		made[t] = v
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			delete(made, t)
		})
		return v
	}
}

// A release is stored as submitted: FindRelease returns it field for
// field, whatever its source kind and whichever optional parts it has.
func testCreateThenFind(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	for _, tc := range []struct {
		name  string
		edits []func(*glassbox.Manifest)
	}{
		{"directory with recipe, artefacts and SBOM", nil},
		{"archive", []func(*glassbox.Manifest){fromArchive}},
		{"git commit", []func(*glassbox.Manifest){fromGit}},
		{"source only", []func(*glassbox.Manifest){sourceOnly}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			r := NewRelease(t, "acme/router", "1.4.2", tc.edits...)
			want := *r
			created, err := s.CreateRelease(ctx(t), r)
			if err != nil || !created {
				t.Fatalf("CreateRelease = %v, %v; want true, nil", created, err)
			}
			want.SubmittedAt = r.SubmittedAt // set by the store; see SubmittedAt
			got, err := s.FindRelease(ctx(t), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("FindRelease returned\n%+v\nwant what was created:\n%+v", got, &want)
			}
			list, err := s.FindReleases(ctx(t), glassbox.ReleaseFilter{})
			if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], &want) {
				t.Errorf("FindReleases = %v, %v; want the one release", list, err)
			}
		})
	}
}

// A release that is not valid is refused with EINVALID and leaves no trace.
func testCreateRefusesInvalid(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	valid := func(t *testing.T) *glassbox.Release { return NewRelease(t, "acme/router", "1.4.2") }
	for _, tc := range []struct {
		name    string
		release func(t *testing.T) *glassbox.Release
	}{
		{"no release", func(t *testing.T) *glassbox.Release { return nil }},
		{"id is not a digest", func(t *testing.T) *glassbox.Release {
			r := valid(t)
			r.ID = glassbox.Digest(r.ID.Hex())
			return r
		}},
		{"id in upper case", func(t *testing.T) *glassbox.Release {
			r := valid(t)
			r.ID = glassbox.Digest(glassbox.DigestPrefix + strings.ToUpper(r.ID.Hex()))
			return r
		}},
		{"id of other content", func(t *testing.T) *glassbox.Release {
			r := valid(t)
			r.ID = glassbox.DigestOf([]byte("something else"))
			return r
		}},
		{"manifest changed after its id was computed", func(t *testing.T) *glassbox.Release {
			r := valid(t)
			r.Manifest.Artifacts = r.Manifest.Artifacts[:1]
			return r
		}},
		{"unknown manifest type", func(t *testing.T) *glassbox.Release {
			return NewRelease(t, "acme/router", "1.4.2", func(m *glassbox.Manifest) { m.Type = "https://example.com/other" })
		}},
		{"product name with a space", func(t *testing.T) *glassbox.Release { return NewRelease(t, "acme router", "1.4.2") }},
		{"version climbing out", func(t *testing.T) *glassbox.Release { return NewRelease(t, "acme/router", "../1.4.2") }},
		{"source files out of order", func(t *testing.T) *glassbox.Release {
			return NewRelease(t, "acme/router", "1.4.2", func(m *glassbox.Manifest) {
				f := m.Source.Files
				f[0], f[1] = f[1], f[0]
			})
		}},
		{"file with a malformed digest", func(t *testing.T) *glassbox.Release {
			return NewRelease(t, "acme/router", "1.4.2", func(m *glassbox.Manifest) { m.Artifacts[0].Digest = "sha256:abc" })
		}},
		{"git source without its commit", func(t *testing.T) *glassbox.Release {
			return NewRelease(t, "acme/router", "1.4.2", fromGit, func(m *glassbox.Manifest) { m.Source.Commit = "" })
		}},
		{"submitted after 2262", func(t *testing.T) *glassbox.Release {
			r := valid(t)
			r.SubmittedAt = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			r := tc.release(t)
			created, err := s.CreateRelease(ctx(t), r)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || created {
				t.Fatalf("CreateRelease = %v, %v; want false and an %s error", created, err, glassbox.EINVALID)
			}
			wantEmpty(t, s)
		})
	}
}

// Submitting a release again is not an error and changes nothing: the
// first submission's time stays.
func testCreateAgain(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	first := NewRelease(t, "acme/router", "1.4.2")
	first.SubmittedAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	mustCreate(t, s, first)

	again := NewRelease(t, "acme/router", "1.4.2")
	again.SubmittedAt = first.SubmittedAt.Add(time.Hour)
	created, err := s.CreateRelease(ctx(t), again)
	if err != nil || created {
		t.Fatalf("CreateRelease of the same release again = %v, %v; want false, nil", created, err)
	}
	if !again.SubmittedAt.Equal(first.SubmittedAt.Add(time.Hour)) {
		t.Errorf("CreateRelease that created nothing changed the caller's SubmittedAt to %v", again.SubmittedAt)
	}
	got, err := s.FindRelease(ctx(t), first.ID)
	if err != nil || !got.SubmittedAt.Equal(first.SubmittedAt) {
		t.Errorf("FindRelease = %v, %v; want the first submission's time %v", got, err, first.SubmittedAt)
	}
	wantProducts(t, s, []*glassbox.Product{{Name: "acme/router", Releases: 1, Latest: first.SubmittedAt}})
}

// A product's version names one content forever: other content under the
// same version is an ECONFLICT that says what to do, and is not stored.
func testVersionConflict(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	first := NewRelease(t, "acme/router", "1.4.2")
	mustCreate(t, s, first)

	fixed := NewRelease(t, "acme/router", "1.4.2", withFile("SECURITY.md", "Report issues to security@example.com.\n"))
	created, err := s.CreateRelease(ctx(t), fixed)
	if glassbox.ErrorCode(err) != glassbox.ECONFLICT || created {
		t.Fatalf("CreateRelease of other content under the same version = %v, %v; want false and an %s error", created, err, glassbox.ECONFLICT)
	}
	if want := conflictMessage("acme/router", "1.4.2", first.ID); err.Error() != want {
		t.Errorf("conflict error says\n%s\nwant\n%s", err, want)
	}
	wantNotFound(t, s, fixed.ID)

	// The same version of another product is another release.
	mustCreate(t, s, NewRelease(t, "acme/switch", "1.4.2"))
}

func conflictMessage(product, version string, id glassbox.Digest) string {
	return fmt.Sprintf("product %q version %q is already release %s; a version's content cannot change — submit the new content under a new version", product, version, id)
}

// Of writers racing to create the same release, one creates it and the
// others are told it exists, through several stores on one database.
func testConcurrentSameRelease(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	stores := []glassbox.ReleaseStore{open(t), open(t)}
	const writers = 8
	created := make([]bool, writers)
	errs := make([]error, writers)
	releases := make([]*glassbox.Release, writers)
	for i := range releases {
		releases[i] = NewRelease(t, "acme/router", "1.4.2") // one each: CreateRelease sets SubmittedAt
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			created[i], errs[i] = stores[i%len(stores)].CreateRelease(ctx(t), releases[i])
		})
	}
	close(start)
	wg.Wait()
	n := 0
	for i := range writers {
		if errs[i] != nil {
			t.Errorf("writer %d: %v", i, errs[i])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d writers created the release; want exactly 1", n)
	}
}

// Of writers racing to create different content under one version, one
// wins and every other gets the ECONFLICT that names the winner.
func testConcurrentSameVersion(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	stores := []glassbox.ReleaseStore{open(t), open(t)}
	const writers = 8
	releases := make([]*glassbox.Release, writers)
	errs := make([]error, writers)
	created := make([]bool, writers)
	for i := range releases {
		releases[i] = NewRelease(t, "acme/router", "1.4.2", withFile("BUILD-ID", fmt.Sprint(i)))
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			created[i], errs[i] = stores[i%len(stores)].CreateRelease(ctx(t), releases[i])
		})
	}
	close(start)
	wg.Wait()

	var winner *glassbox.Release
	for i, ok := range created {
		if ok && errs[i] == nil {
			if winner != nil {
				t.Fatalf("both %s and %s were created as acme/router 1.4.2", winner.ID, releases[i].ID)
			}
			winner = releases[i]
		}
	}
	if winner == nil {
		t.Fatalf("no writer won: %v", errs)
	}
	for i, err := range errs {
		if releases[i] == winner {
			continue
		}
		if glassbox.ErrorCode(err) != glassbox.ECONFLICT || err.Error() != conflictMessage("acme/router", "1.4.2", winner.ID) || created[i] {
			t.Errorf("writer %d lost the race and got %v, %v; want false and the conflict naming %s", i, created[i], err, winner.ID)
		}
	}
	got, err := stores[0].FindReleases(ctx(t), glassbox.ReleaseFilter{Product: "acme/router"})
	if err != nil || len(got) != 1 || got[0].ID != winner.ID {
		t.Errorf("FindReleases = %v, %v; want only the winner %s", got, err, winner.ID)
	}
}

// FindRelease of an ID nobody created is an ENOTFOUND that names the ID; of
// something that is not an ID, an EINVALID.
func testFindReleaseNotFound(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	mustCreate(t, s, NewRelease(t, "acme/router", "1.4.2"))
	missing := NewRelease(t, "acme/router", "1.4.3").ID
	_, err := s.FindRelease(ctx(t), missing)
	if glassbox.ErrorCode(err) != glassbox.ENOTFOUND || !strings.Contains(err.Error(), string(missing)) {
		t.Errorf("FindRelease(%s) = %v; want an %s error naming the id", missing, err, glassbox.ENOTFOUND)
	}
	for _, id := range []glassbox.Digest{"", "sha256:1234", glassbox.Digest(missing.Hex())} {
		if _, err := s.FindRelease(ctx(t), id); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("FindRelease(%q) = %v; want an %s error", id, err, glassbox.EINVALID)
		}
	}
}

// instant is when the releases of fixture were submitted.
var instant = time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)

// fixture creates releases of several products, two of them submitted at
// the same instant, and returns them in the order they were created.
func fixture(t *testing.T, s glassbox.ReleaseStore) []*glassbox.Release {
	t.Helper()
	var rels []*glassbox.Release
	for _, r := range []struct {
		product, version string
		at               time.Duration // after instant
	}{
		{"acme/router", "1.0.0", 0},
		{"zlib", "1.3.1", time.Minute},
		{"acme/router", "1.1.0", 2 * time.Minute},
		{"acme/router", "2.0.0", 2 * time.Minute},
		{"Zebra", "1.0.0", 3 * time.Minute},
		{"acme-tools", "0.9", time.Nanosecond},
	} {
		rel := NewRelease(t, r.product, r.version)
		rel.SubmittedAt = instant.Add(r.at)
		mustCreate(t, s, rel)
		rels = append(rels, rel)
	}
	return rels
}

// FindReleases returns the releases a filter matches, newest first, those
// submitted at the same instant in the order of their IDs.
func testFindReleases(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	all := fixture(t, s)
	// The order FindReleases promises, computed here the slow way.
	newestFirst := slices.Clone(all)
	slices.SortFunc(newestFirst, func(a, b *glassbox.Release) int {
		if c := b.SubmittedAt.Compare(a.SubmittedAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	matching := func(product, version string) []*glassbox.Release {
		var out []*glassbox.Release
		for _, r := range newestFirst {
			if (product == "" || r.Manifest.Product == product) && (version == "" || r.Manifest.Version == version) {
				out = append(out, r)
			}
		}
		return out
	}
	for _, tc := range []struct {
		filter glassbox.ReleaseFilter
		want   []*glassbox.Release
	}{
		{glassbox.ReleaseFilter{}, newestFirst},
		{glassbox.ReleaseFilter{Product: "acme/router"}, matching("acme/router", "")},
		{glassbox.ReleaseFilter{Product: "acme/router", Version: "1.1.0"}, matching("acme/router", "1.1.0")},
		{glassbox.ReleaseFilter{Version: "1.0.0"}, matching("", "1.0.0")},
		{glassbox.ReleaseFilter{Limit: 2}, newestFirst[:2]},
		{glassbox.ReleaseFilter{Product: "acme/router", Limit: 1}, matching("acme/router", "")[:1]},
		{glassbox.ReleaseFilter{Limit: -1}, newestFirst},
		{glassbox.ReleaseFilter{Product: "acme"}, nil},
		{glassbox.ReleaseFilter{Product: "acme/router", Version: "1.3.1"}, nil},
	} {
		t.Run(fmt.Sprintf("%+v", tc.filter), func(t *testing.T) {
			got, err := s.FindReleases(ctx(t), tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !sameReleases(got, tc.want) {
				t.Errorf("FindReleases(%+v) =\n%s\nwant\n%s", tc.filter, describe(got), describe(tc.want))
			}
		})
	}
	if len(matching("acme/router", "")) != 3 || !newestFirst[1].SubmittedAt.Equal(newestFirst[2].SubmittedAt) {
		t.Fatal("the fixture no longer has what these cases test")
	}
}

// FindReleaseIDs returns, in order, the IDs whose hex digits start with a
// prefix, at most limit of them if limit > 0; a prefix that is not
// lower-case hex is an EINVALID.
func testFindReleaseIDs(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	var ids []glassbox.Digest
	for i := range 40 {
		r := NewRelease(t, "acme/router", fmt.Sprintf("1.0.%d", i))
		mustCreate(t, s, r)
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	withPrefix := func(prefix string, limit int) []glassbox.Digest {
		out := []glassbox.Digest{}
		for _, id := range ids {
			if strings.HasPrefix(id.Hex(), prefix) && (limit <= 0 || len(out) < limit) {
				out = append(out, id)
			}
		}
		return out
	}
	// A hex digit that starts the most IDs: at least 3 of 40 by pigeonhole.
	shared := ""
	for _, c := range "0123456789abcdef" {
		if len(withPrefix(string(c), 0)) > len(withPrefix(shared, 0)) || shared == "" {
			shared = string(c)
		}
	}
	unused := "0"
	for len(withPrefix(unused, 0)) > 0 {
		unused += "0"
	}
	one := ids[7].Hex()
	for _, tc := range []struct {
		prefix string
		limit  int
		want   []glassbox.Digest
	}{
		{one, 0, []glassbox.Digest{ids[7]}},
		{one[:12], 5, withPrefix(one[:12], 5)},
		{shared, 0, withPrefix(shared, 0)},
		{shared, 2, withPrefix(shared, 2)},
		{"", 0, ids},
		{"", 10, ids[:10]},
		{unused, 0, []glassbox.Digest{}},
	} {
		t.Run(fmt.Sprintf("%q,%d", tc.prefix, tc.limit), func(t *testing.T) {
			got, err := s.FindReleaseIDs(ctx(t), tc.prefix, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("FindReleaseIDs(%q, %d) = %v; want %v", tc.prefix, tc.limit, got, tc.want)
			}
		})
	}
	if n := len(withPrefix(shared, 0)); n < 3 {
		t.Fatalf("the prefix %q starts only %d ids", shared, n)
	}
	for _, prefix := range []string{"ABC", "sha256:" + one[:6], "xyz", "a%", "a_", "ab cd", one + "0"} {
		if got, err := s.FindReleaseIDs(ctx(t), prefix, 0); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("FindReleaseIDs(%q) = %v, %v; want an %s error", prefix, got, err, glassbox.EINVALID)
		}
	}
}

// FindProducts lists each product with how many releases it has and when
// the newest was submitted, sorted by name byte by byte, whatever the
// database's collation.
func testFindProducts(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	wantProducts(t, s, []*glassbox.Product{})
	fixture(t, s)
	wantProducts(t, s, []*glassbox.Product{
		{Name: "Zebra", Releases: 1, Latest: instant.Add(3 * time.Minute)},
		{Name: "acme-tools", Releases: 1, Latest: instant.Add(time.Nanosecond)},
		{Name: "acme/router", Releases: 3, Latest: instant.Add(2 * time.Minute)},
		{Name: "zlib", Releases: 1, Latest: instant.Add(time.Minute)},
	})
}

// The store records the submission time, in UTC and to the nanosecond: the
// time the caller gives, or the current time if it gives none. It tells the
// caller which by setting SubmittedAt.
func testSubmittedAt(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"in UTC", time.Date(2025, 6, 1, 12, 0, 0, 987654321, time.UTC)},
		{"in another zone", time.Date(2025, 3, 30, 2, 30, 0, 1, time.FixedZone("CEST", 2*60*60))},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 999999999, time.UTC)},
		{"with a monotonic clock reading", time.Now()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			r := NewRelease(t, "acme/router", "1.4.2")
			r.SubmittedAt = tc.at
			mustCreate(t, s, r)
			if !r.SubmittedAt.Equal(tc.at) || r.SubmittedAt.Location() != time.UTC {
				t.Errorf("CreateRelease set SubmittedAt to %v; want %v in UTC", r.SubmittedAt, tc.at)
			}
			got, err := s.FindRelease(ctx(t), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.SubmittedAt != r.SubmittedAt {
				t.Errorf("FindRelease returns SubmittedAt %v; want %v exactly", got.SubmittedAt, r.SubmittedAt)
			}
		})
	}
	t.Run("not given", func(t *testing.T) {
		s := open(t)
		r := NewRelease(t, "acme/router", "1.4.2")
		before := time.Now()
		mustCreate(t, s, r)
		after := time.Now()
		if r.SubmittedAt.Before(before) || r.SubmittedAt.After(after) || r.SubmittedAt.Location() != time.UTC {
			t.Errorf("CreateRelease set SubmittedAt to %v; want a UTC time between %v and %v", r.SubmittedAt, before, after)
		}
		got, err := s.FindRelease(ctx(t), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.SubmittedAt != r.SubmittedAt {
			t.Errorf("FindRelease returns SubmittedAt %v; want %v exactly", got.SubmittedAt, r.SubmittedAt)
		}
	})
}

// migrator is what a store says about opening its database.
type migrator interface {
	AppliedMigrations() []int
}

// Opening a database migrates it to the current schema exactly once:
// opening it again applies nothing, and of several processes opening a new
// database at once, each migration is applied by one.
func testMigrations(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	var all []int
	t.Run("OpenTwice", func(t *testing.T) {
		first := applied(t, open(t))
		if len(first) == 0 {
			t.Fatal("opening a new database applied no migrations")
		}
		for i, v := range first {
			if v != i+1 {
				t.Fatalf("opening a new database applied migrations %v; want 1, 2, … in order", first)
			}
		}
		all = first
		if again := applied(t, open(t)); len(again) != 0 {
			t.Errorf("opening the database again applied migrations %v; want none", again)
		}
	})
	t.Run("OpenConcurrently", func(t *testing.T) {
		const openers = 6
		results := make([][]int, openers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range openers {
			wg.Go(func() {
				<-start
				results[i] = applied(t, open(t))
			})
		}
		close(start)
		wg.Wait()
		var got []int
		for _, r := range results {
			got = append(got, r...)
		}
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Errorf("%d openers of a new database applied migrations %v between them; want each of %v once", openers, results, all)
		}
		s := open(t)
		mustCreate(t, s, NewRelease(t, "acme/router", "1.4.2"))
	})
}

func applied(t *testing.T, s glassbox.ReleaseStore) []int {
	m, ok := s.(migrator)
	if !ok {
		t.Fatalf("%T does not report the migrations it applied", s)
	}
	return m.AppliedMigrations()
}

// A closed store returns errors rather than panicking, also when closed
// twice.
func testClose(t *testing.T, open func(t *testing.T) glassbox.ReleaseStore) {
	s := open(t)
	r := NewRelease(t, "acme/router", "1.4.2")
	mustCreate(t, s, r)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := s.CreateRelease(ctx(t), NewRelease(t, "acme/router", "1.4.3")); err == nil {
		t.Error("CreateRelease on a closed store succeeded")
	}
	if _, err := s.FindRelease(ctx(t), r.ID); err == nil {
		t.Error("FindRelease on a closed store succeeded")
	}
	if _, err := s.FindReleases(ctx(t), glassbox.ReleaseFilter{}); err == nil {
		t.Error("FindReleases on a closed store succeeded")
	}
	if _, err := s.FindReleaseIDs(ctx(t), "", 0); err == nil {
		t.Error("FindReleaseIDs on a closed store succeeded")
	}
	if _, err := s.FindProducts(ctx(t)); err == nil {
		t.Error("FindProducts on a closed store succeeded")
	}
	s.Close() // must not panic; its error does not matter

	// The data stays for the next opener.
	if _, err := open(t).FindRelease(ctx(t), r.ID); err != nil {
		t.Errorf("FindRelease after reopening: %v", err)
	}
}

// Helpers.

func ctx(t *testing.T) context.Context { return t.Context() }

func mustCreate(t *testing.T, s glassbox.ReleaseStore, r *glassbox.Release) {
	t.Helper()
	created, err := s.CreateRelease(ctx(t), r)
	if err != nil || !created {
		t.Fatalf("CreateRelease(%s %s) = %v, %v; want true, nil", r.Manifest.String(), r.ID, created, err)
	}
}

func wantNotFound(t *testing.T, s glassbox.ReleaseStore, id glassbox.Digest) {
	t.Helper()
	if r, err := s.FindRelease(ctx(t), id); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("FindRelease(%s) = %v, %v; want an %s error", id, r, err, glassbox.ENOTFOUND)
	}
}

// wantEmpty checks that the store holds no release at all.
func wantEmpty(t *testing.T, s glassbox.ReleaseStore) {
	t.Helper()
	if ids, err := s.FindReleaseIDs(ctx(t), "", 0); err != nil || len(ids) != 0 {
		t.Errorf("FindReleaseIDs = %v, %v; want no releases", ids, err)
	}
	wantProducts(t, s, []*glassbox.Product{})
}

func wantProducts(t *testing.T, s glassbox.ReleaseStore, want []*glassbox.Product) {
	t.Helper()
	got, err := s.FindProducts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindProducts =\n%s\nwant\n%s", describe(got), describe(want))
	}
}

func sameReleases(got, want []*glassbox.Release) bool {
	return len(got) == len(want) && (len(got) == 0 || reflect.DeepEqual(got, want))
}

// describe lists releases or products one a line, for failure messages.
func describe[T any](items []T) string {
	var b strings.Builder
	for _, it := range items {
		switch v := any(it).(type) {
		case *glassbox.Release:
			fmt.Fprintf(&b, "\t%s %s %s\n", v.SubmittedAt.Format(time.RFC3339Nano), v.ID.Hex()[:12], &v.Manifest)
		case *glassbox.Product:
			fmt.Fprintf(&b, "\t%s: %d, latest %s\n", v.Name, v.Releases, v.Latest.Format(time.RFC3339Nano))
		}
	}
	if len(items) == 0 {
		return "\t(none)\n"
	}
	return b.String()
}
