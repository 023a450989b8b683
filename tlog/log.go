// Package tlog is the centre's public, append-only transparency log: a C2SP
// tlog-tiles log kept by Tessera's POSIX driver in the data directory, with
// C2SP signed-note checkpoints, C2SP tlog-proof receipts and tile serving.
//
// The log is generic: it appends opaque leaves (at most 64 KiB) and proves
// their inclusion. What a leaf means is the attest package's business.
package tlog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// MaxLeafSize is the largest leaf the log accepts. C2SP allows 64 KiB, but a
// receipt carries the leaf base64-encoded on one line of its tlog-proof, and
// common tlog-proof parsers read lines of at most 64 KiB: 48 KiB of leaf
// keeps every receipt readable by them.
const MaxLeafSize = 48 << 10

// Options tune a Log. Zero fields take the values of DefaultOptions.
type Options struct {
	// CheckpointInterval is how often a new checkpoint is published while
	// there are new entries. A receipt waits for the next checkpoint, so
	// this bounds the time from submit to receipt (Tessera's minimum is
	// 100 ms).
	CheckpointInterval time.Duration
	// BatchMaxAge is how long an entry may wait for others to share its
	// write.
	BatchMaxAge time.Duration
	// BatchMaxSize is how many entries one write may hold; a full batch is
	// written at once.
	BatchMaxSize uint
	// Witnesses, when set, must cosign every checkpoint before it is
	// published (C2SP tlog-witness, through Tessera): each new checkpoint
	// goes to every witness of the policy with a consistency proof from
	// the size the witness last cosigned, and is published, carrying the
	// cosignatures, once the policy is satisfied. While it cannot be (too
	// many witnesses down, or refusing a checkpoint that does not extend
	// what they saw), nothing new is published: appends wait, and a
	// caller's deadline ends the wait with an error. Nothing is published
	// unwitnessed.
	Witnesses *tessera.WitnessGroup
	// WitnessTimeout bounds one round of asking the witnesses; the next
	// checkpoint asks again. Default 10 s.
	WitnessTimeout time.Duration
}

// MaxWitnessPolicy bounds a witness policy file.
const MaxWitnessPolicy = 64 << 10

// ParseWitnessPolicy reads a witness policy in the Sigsum policy format
// (https://git.glasklar.is/sigsum/core/sigsum-go/-/blob/main/doc/policy.md),
// with C2SP signed-note verifier keys of the cosignature type:
//
//	witness w1 glassbox.test/w1+2e87bc36+BNok… http://127.0.0.1:7381
//	witness w2 …
//	witness w3 …
//	group majority 2 w1 w2 w3
//	quorum majority
func ParseWitnessPolicy(b []byte) (*tessera.WitnessGroup, error) {
	if len(b) > MaxWitnessPolicy {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the witness policy is larger than %d bytes", MaxWitnessPolicy)
	}
	g, err := tessera.NewWitnessGroupFromPolicy(b)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the witness policy: %v (the Sigsum policy format: witness NAME VKEY URL lines, group NAME N MEMBERS…, quorum NAME)", err)
	}
	if len(g.Endpoints()) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the witness policy names no witness; without witnesses, have no policy")
	}
	return &g, nil
}

// DefaultOptions favour a short time from submit to receipt: a checkpoint
// every 100 ms, batches written when 256 entries are waiting or after 50 ms.
func DefaultOptions() Options {
	return Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 50 * time.Millisecond, BatchMaxSize: 256}
}

// withDefaults fills o's zero fields from DefaultOptions.
func (o Options) withDefaults() Options {
	def := DefaultOptions()
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = def.CheckpointInterval
	}
	if o.BatchMaxAge == 0 {
		o.BatchMaxAge = def.BatchMaxAge
	}
	if o.BatchMaxSize == 0 {
		o.BatchMaxSize = def.BatchMaxSize
	}
	return o
}

// Log is an open transparency log.
type Log struct {
	dir      string
	origin   string
	verifier note.Verifier

	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc

	mu     sync.Mutex // guards proofs (the cache, not the builders in it) and lastCP
	proofs *proofCache
	lastCP struct {
		note []byte
		cp   *log.Checkpoint
	}
	tiles *tileCache
	// publishWait bounds how long Prove waits for a checkpoint to cover
	// an entry the log already holds (publishWaitFor).
	publishWait time.Duration
	// pollEvery is how often such a wait reads the checkpoint: a file
	// read for a local log, a request to the bucket for a shared one.
	pollEvery time.Duration
	// object reads a resource of a shared log from its bucket, to serve.
	object func(ctx context.Context, path string) (io.ReadCloser, int64, error)
}

// Open opens (or creates) the log in dir, signing checkpoints with signer.
// The signer's name is the log's origin. verifier must be its verifier key:
// checkpoints read back are checked before they are trusted. The whole log
// is checked first (Check): a corrupt log is not opened.
func Open(ctx context.Context, dir string, signer note.Signer, verifier note.Verifier, o Options) (*Log, error) {
	if err := checkPair(signer, verifier); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: create %s: %w", dir, err)
	}
	if err := checkOrigin(dir, signer.Name()); err != nil {
		return nil, err
	}
	if err := Check(ctx, dir, verifier); err != nil {
		return nil, err
	}
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: open %s: %w", dir, err)
	}
	l, err := start(ctx, driver, signer, verifier, o)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: start the appender on %s: %w", dir, err)
	}
	l.dir = dir
	return l, nil
}

// checkPair refuses a signer and a verifier of different keys.
func checkPair(signer note.Signer, verifier note.Verifier) error {
	if signer.Name() != verifier.Name() || signer.KeyHash() != verifier.KeyHash() {
		return glassbox.Errorf(glassbox.EINVALID, "the log's signing key %q and verifier key %q are not a pair", signer.Name(), verifier.Name())
	}
	return nil
}

// start runs Tessera's appender on a driver.
func start(ctx context.Context, driver tessera.Driver, signer note.Signer, verifier note.Verifier, o Options) (*Log, error) {
	// Tessera's goroutines live until Close, not until the caller's
	// context ends.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(o.CheckpointInterval).
		WithBatching(o.BatchMaxSize, o.BatchMaxAge).
		WithShutdownTimeout(30 * time.Second)
	timeout := o.WitnessTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if o.Witnesses != nil {
		opts.WithWitnesses(*o.Witnesses, &tessera.WitnessOptions{Timeout: timeout, FailOpen: false})
	}
	appender, shutdown, reader, err := tessera.NewAppender(lctx, driver, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	l := &Log{
		origin: signer.Name(), verifier: verifier,
		appender: appender, shutdown: shutdown, reader: reader, cancel: cancel,
		proofs: newProofCache(), tiles: newTileCache(reader.ReadTile, 4096),
		publishWait: publishWaitFor(o, timeout), pollEvery: 20 * time.Millisecond,
	}
	l.awaiter = tessera.NewPublicationAwaiter(lctx, l.readCheckpoint, 10*time.Millisecond)
	return l, nil
}

// checkOrigin records the log's origin on first use and refuses to reopen
// it under another: a log has one identity for life.
func checkOrigin(dir, origin string) error {
	p := filepath.Join(dir, ".origin")
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return glassbox.Errorf(glassbox.EINVALID, "tlog: %s holds files but no .origin; it is not a glassbox log", dir)
		}
		return os.WriteFile(p, []byte(origin+"\n"), 0o644)
	case err != nil:
		return glassbox.Errorf(glassbox.EINTERNAL, "tlog: %w", err)
	case string(b) != origin+"\n":
		return glassbox.Errorf(glassbox.EINVALID, "tlog: the log in %s has origin %q, not %q; use the key it was created with", dir, trimNL(b), origin)
	}
	return nil
}

func trimNL(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return string(b[:n-1])
	}
	return string(b)
}

// Origin returns the log's origin line.
func (l *Log) Origin() string { return l.origin }

// Dir returns the directory the log's tiles and checkpoint are kept in, or
// "" for a shared log (OpenShared).
func (l *Log) Dir() string { return l.dir }

// Verifier returns the verifier of the log's checkpoints.
func (l *Log) Verifier() note.Verifier { return l.verifier }

// Reader gives read access to the log's checkpoint, tiles and entries.
func (l *Log) Reader() tessera.LogReader { return l.reader }

// Close publishes what is pending and stops the log.
func (l *Log) Close(ctx context.Context) error {
	err := l.shutdown(ctx)
	l.cancel()
	return err
}

func (l *Log) readCheckpoint(ctx context.Context) ([]byte, error) {
	return l.reader.ReadCheckpoint(ctx)
}

// Add sequences a leaf and returns a function that waits for its index.
func (l *Log) Add(ctx context.Context, leaf []byte) (func() (uint64, error), error) {
	if len(leaf) == 0 || len(leaf) > MaxLeafSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a log leaf must hold 1 to %d bytes, not %d", MaxLeafSize, len(leaf))
	}
	future := l.appender.Add(ctx, tessera.NewEntry(leaf))
	return func() (uint64, error) {
		idx, err := future()
		if err != nil {
			return 0, glassbox.Errorf(glassbox.EINTERNAL, "tlog: append: %w", err)
		}
		return idx.Index, nil
	}, nil
}

// Inclusion is a leaf's place in the log, proved against a signed
// checkpoint.
type Inclusion struct {
	Index      uint64
	Checkpoint []byte   // the signed note
	Size       uint64   // the checkpoint's tree size
	Proof      [][]byte // RFC 6962 inclusion proof for Index in a tree of Size
}

// Append adds a leaf, waits until a published checkpoint commits to it, and
// returns its index, that checkpoint and the inclusion proof.
func (l *Log) Append(ctx context.Context, leaf []byte) (*Inclusion, error) {
	if len(leaf) == 0 || len(leaf) > MaxLeafSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a log leaf must hold 1 to %d bytes, not %d", MaxLeafSize, len(leaf))
	}
	idx, cp, err := l.awaiter.Await(ctx, l.appender.Add(ctx, tessera.NewEntry(leaf)))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: append: %w", err)
	}
	return l.Prove(ctx, idx.Index, cp)
}

// Prove returns the inclusion proof of the leaf at index against the signed
// checkpoint cp (the latest one if cp is nil).
func (l *Log) Prove(ctx context.Context, index uint64, cp []byte) (*Inclusion, error) {
	var c *log.Checkpoint
	var err error
	switch {
	case cp == nil && l.integrated(ctx, index):
		// The entry may be integrated but not yet under a published
		// checkpoint (another process of a shared log appended it, and
		// the index already names it): wait for the checkpoint that
		// covers it, as an append waits for its own.
		cp, c, err = l.awaitSize(ctx, index+1)
	case cp == nil:
		if cp, err = l.reader.ReadCheckpoint(ctx); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: read checkpoint: %w", err)
		}
		c, err = l.parseCheckpoint(cp)
	default:
		c, err = l.parseCheckpoint(cp)
	}
	if err != nil {
		return nil, err
	}
	if index >= c.Size {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "entry %d is not in the log's checkpoint of size %d", index, c.Size)
	}
	var hashes [][]byte
	err = l.withProofs(c.Size, func(pb *client.ProofBuilder) (err error) {
		hashes, err = pb.InclusionProof(ctx, index)
		return err
	})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: inclusion proof for %d in %d: %w", index, c.Size, err)
	}
	return &Inclusion{Index: index, Checkpoint: cp, Size: c.Size, Proof: hashes}, nil
}

// publishWaitFor is how long Prove waits for a checkpoint to cover an
// entry the log already holds: whichever process publishes next does so
// within a checkpoint interval, and a failed round of witnessing is asked
// again at the next; allow a few of each, and never less than 30 s, which
// also covers a replica that died with the entry integrated and the next
// one taking over.
func publishWaitFor(o Options, witnessTimeout time.Duration) time.Duration {
	d := 5 * o.CheckpointInterval
	if o.Witnesses != nil {
		d += 3 * witnessTimeout
	}
	return max(d, 30*time.Second)
}

// integrated reports whether the log's tree holds index, published or
// not.
func (l *Log) integrated(ctx context.Context, index uint64) bool {
	size, err := l.reader.IntegratedSize(ctx)
	return err == nil && index < size
}

// awaitSize waits until the published checkpoint covers size entries, or
// until publishWait or ctx ends, and returns the checkpoint it read last.
func (l *Log) awaitSize(ctx context.Context, size uint64) ([]byte, *log.Checkpoint, error) {
	deadline := time.Now().Add(l.publishWait)
	var last error
	for {
		cp, err := l.reader.ReadCheckpoint(ctx)
		switch {
		case err == nil:
			c, err := l.parseCheckpoint(cp)
			if err != nil {
				return nil, nil, err
			}
			if c.Size >= size {
				return cp, c, nil
			}
			if time.Now().After(deadline) {
				// The entry is in the tree but no checkpoint covers it
				// yet: the log is not publishing (witnesses refusing or
				// down, every writer gone), which asking again may cure.
				return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: no checkpoint covers entry %d after %s (the latest is of size %d): the log is not publishing; try again later", size-1, l.publishWait, c.Size)
			}
		case time.Now().After(deadline):
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: no checkpoint published after %s: the log is not publishing; try again later", l.publishWait)
			}
			return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: read checkpoint: %w", err)
		default:
			// None published yet, or the storage failing for a moment
			// (a shared log's bucket): worth waiting for.
			last = err
		}
		select {
		case <-ctx.Done():
			return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: waiting for a checkpoint of size %d: %w", size, errors.Join(ctx.Err(), last))
		case <-time.After(l.pollEvery):
		}
	}
}

// ConsistencyProof proves that the tree of size smaller is a prefix of the
// tree of size larger.
func (l *Log) ConsistencyProof(ctx context.Context, smaller, larger uint64) ([][]byte, error) {
	var p [][]byte
	err := l.withProofs(larger, func(pb *client.ProofBuilder) (err error) {
		p, err = pb.ConsistencyProof(ctx, smaller, larger)
		return err
	})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: consistency proof %d→%d: %w", smaller, larger, err)
	}
	return p, nil
}

// parseCheckpoint verifies one of the log's own checkpoints. Every receipt
// waiting on one checkpoint proves against the same note: the last one
// verified is remembered.
func (l *Log) parseCheckpoint(cp []byte) (*log.Checkpoint, error) {
	l.mu.Lock()
	if bytes.Equal(cp, l.lastCP.note) {
		c := l.lastCP.cp
		l.mu.Unlock()
		return c, nil
	}
	l.mu.Unlock()
	c, _, _, err := log.ParseCheckpoint(cp, l.origin, l.verifier)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: the log's own checkpoint does not verify: %w", err)
	}
	l.mu.Lock()
	l.lastCP.note, l.lastCP.cp = bytes.Clone(cp), c
	l.mu.Unlock()
	return c, nil
}

// withProofs runs fn with the proof builder for a tree size. Builders are
// not safe for concurrent use, so each is used under its own lock.
func (l *Log) withProofs(size uint64, fn func(*client.ProofBuilder) error) error {
	l.mu.Lock()
	b := l.proofs.get(size)
	if b == nil {
		pb, err := client.NewProofBuilder(context.Background(), size, l.tiles.read)
		if err != nil {
			l.mu.Unlock()
			return glassbox.Errorf(glassbox.EINTERNAL, "tlog: proofs for size %d: %w", size, err)
		}
		b = &lockedBuilder{pb: pb}
		l.proofs.put(size, b)
	}
	l.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	return fn(b.pb)
}

type lockedBuilder struct {
	mu sync.Mutex
	pb *client.ProofBuilder
}

// proofCache keeps the proof builders of the latest few tree sizes: every
// append waiting on one checkpoint proves against the same tree, and a
// builder caches the tiles it has read.
type proofCache struct {
	sizes    []uint64
	builders map[uint64]*lockedBuilder
}

func newProofCache() *proofCache {
	return &proofCache{builders: map[uint64]*lockedBuilder{}}
}

func (c *proofCache) get(size uint64) *lockedBuilder { return c.builders[size] }

func (c *proofCache) put(size uint64, b *lockedBuilder) {
	c.sizes = append(c.sizes, size)
	c.builders[size] = b
	if len(c.sizes) > 4 {
		delete(c.builders, c.sizes[0])
		c.sizes = c.sizes[1:]
	}
}

// State returns the log's integrated size and its latest checkpoint:
// while both are unchanged, so are its entries and every proof against
// its checkpoint.
func (l *Log) State(ctx context.Context) (uint64, []byte, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return 0, nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: %w", err)
	}
	cp, err := l.readCheckpoint(ctx)
	if err != nil {
		return 0, nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: %w", err)
	}
	return size, cp, nil
}

// Entries calls fn with every leaf from index start up to the log's
// integrated size, in order, and returns the index after the last.
func (l *Log) Entries(ctx context.Context, start uint64, fn func(index uint64, leaf []byte) error) (uint64, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return start, glassbox.Errorf(glassbox.EINTERNAL, "tlog: %w", err)
	}
	next := start
	for next < size {
		bundle, err := client.GetEntryBundle(ctx, l.reader.ReadEntryBundle, next/256, size)
		if err != nil {
			return next, glassbox.Errorf(glassbox.EINTERNAL, "tlog: read entries at %d: %w", next, err)
		}
		for i := next % 256; i < uint64(len(bundle.Entries)) && next < size; i++ {
			if err := fn(next, bundle.Entries[i]); err != nil {
				return next, err
			}
			next++
		}
	}
	return next, nil
}
