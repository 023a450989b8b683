package access

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"glassbox.dev/internal/centretest"
	"glassbox.dev/tlog"
)

// BenchmarkRecord measures what the access record adds to a read of one
// source file: the time from Record's call to its return (signed, stored
// as evidence, appended, in a published checkpoint, proved), with the
// log's production settings (tlog.DefaultOptions: a checkpoint every
// 100 ms). It reports the p50 and p99 of that time in milliseconds and the
// reads recorded per second, for one reader at a time and for 64 at once
// (an evaluator's tool fetching files in parallel: their statements share
// the log's batches and checkpoints). Use -benchtime=200x or more: the
// quantiles need samples.
func BenchmarkRecord(b *testing.B) {
	for _, readers := range []int{1, 64} {
		b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
			c := centretest.NewWithLog(b, "access.bench/log", tlog.Options{})
			r := NewRecorder(c.Notary, c.Store, c.Key)
			rel := release("1.0.0")
			ctx := context.Background()
			var (
				next atomic.Int64
				mu   sync.Mutex
				lat  = make([]time.Duration, 0, b.N)
				wg   sync.WaitGroup
			)
			b.ResetTimer()
			start := time.Now()
			for range readers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						read := sourceRead(rel, fmt.Sprintf("user-%d", i%8), fmt.Sprintf("src/pkg%d/file%d.c", i%16, i))
						t0 := time.Now()
						if _, err := r.Record(ctx, read); err != nil {
							b.Error(err)
							return
						}
						d := time.Since(t0)
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if len(lat) == 0 {
				return
			}
			slices.Sort(lat)
			b.ReportMetric(quantile(lat, 0.50), "p50-ms")
			b.ReportMetric(quantile(lat, 0.99), "p99-ms")
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "reads/s")
		})
	}
}

// quantile returns the q-quantile of sorted durations in milliseconds
// (nearest rank).
func quantile(sorted []time.Duration, q float64) float64 {
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}
