// Package blobtest is the conformance suite every evidence store passes
// (evidence.FS, evidence.S3): what the centre relies on, written once and
// run against each backend on real storage.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

// Backend is a store under test.
type Backend struct {
	// Open opens a store over the backend's storage; a second call opens
	// another store over the same storage, as a second process would.
	Open func(t *testing.T) evidence.Store
	// Corrupt overwrites the stored content of d behind the store's back.
	Corrupt func(t *testing.T, d glassbox.Digest, content []byte)
	// Large is a blob size that exercises the backend's path for large
	// blobs (S3's multipart upload).
	Large int64
}

// Run runs the suite, each test on new, empty storage from newBackend.
func Run(t *testing.T, newBackend func(t *testing.T) *Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b *Backend)
	}{
		{"ContentAddressed", contentAddressed},
		{"StagedInvisibleUntilCommitted", stagedInvisible},
		{"CommitMany", commitMany},
		{"Large", large},
		{"CorruptNeverServed", corruptNeverServed},
		{"MalformedDigests", malformedDigests},
		{"Missing", missing},
		{"FailedStageLeavesNothing", failedStage},
		{"SharedBetweenProcesses", shared},
		{"ConcurrentWritersOfTheSameBlob", concurrentSame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBackend(t)) })
	}
}

func open(t *testing.T, b *Backend) evidence.Store {
	t.Helper()
	s := b.Open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func commit(t *testing.T, s evidence.Store, content []byte) (glassbox.Digest, int) {
	t.Helper()
	ctx := context.Background()
	sb, err := s.Stage(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Commit(ctx, sb)
	if err != nil {
		t.Fatal(err)
	}
	return sb.Digest(), n
}

// Read returns a blob's content.
func Read(s glassbox.BlobStore, d glassbox.Digest) ([]byte, error) {
	rc, err := s.Open(context.Background(), d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func mustRead(t *testing.T, s glassbox.BlobStore, d glassbox.Digest, want []byte) {
	t.Helper()
	got, err := Read(s, d)
	if err != nil {
		t.Fatalf("Open(%s): %v", d, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Open(%s) returned %d bytes, not the %d stored", d, len(got), len(want))
	}
}

func contentAddressed(t *testing.T, b *Backend) {
	s := open(t, b)
	ctx := context.Background()
	d, added := commit(t, s, []byte("hello\n"))
	if want := glassbox.DigestOf([]byte("hello\n")); d != want || added != 1 {
		t.Fatalf("commit = %s, %d; want %s, 1", d, added, want)
	}
	if _, added := commit(t, s, []byte("hello\n")); added != 0 {
		t.Errorf("storing the same content again added %d blobs; want 0", added)
	}
	mustRead(t, s, d, []byte("hello\n"))
	if n, err := s.Stat(ctx, d); err != nil || n != 6 {
		t.Errorf("Stat = %d, %v; want 6", n, err)
	}
	pd, err := s.Put(ctx, []byte("put\n"))
	if err != nil || pd != glassbox.DigestOf([]byte("put\n")) {
		t.Fatalf("Put = %s, %v", pd, err)
	}
	if _, err := s.Put(ctx, []byte("put\n")); err != nil {
		t.Fatalf("Put of stored content: %v", err)
	}
	mustRead(t, s, pd, []byte("put\n"))
	empty, err := s.Put(ctx, nil)
	if err != nil {
		t.Fatalf("Put of an empty blob: %v", err)
	}
	mustRead(t, s, empty, nil)
	ds, err := s.Digests(ctx)
	if err != nil || len(ds) != 3 {
		t.Errorf("the store lists %v, %v; want 3 blobs", ds, err)
	}
}

func stagedInvisible(t *testing.T, b *Backend) {
	s := open(t, b)
	other := open(t, b)
	ctx := context.Background()
	sb, err := s.Stage(ctx, strings.NewReader("draft"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []evidence.Store{s, other} {
		if _, err := st.Open(ctx, sb.Digest()); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			t.Fatalf("Open of a staged blob = %v; want ENOTFOUND", err)
		}
		if _, err := st.Stat(ctx, sb.Digest()); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			t.Fatalf("Stat of a staged blob = %v; want ENOTFOUND", err)
		}
	}
	if err := sb.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, sb); err == nil {
		t.Fatal("Commit of a discarded blob succeeded")
	}
	if ds, _ := s.Digests(ctx); len(ds) != 0 {
		t.Errorf("the store holds %v after a discard", ds)
	}
	sb, err = s.Stage(ctx, strings.NewReader("final"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Commit(ctx, sb); err != nil || n != 1 {
		t.Fatalf("Commit = %d, %v", n, err)
	}
	mustRead(t, other, sb.Digest(), []byte("final"))
	if err := sb.Discard(); err != nil {
		t.Errorf("Discard after Commit: %v", err)
	}
	mustRead(t, s, sb.Digest(), []byte("final"))
}

func commitMany(t *testing.T, b *Backend) {
	s := open(t, b)
	ctx := context.Background()
	var blobs []glassbox.StagedBlob
	for i := range 100 {
		sb, err := s.Stage(ctx, bytes.NewReader(bytes.Repeat([]byte{byte(i)}, i*37)))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, sb)
	}
	// The same content twice in one commit is stored once.
	dup, err := s.Stage(ctx, bytes.NewReader(bytes.Repeat([]byte{7}, 7*37)))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Commit(ctx, append(blobs, dup)...); err != nil || n < 100 || n > 101 {
		t.Fatalf("Commit = %d, %v; want 100 new blobs", n, err)
	}
	for i, sb := range blobs {
		mustRead(t, s, sb.Digest(), bytes.Repeat([]byte{byte(i)}, i*37))
	}
	if ds, _ := s.Digests(ctx); len(ds) != 100 {
		t.Errorf("the store lists %d blobs; want 100", len(ds))
	}
}

func large(t *testing.T, b *Backend) {
	s := open(t, b)
	ctx := context.Background()
	content := make([]byte, b.Large)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(r.Uint32())
	}
	d, added := commit(t, s, content)
	if added != 1 || d != glassbox.DigestOf(content) {
		t.Fatalf("commit of %d bytes = %s, %d", len(content), d, added)
	}
	if n, err := s.Stat(ctx, d); err != nil || n != b.Large {
		t.Fatalf("Stat = %d, %v; want %d", n, err, b.Large)
	}
	rc, err := open(t, b).Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil || n != b.Large || glassbox.NewDigest([sha256.Size]byte(h.Sum(nil))) != d {
		t.Fatalf("read back %d bytes (%v) hashing to %x", n, err, h.Sum(nil))
	}
	pd, err := s.Put(ctx, content[:b.Large-1])
	if err != nil {
		t.Fatal(err)
	}
	mustRead(t, s, pd, content[:b.Large-1])
}

func corruptNeverServed(t *testing.T, b *Backend) {
	s := open(t, b)
	small, _ := commit(t, s, []byte("the original evidence"))
	big := bytes.Repeat([]byte("evidence "), 1<<20) // larger than any in-memory check
	bigD, _ := commit(t, s, big)
	b.Corrupt(t, small, []byte("the altered evidence!"))
	altered := bytes.Clone(big)
	altered[len(altered)/2] ^= 1
	b.Corrupt(t, bigD, altered)
	for _, d := range []glassbox.Digest{small, bigD} {
		for _, st := range []evidence.Store{s, open(t, b)} {
			rc, err := st.Open(context.Background(), d)
			if err == nil {
				rc.Close()
			}
			if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), string(d)) {
				t.Fatalf("Open of a corrupt blob = %v; want an ECORRUPT error naming it", err)
			}
		}
	}
}

func malformedDigests(t *testing.T, b *Backend) {
	s := open(t, b)
	for _, d := range []string{"", "sha256:../../etc/passwd", "md5:abc", "sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("a", 63) + "/"} {
		if _, err := s.Open(context.Background(), glassbox.Digest(d)); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("Open(%q) = %v; want EINVALID", d, err)
		}
		if _, err := s.Stat(context.Background(), glassbox.Digest(d)); glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("Stat(%q) = %v; want EINVALID", d, err)
		}
	}
}

func missing(t *testing.T, b *Backend) {
	s := open(t, b)
	d := glassbox.DigestOf([]byte("never stored"))
	if _, err := s.Open(context.Background(), d); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("Open of a missing blob = %v; want ENOTFOUND", err)
	}
	if _, err := s.Stat(context.Background(), d); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("Stat of a missing blob = %v; want ENOTFOUND", err)
	}
}

// failing reads some content, then fails.
type failing struct{ n int }

var errInput = errors.New("the input broke off")

func (f *failing) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errInput
	}
	n := min(len(p), f.n)
	for i := range n {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func failedStage(t *testing.T, b *Backend) {
	s := open(t, b)
	ctx := context.Background()
	if _, err := s.Stage(ctx, &failing{n: 3 << 20}); !errors.Is(err, errInput) {
		t.Fatalf("Stage of a broken input = %v; want its error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Stage(cancelled, &failing{n: 1 << 30}); err == nil {
		t.Fatal("Stage under a cancelled context succeeded")
	}
	if ds, _ := s.Digests(ctx); len(ds) != 0 {
		t.Errorf("the store holds %v after failed stages", ds)
	}
	dir, err := s.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "blob-") {
			t.Errorf("a failed stage left %s in the scratch directory", e.Name())
		}
	}
}

func shared(t *testing.T, b *Backend) {
	a, c := open(t, b), open(t, b)
	d, _ := commit(t, a, []byte("written by one process"))
	mustRead(t, c, d, []byte("written by one process"))
	pd, err := c.Put(context.Background(), []byte("put by the other"))
	if err != nil {
		t.Fatal(err)
	}
	mustRead(t, a, pd, []byte("put by the other"))
	// A store that closes leaves what it committed.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	mustRead(t, open(t, b), d, []byte("written by one process"))
}

func concurrentSame(t *testing.T, b *Backend) {
	stores := []evidence.Store{open(t, b), open(t, b), open(t, b)}
	content := bytes.Repeat([]byte("same content from everyone "), 1000)
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			s := stores[i%len(stores)]
			if i%2 == 0 {
				_, err := s.Put(context.Background(), content)
				errs <- err
				return
			}
			sb, err := s.Stage(context.Background(), bytes.NewReader(content))
			if err == nil {
				_, err = s.Commit(context.Background(), sb)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range stores {
		mustRead(t, s, glassbox.DigestOf(content), content)
	}
	if ds, _ := stores[0].Digests(context.Background()); len(ds) != 1 {
		t.Errorf("the store lists %d blobs; want 1", len(ds))
	}
}
