package jobs_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"glassbox.dev"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/jobs"
)

// pickups records when each job was queued and when a worker took it.
type pickups struct {
	mu     sync.Mutex
	queued map[string]time.Time
	lat    []time.Duration
	done   chan struct{}
	want   int
}

func newPickups(n int) *pickups {
	return &pickups{queued: map[string]time.Time{}, done: make(chan struct{}), want: n}
}

func (p *pickups) queue(key string) {
	p.mu.Lock()
	p.queued[key] = time.Now()
	p.mu.Unlock()
}

func (p *pickups) took(key string) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.queued[key].IsZero() {
		// The job may start before its enqueue call has returned.
		p.mu.Unlock()
		time.Sleep(time.Millisecond)
		p.mu.Lock()
	}
	p.lat = append(p.lat, now.Sub(p.queued[key]))
	if len(p.lat) == p.want {
		close(p.done)
	}
}

// measure runs the two phases of the benchmark with enqueue: a backlog
// of backlog jobs queued at once, drained at the queue's pace (jobs/s),
// then paced jobs queued one every interval, below that pace, each
// timed from its enqueue to its start (p50, p99).
func measure(b *testing.B, run func(p *pickups) (enqueue func(key string) error, stop func())) {
	const backlog, paced = 1000, 200
	const interval = 50 * time.Millisecond
	p := newPickups(backlog)
	enqueue, stop := run(p)
	start := time.Now()
	for i := range backlog {
		key := fmt.Sprintf("backlog %d", i)
		p.queue(key)
		if err := enqueue(key); err != nil {
			b.Fatal(err)
		}
	}
	<-p.done
	b.ReportMetric(float64(backlog)/time.Since(start).Seconds(), "jobs/s")
	p.mu.Lock()
	p.lat, p.want, p.done = nil, paced, make(chan struct{})
	p.mu.Unlock()
	for i := range paced {
		key := fmt.Sprintf("paced %d", i)
		p.queue(key)
		if err := enqueue(key); err != nil {
			b.Fatal(err)
		}
		time.Sleep(interval)
	}
	<-p.done
	stop()
	slices.Sort(p.lat)
	b.ReportMetric(float64(p.lat[len(p.lat)/2].Microseconds())/1000, "p50-pickup-ms")
	b.ReportMetric(float64(p.lat[len(p.lat)*99/100].Microseconds())/1000, "p99-pickup-ms")
	b.ReportMetric(0, "ns/op")
}

type noop struct{ p *pickups }

func (n noop) Run(_ context.Context, w *jobs.Work) (any, error) {
	n.p.took(keys.of(w.Release))
	return nil, nil
}

// keys maps the releases the glassbox jobs name back to the keys queued.
var keys = &keyIndex{m: map[glassbox.Digest]string{}}

type keyIndex struct {
	mu sync.Mutex
	m  map[glassbox.Digest]string
}

func (k *keyIndex) of(d glassbox.Digest) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[d]
}

// BenchmarkQueue: no-op jobs queued one after another while 4 workers
// take them, through glassbox's queue (its checks, events and heartbeats)
// and through River alone, on the same PostgreSQL in the same run:
// throughput with a backlog, and the time from a job's enqueue to its
// start (p50, p99) at 20 jobs a second.
//
//	GLASSBOX_TEST_POSTGRES=… go test ./jobs -run '^$' -bench BenchmarkQueue -benchtime 1x
func BenchmarkQueue(b *testing.B) {
	url := os.Getenv("GLASSBOX_TEST_POSTGRES")
	if url == "" {
		b.Skip("GLASSBOX_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	b.Run("glassbox", func(b *testing.B) {
		for range b.N {
			measure(b, func(p *pickups) (func(string) error, func()) {
				q, err := jobs.Open(ctx, jobs.Config{DB: centretest.PostgresSchema(b, url), Runner: noop{p}, Workers: 4, Heartbeat: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				if err := q.Start(ctx); err != nil {
					b.Fatal(err)
				}
				return func(key string) error {
					keys.mu.Lock()
					keys.m[glassbox.DigestOf([]byte(key))] = key
					keys.mu.Unlock()
					_, err := q.Enqueue(ctx, jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte(key))})
					return err
				}, func() { q.Close(ctx) }
			})
		}
	})
	b.Run("river", func(b *testing.B) {
		for range b.N {
			measure(b, func(p *pickups) (func(string) error, func()) {
				cfg, err := pgxpool.ParseConfig(centretest.PostgresSchema(b, url))
				if err != nil {
					b.Fatal(err)
				}
				pool, err := pgxpool.NewWithConfig(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				driver := riverpgxv5.New(pool)
				m, err := rivermigrate.New(driver, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
					b.Fatal(err)
				}
				workers := river.NewWorkers()
				river.AddWorker(workers, river.WorkFunc(func(_ context.Context, j *river.Job[noopArgs]) error {
					p.took(j.Args.Key)
					return nil
				}))
				c, err := river.NewClient(driver, &river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Start(ctx); err != nil {
					b.Fatal(err)
				}
				return func(key string) error {
					_, err := c.Insert(ctx, noopArgs{Key: key}, nil)
					return err
				}, func() { c.Stop(ctx); pool.Close() }
			})
		}
	})
}

type noopArgs struct {
	Key string `json:"key"`
}

func (noopArgs) Kind() string { return "noop" }
