package access

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/notary"
)

func release(name string) *glassbox.Release {
	return &glassbox.Release{
		ID:       glassbox.DigestOf([]byte(name)),
		Manifest: glassbox.Manifest{Product: "router-fw", Version: name},
	}
}

func evaluator(user string) *glassbox.Principal {
	return &glassbox.Principal{
		User:  glassbox.User{ID: user, OrgID: "lab-a", Role: glassbox.RoleEvaluator},
		Org:   glassbox.Organisation{ID: "lab-a", Name: "Lab A", Kind: glassbox.OrgEvaluator},
		Token: "tok_" + user,
	}
}

// sourceRead is a read of one source file of rel by user under a grant.
func sourceRead(rel *glassbox.Release, user, path string) Read {
	return Read{
		Principal: evaluator(user), Basis: BasisGrant, Grant: "grant-1", Kind: KindSourceFile, Release: rel,
		Paths: []Path{{Path: path, Digest: glassbox.DigestOf([]byte("content of " + path))}},
	}
}

func newRecorder(t testing.TB) (*Recorder, *centretest.Centre) {
	c := centretest.New(t, "access.test/log")
	return NewRecorder(c.Notary, c.Store, c.Key), c
}

func mustRecord(t *testing.T, r *Recorder, read Read) *Entry {
	t.Helper()
	e, err := r.Record(context.Background(), read)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEveryReadIsListedAndVerifies: an evaluator reads N distinct source
// files; the release's record lists exactly those N reads, in the order
// they were made, each verifying offline; reads of another release and
// other statements about the release are not among them.
func TestEveryReadIsListedAndVerifies(t *testing.T) {
	r, c := newRecorder(t)
	ctx := context.Background()
	rel, other := release("1.0.0"), release("2.0.0")
	const n = 7
	var recorded []Entry
	for i := range n {
		recorded = append(recorded, *mustRecord(t, r, sourceRead(rel, fmt.Sprintf("user-%d", i%2), fmt.Sprintf("src/file%d.c", i))))
	}
	// The same file read twice by the same user is two reads.
	again := mustRecord(t, r, sourceRead(rel, "user-0", "src/file0.c"))
	recorded = append(recorded, *again)
	mustRecord(t, r, sourceRead(other, "user-0", "src/file0.c"))
	if _, err := c.Notary.Attest(ctx, notary.Request{
		Subjects:      []attest.Subject{{Name: "manifest", Digest: rel.ID}},
		PredicateType: "https://glassbox.dev/predicates/judgement/v1", Predicate: json.RawMessage(`{"satisfied":true}`),
	}); err != nil {
		t.Fatal(err)
	}

	list, err := r.List(ctx, rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(recorded) {
		t.Fatalf("List returned %d reads; %d were recorded", len(list), len(recorded))
	}
	for i, e := range list {
		if err := Verify(&e, c.Key, c.Verifier); err != nil {
			t.Errorf("read %d: %v", i, err)
		}
		want := recorded[i]
		got, _ := json.Marshal(e.Access)
		wantJSON, _ := json.Marshal(want.Access)
		if !bytes.Equal(got, wantJSON) || e.LogIndex != want.LogIndex || e.EnvelopeDigest != want.EnvelopeDigest {
			t.Errorf("read %d listed as\n%s at %d\nwant\n%s at %d", i, got, e.LogIndex, wantJSON, want.LogIndex)
		}
	}
	if ids := slices.CompactFunc(slices.Clone(list), func(a, b Entry) bool { return a.EnvelopeDigest == b.EnvelopeDigest }); len(ids) != len(list) {
		t.Errorf("two listed reads share an envelope")
	}
	// What Record returned verifies too, before any List.
	if err := Verify(again, c.Key, c.Verifier); err != nil {
		t.Errorf("the entry Record returned: %v", err)
	}
	if l, err := r.List(ctx, glassbox.DigestOf([]byte("never read"))); err != nil || len(l) != 0 {
		t.Errorf("List of a release never read = %d entries, %v; want none", len(l), err)
	}
}

// TestATamperedReadDoesNotVerify: any change to the envelope, to what the
// entry says, or to whom it is checked against fails verification.
func TestATamperedReadDoesNotVerify(t *testing.T) {
	r, c := newRecorder(t)
	rel := release("1.0.0")
	e := mustRecord(t, r, sourceRead(rel, "alice", "src/secret.c"))
	other := mustRecord(t, r, sourceRead(rel, "bob", "src/other.c"))
	otherCentre := centretest.New(t, "other.test/log")
	clone := func() *Entry {
		b, _ := json.Marshal(e)
		var x Entry
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		return &x
	}
	for _, tc := range []struct {
		name   string
		change func(*Entry)
		keys   *centretest.Centre
	}{
		{"envelope byte", func(x *Entry) {
			i := bytes.Index(x.Receipt.Envelope, []byte(`"payload":"`)) + 20
			x.Receipt.Envelope[i] ^= 1
		}, c},
		{"envelope of another read", func(x *Entry) { x.Receipt.Envelope = other.Receipt.Envelope }, c},
		{"receipt of another read", func(x *Entry) { x.Receipt = other.Receipt }, c},
		{"reader", func(x *Entry) { x.Access.Reader.User = "mallory" }, c},
		{"path", func(x *Entry) { x.Access.Paths[0].Path = "src/public.c" }, c},
		{"content digest", func(x *Entry) { x.Access.Paths[0].Digest = glassbox.DigestOf(nil) }, c},
		{"time", func(x *Entry) { x.Access.TimeRead = x.Access.TimeRead.Add(-time.Hour) }, c},
		{"release", func(x *Entry) { x.Access.Release = glassbox.DigestOf([]byte("2.0.0")) }, c},
		{"log index", func(x *Entry) { x.LogIndex++ }, c},
		{"another centre's keys", func(*Entry) {}, otherCentre},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := clone()
			tc.change(x)
			err := Verify(x, tc.keys.Key, tc.keys.Verifier)
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Errorf("Verify = %v; want an %s error", err, glassbox.EINVALID)
			}
		})
	}
	if err := Verify(clone(), c.Key, c.Verifier); err != nil {
		t.Errorf("the untouched entry: %v", err)
	}
}

// TestNoLogNoRead: when the log cannot record a read, Record refuses it
// with EUNAVAILABLE, and the record shows nothing.
func TestNoLogNoRead(t *testing.T) {
	r, c := newRecorder(t)
	ctx := context.Background()
	rel := release("1.0.0")
	r.Timeout = 2 * time.Second
	if err := c.Log.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e, err := r.Record(ctx, sourceRead(rel, "alice", fmt.Sprintf("src/%d.c", i)))
		if glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE || e != nil {
			t.Fatalf("Record with the log closed = %v, %v; want an %s error", e, err, glassbox.EUNAVAILABLE)
		}
	}
	list, err := r.List(ctx, rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("List shows %d reads that were refused", len(list))
	}
}

// TestARecordThatCannotWaitIsRefused: a caller whose request ends before the
// log publishes the read gets EUNAVAILABLE, not a read.
func TestARecordThatCannotWaitIsRefused(t *testing.T) {
	r, _ := newRecorder(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Record(ctx, sourceRead(release("1.0.0"), "alice", "src/a.c")); glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE {
		t.Errorf("Record with an ended context = %v; want an %s error", err, glassbox.EUNAVAILABLE)
	}
}

// TestAReadThatCannotBeDescribedIsRefused: Record refuses a read it could
// not say who made, what it served, or on what basis; nothing is logged.
func TestAReadThatCannotBeDescribedIsRefused(t *testing.T) {
	r, c := newRecorder(t)
	ctx := context.Background()
	rel := release("1.0.0")
	for _, tc := range []struct {
		name   string
		change func(*Read)
	}{
		{"no principal", func(x *Read) { x.Principal = nil }},
		{"no organisation", func(x *Read) { x.Principal.Org.ID = "" }},
		{"no release", func(x *Read) { x.Release = nil }},
		{"unknown kind", func(x *Read) { x.Kind = "source" }},
		{"no paths", func(x *Read) { x.Paths = nil }},
		{"empty path", func(x *Read) { x.Paths[0].Path = "" }},
		{"bad digest", func(x *Read) { x.Paths[0].Digest = "sha256:zz" }},
		{"grant without ID", func(x *Read) { x.Grant = "" }},
		{"evaluator as owner", func(x *Read) { x.Basis = BasisOwner }},
		{"unknown basis", func(x *Read) { x.Basis = "friend" }},
		{"vendor with a grant", func(x *Read) { x.Principal.User.Role = glassbox.RoleVendor; x.Basis = "" }},
		{"no role", func(x *Read) { x.Principal.User.Role = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := sourceRead(rel, "alice", "src/a.c")
			tc.change(&read)
			if _, err := r.Record(ctx, read); glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Errorf("Record = %v; want an %s error", err, glassbox.EINVALID)
			}
		})
	}
	if size, err := c.Log.Reader().IntegratedSize(ctx); err != nil || size != 0 {
		t.Errorf("the log holds %d entries after refused reads (%v); want none", size, err)
	}
	// A read of the manifest names no paths; the basis follows from the
	// reader's role.
	auditor := evaluator("carol")
	auditor.User.Role, auditor.Org.Kind = glassbox.RoleAuditor, glassbox.OrgOperator
	e, err := r.Record(ctx, Read{Principal: auditor, Kind: KindRelease, Release: rel})
	if err != nil {
		t.Fatalf("a read of the release's manifest: %v", err)
	}
	if e.Access.Basis != BasisAuditor || e.Access.Grant != "" || len(e.Access.Paths) != 0 {
		t.Errorf("an auditor's read of the manifest is recorded as %+v", e.Access)
	}
}

// TestTheLogLeafNamesOnlyTheRelease: what the public log holds about a read
// is the release, the predicate type, the key and the envelope's digest;
// never the reader, a path or a content digest.
func TestTheLogLeafNamesOnlyTheRelease(t *testing.T) {
	r, c := newRecorder(t)
	ctx := context.Background()
	rel := release("1.0.0")
	e := mustRecord(t, r, sourceRead(rel, "alice", "src/secret.c"))
	var leaf []byte
	if _, err := c.Log.Entries(ctx, e.LogIndex, func(_ uint64, l []byte) error {
		leaf = bytes.Clone(l)
		return context.Canceled
	}); err != context.Canceled {
		t.Fatal(err)
	}
	l, err := attest.ParseLeaf(leaf)
	if err != nil {
		t.Fatal(err)
	}
	if l.PredicateType != PredicateType || !slices.Equal(l.Subjects, []glassbox.Digest{rel.ID}) {
		t.Errorf("the leaf is about %v with %s; want only the release %s with %s", l.Subjects, l.PredicateType, rel.ID, PredicateType)
	}
	for _, secret := range []string{"alice", "lab-a", "tok_alice", "grant-1", "secret.c", string(e.Access.Paths[0].Digest)} {
		if bytes.Contains(leaf, []byte(secret)) {
			t.Errorf("the public leaf reveals %q:\n%s", secret, leaf)
		}
	}
}

// TestConcurrentReadsAreEachRecorded: reads made at once (an evaluator's
// tool fetching files in parallel) share the log's batches, yet each is
// its own statement, listed once.
func TestConcurrentReadsAreEachRecorded(t *testing.T) {
	r, c := newRecorder(t)
	rel := release("1.0.0")
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := r.Record(context.Background(), sourceRead(rel, "alice", fmt.Sprintf("src/%d.c", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, err := r.List(context.Background(), rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range list {
		if err := Verify(&e, c.Key, c.Verifier); err != nil {
			t.Error(err)
		}
		seen[e.Access.Paths[0].Path] = true
	}
	if len(list) != n || len(seen) != n {
		t.Errorf("%d concurrent reads are listed as %d entries of %d paths", n, len(list), len(seen))
	}
}

// TestAReceiptAloneProvesTheRead: a client given only a receipt (as the API
// serves it) gets the read it proves, and a receipt of another release or
// of a statement that is not a read proves none.
func TestAReceiptAloneProvesTheRead(t *testing.T) {
	r, c := newRecorder(t)
	ctx := context.Background()
	rel := release("1.0.0")
	e := mustRecord(t, r, sourceRead(rel, "alice", "src/secret.c"))
	got, err := VerifyReceipt(rel.ID, e.Receipt, c.Key, c.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(got, c.Key, c.Verifier); err != nil || got.LogIndex != e.LogIndex || got.Access.Paths[0].Path != "src/secret.c" {
		t.Errorf("VerifyReceipt = %+v, %v", got, err)
	}
	if _, err := VerifyReceipt(release("2.0.0").ID, e.Receipt, c.Key, c.Verifier); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("the receipt as a read of another release: %v; want an %s error", err, glassbox.EINVALID)
	}
	judgement, err := c.Notary.Attest(ctx, notary.Request{
		Subjects:      []attest.Subject{{Name: "manifest", Digest: rel.ID}},
		PredicateType: "https://glassbox.dev/predicates/judgement/v1", Predicate: json.RawMessage(`{"satisfied":true}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyReceipt(rel.ID, judgement, c.Key, c.Verifier); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("a judgement's receipt as a read: %v; want an %s error", err, glassbox.EINVALID)
	}
}
