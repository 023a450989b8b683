package tlog

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev/internal/witnesstest"
)

// BenchmarkAppendWitnessed measures what witnessing costs the centre: 256
// writers append to a log with the production options (a checkpoint every
// 100 ms), each waiting for its entry's published checkpoint as a receipt
// does, first without witnesses, then with three real witnesses
// (litewitness on loopback) and a policy of two of them. It reports
// entries per second; the target is ≥ 0.8 of the unwitnessed rate.
func BenchmarkAppendWitnessed(b *testing.B) {
	for _, witnessed := range []bool{false, true} {
		name := "unwitnessed"
		if witnessed {
			name = "2-of-3-witnesses"
		}
		b.Run(name, func(b *testing.B) {
			origin := "bench.test/" + name
			skey, vkey, err := note.GenerateKey(rand.Reader, origin)
			if err != nil {
				b.Fatal(err)
			}
			signer, _ := note.NewSigner(skey)
			verifier, _ := note.NewVerifier(vkey)
			var o Options
			if witnessed {
				ws := witnesstest.Start(b, 3, origin, vkey)
				if o.Witnesses, err = ParseWitnessPolicy(witnesstest.Policy(ws, 2)); err != nil {
					b.Fatal(err)
				}
			}
			l, err := Open(context.Background(), filepath.Join(b.TempDir(), "log"), signer, verifier, o)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close(context.Background())
			var next atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			b.ResetTimer()
			for w := 0; w < 256; w++ {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						_, err := l.Append(ctx, []byte(fmt.Sprintf("entry %d", i)))
						cancel()
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
		})
	}
}
