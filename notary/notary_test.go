package notary

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evidence"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
)

type fixture struct {
	dir    string
	keys   *attest.KeyFiles
	blobs  *evidence.FS
	meta   glassbox.AttestationStore
	closer func()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	kf, err := attest.GenerateKeys(filepath.Join(dir, "keys"), "notary.test/log", false)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := sqlite.Open(context.Background(), filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close(); blobs.Close() })
	return &fixture{dir: dir, keys: kf, blobs: blobs, meta: meta}
}

// open starts a log and a notary on the fixture's data.
func (f *fixture) open(t *testing.T) (*Notary, *tlog.Log) {
	t.Helper()
	ctx := context.Background()
	s, err := attest.LoadSigner(f.keys.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := attest.LoadLogSigner(f.keys.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	lv, err := attest.LoadLogVerifier(f.keys.LogVerifierKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, filepath.Join(f.dir, "log"), ls, lv, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(ctx, s, l, f.blobs, f.meta)
	if err != nil {
		t.Fatal(err)
	}
	return n, l
}

func request(i int) Request {
	return Request{
		Subjects:      []attest.Subject{{Name: "fw.bin", Digest: glassbox.DigestOf([]byte{byte(i)})}},
		PredicateType: "https://glassbox.dev/test/v1",
		Predicate:     json.RawMessage(`{"n":1}`),
	}
}

func index(t *testing.T, r *tlog.Receipt) uint64 {
	t.Helper()
	b, _ := r.Marshal()
	_, p, err := tlog.ParseReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	return p.Index
}

func TestTheSameStatementGetsOneIndex(t *testing.T) {
	f := newFixture(t)
	n, l := f.open(t)
	ctx := context.Background()
	first, err := n.Attest(ctx, request(1))
	if err != nil {
		t.Fatal(err)
	}
	// Concurrently and sequentially, before and after indexing.
	var wg sync.WaitGroup
	idx := make([]uint64, 20)
	for i := range idx {
		wg.Go(func() {
			r, err := n.Attest(ctx, request(1))
			if err != nil {
				t.Error(err)
				return
			}
			idx[i] = index(t, r)
		})
	}
	wg.Wait()
	for _, i := range idx {
		if i != index(t, first) {
			t.Fatalf("the same statement got indexes %d and %d", index(t, first), i)
		}
	}
	other, err := n.Attest(ctx, request(2))
	if err != nil {
		t.Fatal(err)
	}
	if index(t, other) == index(t, first) {
		t.Fatal("two statements share an index")
	}
	n.Close(ctx)
	l.Close(ctx)

	// After a restart, from the index alone.
	n, l = f.open(t)
	again, err := n.Attest(ctx, request(1))
	if err != nil {
		t.Fatal(err)
	}
	if index(t, again) != index(t, first) {
		t.Errorf("after a restart the statement got index %d, not %d", index(t, again), index(t, first))
	}
	about, err := n.About(ctx, request(1).Subjects[0].Digest)
	if err != nil || len(about) != 1 || string(about[0].Envelope) != string(first.Envelope) {
		t.Errorf("About = %+v, %v", about, err)
	}
	n.Close(ctx)
	l.Close(ctx)
}

// TestCrashBeforeIndexing appends a leaf the way a notary that died right
// after appending would have left it, unindexed, and checks that a new
// notary finds it rather than logging the envelope again.
func TestCrashBeforeIndexing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n, l := f.open(t)
	s, _ := attest.LoadSigner(f.keys.PrivateKeyPath)
	req := request(7)
	payload, err := attest.NewStatement(req.Subjects, req.PredicateType, req.Predicate)
	if err != nil {
		t.Fatal(err)
	}
	env, err := s.Sign(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := attest.Leaf{Envelope: glassbox.DigestOf(env), KeyID: s.KeyID(), PredicateType: req.PredicateType, Subjects: []glassbox.Digest{req.Subjects[0].Digest}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	n.Close(ctx) // the indexer stops: what follows is not indexed by it
	inc, err := l.Append(ctx, leaf)
	if err != nil {
		t.Fatal(err)
	}
	l.Close(ctx)

	n, l = f.open(t)
	defer l.Close(ctx)
	defer n.Close(ctx)
	r, err := n.Attest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := index(t, r); got != inc.Index {
		t.Errorf("the envelope logged before the crash at %d was logged again at %d", inc.Index, got)
	}
}

// TestReceiptOfLoggedEnvelope: a receipt asked for later is the receipt of
// the same envelope and leaf, at the same index, proved against a newer
// checkpoint; an envelope never logged is ENOTFOUND.
func TestReceiptOfLoggedEnvelope(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	n, l := f.open(t)
	defer l.Close(ctx)
	defer n.Close(ctx)
	first, err := n.Attest(ctx, request(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Attest(ctx, request(2)); err != nil {
		t.Fatal(err)
	}
	d := glassbox.DigestOf(first.Envelope)
	got, err := n.Receipt(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Envelope) != string(first.Envelope) || index(t, got) != index(t, first) {
		t.Fatalf("receipt of %s: index %d, want %d", d, index(t, got), index(t, first))
	}
	_, p, err := tlog.ParseReceipt(mustJSON(t, got))
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := tlog.ParseReceipt(mustJSON(t, first))
	if string(p.ExtraData) != string(want.ExtraData) {
		t.Fatal("the later receipt carries another leaf")
	}
	if _, err := n.Receipt(ctx, glassbox.DigestOf([]byte("never logged"))); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Fatalf("receipt of an envelope never logged: %v, want ENOTFOUND", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
