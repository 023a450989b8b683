// Package evidence stores the centre's evidence as content-addressed blobs:
// each blob is named by the SHA-256 of its bytes, written once, never
// overwritten, and checked against its name whenever it is read.
//
// FS keeps blobs in a local directory, S3 in an S3-compatible bucket; both
// are a Store and pass the same conformance suite (package blobtest).
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/input"
)

// Store is a blob store the centre runs on: FS or S3.
type Store interface {
	glassbox.BlobStore
	// TempDir returns this process's private scratch directory on local
	// disk, removed with the store and, if the process dies, by the next
	// one to open the store.
	TempDir() (string, error)
	// Adopt stages a local file by moving it in, without a copy.
	Adopt(ctx context.Context, path string) (glassbox.StagedBlob, error)
	// Digests lists every stored blob; it is meant for checks and tests,
	// not for serving.
	Digests(ctx context.Context) ([]glassbox.Digest, error)
	Close() error
}

var (
	_ Store = (*FS)(nil)
	_ Store = (*S3)(nil)
)

// FS is a BlobStore in a local directory:
//
//	ROOT/sha256/ab/abcdef…   a blob, read-only, named by its digest
//	ROOT/tmp/XXXXXXXX/       staging area of one process, locked while it lives
//
// Staged blobs are written under tmp/ and renamed into place, so a reader
// never sees a partly written blob, whatever happens to the writer.
type FS struct {
	root string

	mu      sync.Mutex // guards staging and lock
	staging string     // this process's staging directory, made on first use
	lock    *os.File   // held (flock) while staging exists, so others leave it alone

	group   sync.Mutex // guards queue and leading: the group commit
	queue   []*commitRequest
	leading bool // a goroutine is committing batches from queue

	jmu     sync.Mutex // guards journal
	journal *journal   // this process's journal of small commits, opened on first use

	pmu      sync.Mutex // guards pending, writing and writeErr
	pending  map[glassbox.Digest][]byte
	writing  bool       // the background writer runs
	writeErr error      // why it stopped, if it failed
	flushed  *sync.Cond // signalled when the writer stops
}

// OpenFS opens the blob store in dir, creating it if needed, and removes
// staging areas left behind by processes that died.
func OpenFS(dir string) (*FS, error) {
	// Staging areas are handed to other tools (the rebuild sandbox), which
	// need absolute paths whatever the caller's working directory.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: %w", err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: create %s: %w", d, err)
		}
	}
	s := &FS{root: dir}
	s.flushed = sync.NewCond(&s.pmu)
	if err := s.removeStale(); err != nil {
		return nil, err
	}
	return s, nil
}

// staleAfter is how old a staging area without a lock file must be before
// it is taken for the remains of an interrupted process.
const staleAfter = time.Minute

// removeStale deletes the staging directories whose owner no longer holds
// their lock: what a killed or crashed submit left behind.
func (s *FS) removeStale() error {
	tmp := filepath.Join(s.root, "tmp")
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "evidence: read %s: %w", tmp, err)
	}
	for _, e := range entries {
		dir := filepath.Join(tmp, e.Name())
		f, err := os.Open(filepath.Join(dir, "lock"))
		if err != nil {
			// No lock yet: a staging area being created right now, or one
			// whose creation was interrupted. Only the second is old.
			if fi, serr := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && serr == nil && time.Since(fi.ModTime()) > staleAfter {
				os.RemoveAll(dir)
			}
			continue
		}
		if tryLock(f) {
			if err := s.replayJournal(dir); err != nil {
				f.Close()
				return glassbox.Errorf(glassbox.EINTERNAL, "evidence: the staging area %s holds a journal that cannot be replayed (%v); free space or fix permissions and open the store again", dir, err)
			}
			slog.Info("removing staging area left by an interrupted process", "dir", dir)
			os.RemoveAll(dir)
		}
		f.Close()
	}
	return nil
}

// Close releases the store's staging area, discarding anything staged and
// not committed.
func (s *FS) Close() error {
	s.jmu.Lock()
	// The journal may go only once what it covers is durable.
	jerr := s.closeJournal()
	s.jmu.Unlock()
	if jerr != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "evidence: close: %w", jerr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging == "" {
		return nil
	}
	err := os.RemoveAll(s.staging)
	s.lock.Close()
	s.staging, s.lock = "", nil
	return err
}

// TempDir returns this process's private staging directory inside the
// store, where callers may put other temporary files (a git clone) that must
// not outlive an interrupted process nor leave the data directory.
func (s *FS) TempDir() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging != "" {
		return s.staging, nil
	}
	dir, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "")
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "evidence: create staging area: %w", err)
	}
	// The lock file appears under its name already locked (created aside,
	// locked, renamed), so no other process can see it unlocked and take
	// the new area for a dead one.
	lock, err := os.CreateTemp(dir, "lock-")
	if err == nil && !tryLock(lock) {
		lock.Close()
		err = errors.New("cannot lock a new staging area")
	}
	if err == nil {
		err = os.Rename(lock.Name(), filepath.Join(dir, "lock"))
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", glassbox.Errorf(glassbox.EINTERNAL, "evidence: lock staging area: %w", err)
	}
	s.staging, s.lock = dir, lock
	return dir, nil
}

func (s *FS) path(d glassbox.Digest) string {
	h := d.Hex()
	return filepath.Join(s.root, "sha256", h[:2], h)
}

// staged is a blob written to the staging area.
type staged struct {
	tmp    string // the staged file, or "" when data holds the content
	data   []byte
	digest glassbox.Digest
	size   int64
}

func (b *staged) Digest() glassbox.Digest { return b.digest }
func (b *staged) Size() int64             { return b.size }
func (b *staged) Discard() error {
	if b.tmp == "" {
		return nil
	}
	if err := os.Remove(b.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// copyBufs recycles the copy buffers of Stage: ingesting a release stages
// thousands of files.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// Stage implements glassbox.BlobStore. The content is not yet synced to
// disk; Commit does that for a whole batch at once.
func (s *FS) Stage(ctx context.Context, r io.Reader) (glassbox.StagedBlob, error) {
	f, err := s.stagingFile("stage")
	if err != nil {
		return nil, err
	}
	d, n, err := hashCopy(ctx, f, r)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = glassbox.Errorf(glassbox.EINTERNAL, "evidence: stage: %w", cerr)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err // the reader's error says what was wrong with the input
	}
	return &staged{tmp: f.Name(), digest: d, size: n}, nil
}

// stagingFile creates an empty file in the staging area, for op.
func (s *FS) stagingFile(op string) (*os.File, error) {
	dir, err := s.TempDir()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "blob-")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: %s: %w", op, err)
	}
	return f, nil
}

// hashCopy copies r to w (nil: nowhere) and returns the SHA-256 digest and
// size of what it read.
func hashCopy(ctx context.Context, w io.Writer, r io.Reader) (glassbox.Digest, int64, error) {
	h := sha256.New()
	var dst io.Writer = h
	if w != nil {
		dst = io.MultiWriter(w, h)
	}
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(dst, input.Reader(ctx, r), *buf)
	copyBufs.Put(buf)
	return digestOf(h), n, err
}

// Adopt stages the file at path without copying it: it is moved into the
// staging area, on the store's own filesystem, and hashed there. The
// caller gives the file up: it must be one nobody else writes (an upload
// the centre has claimed). A file on another filesystem is EXDEV, wrapped:
// stage a copy of it instead.
func (s *FS) Adopt(ctx context.Context, path string) (glassbox.StagedBlob, error) {
	tmp, err := s.stagingFile("adopt")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	if err := os.Rename(path, tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("evidence: adopt %s: %w", path, err)
	}
	f, err := os.Open(tmp.Name())
	if err == nil {
		var d glassbox.Digest
		var n int64
		d, n, err = hashCopy(ctx, nil, f)
		f.Close()
		if err == nil {
			return &staged{tmp: tmp.Name(), digest: d, size: n}, nil
		}
	}
	os.Remove(tmp.Name())
	return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: adopt: %w", err)
}

func digestOf(h hash.Hash) glassbox.Digest {
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum)
}

// Commit implements glassbox.BlobStore: it makes the staged content durable,
// then renames each blob into place. A blob already stored is kept and the
// staged copy discarded.
//
// Concurrent commits are grouped: while one batch is being synced, others
// queue, and the next sync covers them all. Many small commits (one
// envelope per attestation) then cost a few syncs a second, not two each.
func (s *FS) Commit(ctx context.Context, blobs ...glassbox.StagedBlob) (int, error) {
	var todo []*staged
	for _, b := range blobs {
		sb, ok := b.(*staged)
		if !ok {
			return 0, glassbox.Errorf(glassbox.EINTERNAL, "evidence: commit: %T was not staged by this store", b)
		}
		if sb.tmp == "" {
			// held in memory (Put)
		} else if _, err := os.Stat(sb.tmp); err != nil {
			return 0, glassbox.Errorf(glassbox.EINTERNAL, "evidence: commit %s: staged content is gone: %w", sb.digest, err)
		}
		if fi, err := os.Stat(s.path(sb.digest)); err == nil && fi.Size() == sb.size {
			sb.Discard()
			continue
		}
		todo = append(todo, sb)
	}
	if len(todo) == 0 {
		return 0, nil
	}
	return s.commit(todo)
}

// Put implements glassbox.BlobStore. A small blob goes through the journal
// without a staged file of its own.
func (s *FS) Put(ctx context.Context, data []byte) (glassbox.Digest, error) {
	if len(data) > journalMaxBlob {
		b, err := s.Stage(ctx, bytes.NewReader(data))
		if err != nil {
			return "", err
		}
		_, err = s.Commit(ctx, b)
		return b.Digest(), err
	}
	b := &staged{data: data, digest: glassbox.DigestOf(data), size: int64(len(data))}
	if _, ok := s.held(b.digest); ok {
		return b.digest, nil
	}
	if fi, err := os.Stat(s.path(b.digest)); err == nil && fi.Size() == b.size {
		return b.digest, nil
	}
	_, err := s.commit([]*staged{b})
	return b.digest, err
}

// commit queues blobs for the group commit and waits for their batch.
func (s *FS) commit(todo []*staged) (int, error) {
	req := &commitRequest{blobs: todo, done: make(chan struct{})}
	s.group.Lock()
	s.queue = append(s.queue, req)
	if s.leading {
		s.group.Unlock()
		<-req.done
		return req.added, req.err
	}
	s.leading = true
	for len(s.queue) > 0 {
		batch := s.queue
		s.queue = nil
		s.group.Unlock()
		s.commitBatch(batch)
		s.group.Lock()
	}
	s.leading = false
	s.group.Unlock()
	return req.added, req.err
}

// commitRequest is one caller's blobs in a group commit.
type commitRequest struct {
	blobs []*staged
	added int
	err   error
	done  chan struct{}
}

// commitBatch syncs, renames and syncs again the blobs of several
// requests, and tells each request how it went. It is not cancelled by any
// one caller's context: others wait on the same sync.
func (s *FS) commitBatch(reqs []*commitRequest) {
	defer func() {
		for _, r := range reqs {
			close(r.done)
		}
	}()
	fail := func(err error) {
		for _, r := range reqs {
			if r.err == nil {
				r.err = err
			}
		}
	}
	// Blobs held in memory (Put) get their staged file here, one after the
	// other: many writers creating files in one directory at once spin on
	// its lock.
	var all []*staged
	for _, r := range reqs {
		all = append(all, r.blobs...)
	}
	journalled := smallBatch(all)
	if !journalled {
		all = all[:0]
		for _, r := range reqs {
			for _, b := range r.blobs {
				if b.tmp != "" {
					continue
				}
				if err := s.writeHeld(b); err != nil {
					r.err = glassbox.Errorf(glassbox.EINTERNAL, "evidence: %w", err)
					break
				}
			}
			if r.err == nil {
				all = append(all, r.blobs...)
			}
		}
	}
	if journalled {
		s.jmu.Lock()
		err := s.journalled(all)
		s.jmu.Unlock()
		if err != nil {
			fail(glassbox.Errorf(glassbox.EINTERNAL, "evidence: journal staged blobs: %w", err))
			return
		}
	} else if err := syncFiles(s.root, all); err != nil {
		fail(glassbox.Errorf(glassbox.EINTERNAL, "evidence: sync staged blobs: %w", err))
		return
	}
	dirs := map[string]bool{filepath.Join(s.root, "sha256"): true}
	var held []*staged
	for _, r := range reqs {
		if r.err != nil {
			continue
		}
		for _, b := range r.blobs {
			if b.tmp == "" {
				// Journalled and durable. Its file is placed now, unsynced
				// (the journal restores it after a crash), so that other
				// processes sharing the directory see it as soon as Put
				// returns; one that cannot be placed now is held in memory
				// and written in the background.
				r.added++
				if err := s.place(b); err != nil {
					slog.Warn("evidence: a journalled blob's file is written later", "digest", b.digest, "err", err)
					held = append(held, b)
				}
				continue
			}
			dirs[filepath.Dir(s.path(b.digest))] = true
			if err := s.rename(b); err != nil {
				r.err = glassbox.Errorf(glassbox.EINTERNAL, "evidence: store %s: %w", b.digest, err)
				break
			}
			r.added++
		}
	}
	if len(held) > 0 {
		s.hold(held)
	}
	if journalled {
		return // the renames need no sync: the journal restores them after a crash
	}
	if err := syncDirs(s.root, dirs, len(all)); err != nil {
		fail(glassbox.Errorf(glassbox.EINTERNAL, "evidence: sync directories: %w", err))
	}
}

// rename moves a staged file into place, read-only. A concurrent writer
// may have stored the same blob meanwhile; the rename replaces it with
// identical bytes, atomically.
func (s *FS) rename(b *staged) error {
	dst := s.path(b.digest)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Chmod(b.tmp, 0o444); err != nil {
		return err
	}
	return os.Rename(b.tmp, dst)
}

// writeHeld writes a blob held in memory to a staged file.
func (s *FS) writeHeld(b *staged) error {
	dir, err := s.TempDir()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "blob-")
	if err != nil {
		return err
	}
	_, err = f.Write(b.data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	b.tmp = f.Name()
	return nil
}

// smallBatch reports whether a batch is committed through the journal.
func smallBatch(blobs []*staged) bool {
	var total int64
	for _, b := range blobs {
		if b.size > journalMaxBlob {
			return false
		}
		total += b.size
	}
	return total <= journalMaxBatch
}

// Open implements glassbox.BlobStore. It reads the whole blob once to check
// its digest before returning it, so corrupt evidence is never served.
func (s *FS) Open(ctx context.Context, d glassbox.Digest) (io.ReadCloser, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if b, ok := s.held(d); ok {
		return heldReader(b), nil
	}
	f, err := os.Open(s.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "blob %s is not in the evidence store", d)
	} else if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: open %s: %w", d, err)
	}
	got, _, err := hashCopy(ctx, nil, f)
	if err != nil {
		f.Close()
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: read %s: %w", d, err)
	}
	if got != d {
		f.Close()
		slog.Error("corrupt blob in the evidence store", "digest", d, "hashes_to", got, "path", s.path(d))
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "blob %s is corrupt: its content now hashes to %s; restore %s from a backup", d, got, s.path(d))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "evidence: %w", err)
	}
	return f, nil
}

// Stat implements glassbox.BlobStore.
func (s *FS) Stat(ctx context.Context, d glassbox.Digest) (int64, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	if b, ok := s.held(d); ok {
		return int64(len(b)), nil
	}
	fi, err := os.Stat(s.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, glassbox.Errorf(glassbox.ENOTFOUND, "blob %s is not in the evidence store", d)
	} else if err != nil {
		return 0, glassbox.Errorf(glassbox.EINTERNAL, "evidence: %w", err)
	}
	return fi.Size(), nil
}

// Digests lists every stored blob; it is meant for checks and tests, not
// for serving.
func (s *FS) Digests(context.Context) ([]glassbox.Digest, error) {
	var out []glassbox.Digest
	err := filepath.WalkDir(filepath.Join(s.root, "sha256"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			if _, err := hex.DecodeString(e.Name()); err == nil {
				out = append(out, glassbox.Digest(glassbox.DigestPrefix+e.Name()))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: list: %w", err)
	}
	s.pmu.Lock()
	for d := range s.pending {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	s.pmu.Unlock()
	return out, nil
}
