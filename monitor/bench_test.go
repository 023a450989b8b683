package monitor_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/monitor"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// benchLog is a log of GLASSBOX_MONITOR_ENTRIES (default 1,000,000)
// glassbox leaves, built once per run of the benchmarks.
var benchLog struct {
	sync.Once
	url  string
	v    note.Verifier
	size uint64
	err  error
}

func buildBenchLog(b *testing.B) {
	benchLog.Do(func() {
		n := uint64(1_000_000)
		if s := os.Getenv("GLASSBOX_MONITOR_ENTRIES"); s != "" {
			fmt.Sscan(s, &n)
		}
		skey, vkey, err := note.GenerateKey(rand.Reader, "bench.test/monitor")
		if err != nil {
			benchLog.err = err
			return
		}
		signer, _ := note.NewSigner(skey)
		v, _ := note.NewVerifier(vkey)
		dir, err := os.MkdirTemp("", "glassbox-monitor-bench")
		if err != nil {
			benchLog.err = err
			return
		}
		l, err := tlog.Open(context.Background(), filepath.Join(dir, "log"), signer, v, tlog.Options{BatchMaxSize: 4096, BatchMaxAge: 100 * time.Millisecond})
		if err != nil {
			benchLog.err = err
			return
		}
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		start := time.Now()
		var wait []func() (uint64, error)
		for i := range n {
			leaf, err := attest.Leaf{Envelope: glassbox.DigestOf(fmt.Appendf(nil, "envelope %d", i)), KeyID: attest.KeyID(pub), PredicateType: glassbox.PredicateVSA,
				Subjects: []glassbox.Digest{glassbox.DigestOf(fmt.Appendf(nil, "artefact %d", i))}}.Marshal()
			if err != nil {
				benchLog.err = err
				return
			}
			w, err := l.Add(context.Background(), leaf)
			if err != nil {
				benchLog.err = err
				return
			}
			wait = append(wait, w)
			if len(wait) == 65536 || i == n-1 {
				for _, w := range wait {
					if _, err := w(); err != nil {
						benchLog.err = err
						return
					}
				}
				wait = wait[:0]
			}
		}
		// The last checkpoint must commit to every entry.
		for {
			inc, err := l.Prove(context.Background(), n-1, nil)
			if err == nil && inc.Size == n {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		fmt.Fprintf(os.Stderr, "built a log of %d entries in %v\n", n, time.Since(start).Round(time.Second))
		srv := httptest.NewServer(l.Handler())
		benchLog.url, benchLog.v, benchLog.size = srv.URL, v, n
	})
	if benchLog.err != nil {
		b.Fatal(benchLog.err)
	}
}

// BenchmarkMonitor measures the monitor on a log of 1,000,000 entries
// served over loopback: verifying every entry (fetching its bundle,
// hashing it into the tree, parsing it as a leaf, checking the root
// against the checkpoint) against only fetching the same entry bundles,
// with the same number of fetches at once (8). It reports entries/s; the
// target is ≥ 20,000/s.
func BenchmarkMonitor(b *testing.B) {
	buildBenchLog(b)
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			m, err := monitor.New(monitor.Options{Logs: []monitor.Log{{URL: benchLog.url, Verifier: benchLog.v}}, StateDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			bad, err := m.Run(context.Background())
			if bad || err != nil {
				b.Fatalf("bad %v, %v", bad, err)
			}
			b.ReportMetric(float64(benchLog.size)/time.Since(start).Seconds(), "entries/s")
		}
	})
	b.Run("fetch-only", func(b *testing.B) {
		r, err := verify.NewRemote(benchLog.url, nil)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			start := time.Now()
			bundles := (benchLog.size + 255) / 256
			sem := make(chan struct{}, 8)
			var wg sync.WaitGroup
			for n := range bundles {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					if _, err := r.EntryBundle(context.Background(), n, benchLog.size); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(benchLog.size)/time.Since(start).Seconds(), "entries/s")
		}
	})
}
