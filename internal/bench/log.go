package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evidence"
	"glassbox.dev/notary"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// LogOptions shape BenchLog.
type LogOptions struct {
	Dir      string        // work directory, on the disk to measure
	Writers  int           // concurrent writers (default 256)
	Duration time.Duration // how long each contender runs (default 10 s)
	Log      io.Writer
}

// LogReport is the result of Log.
type LogReport struct {
	Writers               int     `json:"writers"`
	RawPerSecond          float64 `json:"raw_tessera_sequenced_per_second"`
	RawPublishedPerSecond float64 `json:"raw_tessera_published_per_second"`
	GlassboxPerSec        float64 `json:"glassbox_attestations_per_second"`
	Ratio                 float64 `json:"ratio_to_raw_tessera_published"`
	RatioSequenced        float64 `json:"ratio_to_raw_tessera_sequenced"`
	P50Millis             float64 `json:"p50_submit_to_receipt_ms"`
	P99Millis             float64 `json:"p99_submit_to_receipt_ms"`
	VerifyMicros          float64 `json:"verify_receipt_us"`
	VerifyHashMicros      float64 `json:"verify_receipt_with_1mib_hash_us"`
}

// Log measures sustained appends: raw Tessera POSIX (512-byte entries,
// sequenced, with the batching and checkpoint options glassbox's log uses)
// next to glassbox's whole attestation path (sign, store the
// envelope, append, wait for a checkpoint, prove, build the receipt), with
// the same number of concurrent writers in the same run; and the time to
// verify one receipt.
func Log(ctx context.Context, o LogOptions) (*LogReport, error) {
	if o.Writers <= 0 {
		o.Writers = 256
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	rep := &LogReport{Writers: o.Writers}

	skey, vkey, err := note.GenerateKey(rand.Reader, "bench.glassbox.test/log")
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	if _, err := note.NewVerifier(vkey); err != nil {
		return nil, err
	}

	// Raw Tessera: the same options glassbox's log uses.
	rawDir := filepath.Join(o.Dir, "raw")
	os.RemoveAll(rawDir)
	driver, err := posix.New(ctx, posix.Config{Path: rawDir})
	if err != nil {
		return nil, err
	}
	rctx, rcancel := context.WithCancel(ctx)
	to := tlog.DefaultOptions()
	appender, shutdown, reader, err := tessera.NewAppender(rctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).WithCheckpointInterval(to.CheckpointInterval).WithBatching(to.BatchMaxSize, to.BatchMaxAge))
	if err != nil {
		rcancel()
		return nil, err
	}
	entry := make([]byte, 512)
	n, _ := run(o.Writers, o.Duration, func(w, i int) error {
		e := slices.Clone(entry)
		copy(e, fmt.Sprintf("%d/%d", w, i))
		_, err := appender.Add(rctx, tessera.NewEntry(e))()
		return err
	})
	rep.RawPerSecond = float64(n) / o.Duration.Seconds()
	logf("raw Tessera POSIX, sequenced, %d writers: %.0f entries/s", o.Writers, rep.RawPerSecond)
	// A receipt needs a checkpoint that covers the entry: the raw
	// equivalent of glassbox's path waits for publication too.
	awaiter := tessera.NewPublicationAwaiter(rctx, reader.ReadCheckpoint, 10*time.Millisecond)
	n, _ = run(o.Writers, o.Duration, func(w, i int) error {
		e := slices.Clone(entry)
		copy(e, fmt.Sprintf("p%d/%d", w, i))
		_, _, err := awaiter.Await(rctx, appender.Add(rctx, tessera.NewEntry(e)))
		return err
	})
	shutdown(ctx)
	rcancel()
	rep.RawPublishedPerSecond = float64(n) / o.Duration.Seconds()
	logf("raw Tessera POSIX, sequenced and published (awaited checkpoint), %d writers: %.0f entries/s", o.Writers, rep.RawPublishedPerSecond)

	// glassbox: the notary on a fresh data directory.
	gbDir := filepath.Join(o.Dir, "glassbox")
	os.RemoveAll(gbDir)
	kf, err := attest.GenerateKeys(filepath.Join(gbDir, "keys"), "bench.glassbox.test/log2", false)
	if err != nil {
		return nil, err
	}
	as, err := attest.LoadSigner(kf.PrivateKeyPath)
	if err != nil {
		return nil, err
	}
	ls, err := attest.LoadLogSigner(kf.LogSignerKeyPath)
	if err != nil {
		return nil, err
	}
	lv, err := attest.LoadLogVerifier(kf.LogVerifierKeyPath)
	if err != nil {
		return nil, err
	}
	blobs, err := evidence.OpenFS(filepath.Join(gbDir, "evidence"))
	if err != nil {
		return nil, err
	}
	defer blobs.Close()
	meta, err := sqlite.Open(ctx, filepath.Join(gbDir, "glassbox.db"))
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	l, err := tlog.Open(ctx, filepath.Join(gbDir, "log"), ls, lv, tlog.Options{})
	if err != nil {
		return nil, err
	}
	nt, err := notary.New(ctx, as, l, blobs, meta)
	if err != nil {
		return nil, err
	}
	var latMu sync.Mutex
	var lats []time.Duration
	var sample atomic.Pointer[tlog.Receipt]
	n, err = run(o.Writers, o.Duration, func(w, i int) error {
		start := time.Now()
		r, err := nt.Attest(ctx, notary.Request{
			Subjects:      []attest.Subject{{Name: "fw.bin", Digest: glassbox.DigestOf(fmt.Appendf(nil, "%d/%d", w, i))}},
			PredicateType: glassbox.PredicateVSA,
			Predicate:     vsaPredicate,
		})
		if err != nil {
			return err
		}
		d := time.Since(start)
		latMu.Lock()
		lats = append(lats, d)
		latMu.Unlock()
		sample.Store(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	nt.Close(ctx)
	l.Close(ctx)
	rep.GlassboxPerSec = float64(n) / o.Duration.Seconds()
	rep.Ratio = rep.GlassboxPerSec / rep.RawPublishedPerSecond
	rep.RatioSequenced = rep.GlassboxPerSec / rep.RawPerSecond
	slices.Sort(lats)
	rep.P50Millis = float64(lats[len(lats)/2].Microseconds()) / 1000
	rep.P99Millis = float64(lats[len(lats)*99/100].Microseconds()) / 1000
	logf("glassbox attest (sign + store + append + checkpoint + proof + receipt), %d writers: %.0f attestations/s = %.2f × raw published, %.2f × raw sequenced; submit→receipt p50 %.0f ms, p99 %.0f ms",
		o.Writers, rep.GlassboxPerSec, rep.Ratio, rep.RatioSequenced, rep.P50Millis, rep.P99Millis)

	// Verifying one receipt, with and without hashing a 1 MiB artefact.
	receipt, err := sample.Load().Marshal()
	if err != nil {
		return nil, err
	}
	pub, err := attest.LoadPublicKey(kf.PublicKeyPath)
	if err != nil {
		return nil, err
	}
	_, p, err := tlog.ParseReceipt(receipt)
	if err != nil {
		return nil, err
	}
	leaf, err := attest.ParseLeaf(p.ExtraData)
	if err != nil {
		return nil, err
	}
	vo := verify.Options{Key: pub, LogVerifier: lv, Now: time.Now()}
	const rounds = 2000
	start := time.Now()
	for range rounds {
		res, err := verify.Receipt(ctx, leaf.Subjects[0], receipt, vo)
		if err != nil || !res.Allowed {
			return nil, fmt.Errorf("verifying the sample receipt: %v %v", err, res)
		}
	}
	rep.VerifyMicros = float64(time.Since(start).Microseconds()) / rounds
	artefact := make([]byte, 1<<20)
	start = time.Now()
	for range rounds / 10 {
		glassbox.DigestOf(artefact)
	}
	hash := float64(time.Since(start).Microseconds()) / (rounds / 10)
	rep.VerifyHashMicros = rep.VerifyMicros + hash
	logf("verify one receipt: %.0f µs (plus %.0f µs to hash a 1 MiB artefact)", rep.VerifyMicros, hash)
	return rep, nil
}

var vsaPredicate = json.RawMessage(`{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"2026-11-27T00:00:00Z","resourceUri":"https://glassbox.example/releases/x","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_3"]}`)

// run calls fn from writers goroutines until d has passed, and returns how
// many calls succeeded.
func run(writers int, d time.Duration, fn func(w, i int) error) (int64, error) {
	var n atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				if err := fn(w, i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return n.Load(), err
	}
	return n.Load(), nil
}
