package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/jobs"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// backends are the databases the queue is tested on: SQLite in the data
// directory always, PostgreSQL when GLASSBOX_TEST_POSTGRES names a server
// (each test in a schema of its own).
func backends(t *testing.T) map[string]func(t *testing.T) string {
	b := map[string]func(t *testing.T) string{"sqlite": func(*testing.T) string { return "" }}
	if url := os.Getenv("GLASSBOX_TEST_POSTGRES"); url != "" {
		b["postgres"] = func(t *testing.T) string { return centretest.PostgresSchema(t, url) }
	}
	return b
}

// runnerFunc runs jobs with a function: the tests of cancellation and
// retries, whose work must block or fail on cue.
type runnerFunc func(ctx context.Context, w *jobs.Work) (any, error)

func (f runnerFunc) Run(ctx context.Context, w *jobs.Work) (any, error) { return f(ctx, w) }

func open(t *testing.T, c jobs.Config) *jobs.Queue {
	t.Helper()
	q, err := jobs.Open(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close(context.Background()) })
	return q
}

// follow returns every event of a job until it finishes, and the job.
func follow(t *testing.T, q *jobs.Queue, id int64) ([]jobs.Event, *jobs.Job) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	ch, err := q.Subscribe(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var evs []jobs.Event
	for ev := range ch {
		evs = append(evs, ev)
	}
	j, err := q.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !j.State.Finished() {
		t.Fatalf("job %d is still %s after two minutes; events %v", id, j.State, evs)
	}
	return evs, j
}

func has(evs []jobs.Event, stage, state string) bool {
	for _, ev := range evs {
		if ev.Stage == stage && ev.State == state {
			return true
		}
	}
	return false
}

func centreRunner(t *testing.T, c *centretest.Centre) *jobs.Centre {
	t.Helper()
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Centre{Evaluator: &evaluate.Evaluator{Blobs: c.Blobs, Store: c.Store, Library: lib, Notary: c.Notary,
		Vulns: &vuln.Store{Blobs: c.Blobs, Current: vuln.FilePointer(filepath.Join(t.TempDir(), "current"))}}}
}

// TestAnEvaluationJobRunsToDone queues an evaluation, follows it to the
// end and finds each stage's start and end among its events, the verdict
// in its output, and one evaluation record of the release.
func TestAnEvaluationJobRunsToDone(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c := centretest.New(t, "jobs.test/log")
			rel := c.Router(t)
			q := open(t, jobs.Config{DataDir: c.Dir, DB: db(t), Runner: centreRunner(t, c)})
			id, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindEvaluate, Release: rel.ID, Standards: []string{"cra-annex-i"}})
			if err != nil {
				t.Fatal(err)
			}
			evs, j := follow(t, q, id)
			if j.State != jobs.Done || j.Attempt != 1 {
				t.Fatalf("job %+v; want done at the first attempt; events %v", j, evs)
			}
			for _, stage := range []string{"source", "rebuild", "scan", "sbom", "vulnerabilities", "sign evidence"} {
				if !has(evs, stage, string(evaluate.StageStarted)) {
					t.Errorf("no event says stage %q started: %v", stage, evs)
				}
			}
			if !has(evs, jobs.StageJob, string(jobs.Running)) || evs[len(evs)-1].Stage != jobs.StageJob || evs[len(evs)-1].State != string(jobs.Done) {
				t.Errorf("the events do not begin with the job running and end with it done: %v", evs)
			}
			var out evaluate.Record
			if err := json.Unmarshal(j.Output, &out); err != nil || out.Verdict == "" || len(out.VSAs) != 1 {
				t.Errorf("output %s (%v): want the verdict and one VSA", j.Output, err)
			}
			h, err := evaluate.History(t.Context(), c.Blobs, c.Store, rel.ID)
			if err != nil || len(h) != 1 {
				t.Fatalf("history %v, %v: want one evaluation record", h, err)
			}
			list, err := q.List(t.Context(), jobs.Filter{Release: rel.ID, States: []jobs.State{jobs.Done}})
			if err != nil || len(list) != 1 || list[0].ID != id {
				t.Errorf("List(release, done) = %v, %v; want job %d", list, err, id)
			}
		})
	}
}

// TestTheSameJobIsNotQueuedTwice: a second identical evaluation of a
// release (the standards in any order) is refused with the first one's ID;
// other standards, another kind or a fresh run are other jobs.
func TestTheSameJobIsNotQueuedTwice(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			// No runner: this queue only queues, as an API whose workers
			// run elsewhere.
			q := open(t, jobs.Config{DataDir: t.TempDir(), DB: db(t)})
			rel := glassbox.DigestOf([]byte("a release"))
			first, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindEvaluate, Release: rel, Standards: []string{"osps-l1", "cra-annex-i"}})
			if err != nil {
				t.Fatal(err)
			}
			again, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindEvaluate, Release: rel, Standards: []string{"cra-annex-i", "osps-l1", "cra-annex-i"}})
			if glassbox.ErrorCode(err) != glassbox.ECONFLICT || again != first {
				t.Errorf("second identical evaluation: job %d, %v; want ECONFLICT naming job %d", again, err, first)
			}
			for _, r := range []jobs.Request{
				{Kind: jobs.KindEvaluate, Release: rel, Standards: []string{"cra-annex-i"}},
				{Kind: jobs.KindEvaluate, Release: rel, Standards: []string{"osps-l1", "cra-annex-i"}, Fresh: true},
				{Kind: jobs.KindScan, Release: rel},
			} {
				if id, err := q.Enqueue(t.Context(), r); err != nil || id == first {
					t.Errorf("%+v: job %d, %v; want a new job", r, id, err)
				}
			}
			for _, r := range []jobs.Request{
				{Kind: jobs.KindEvaluate, Release: rel},
				{Kind: jobs.KindScan, Release: rel, Standards: []string{"cra-annex-i"}},
				{Kind: "deploy", Release: rel},
				{Kind: jobs.KindScan, Release: "sha256:1234"},
			} {
				if _, err := q.Enqueue(t.Context(), r); glassbox.ErrorCode(err) != glassbox.EINVALID {
					t.Errorf("%+v: %v; want EINVALID", r, err)
				}
			}
			j, err := q.Get(t.Context(), first)
			if err != nil || j.State != jobs.Queued || j.Kind != jobs.KindEvaluate || j.Release != rel || strings.Join(j.Standards, ",") != "cra-annex-i,osps-l1" {
				t.Errorf("Get = %+v, %v", j, err)
			}
			if _, err := q.Get(t.Context(), 999999); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
				t.Errorf("Get of no job: %v; want ENOTFOUND", err)
			}
			if list, err := q.List(t.Context(), jobs.Filter{Kind: jobs.KindScan}); err != nil || len(list) != 1 {
				t.Errorf("List(scan) = %v, %v; want one job", list, err)
			}
		})
	}
}

// TestBadInputFailsAtOnce: an evaluation of a release that does not exist
// fails at its first attempt, with the reason, and is not retried.
func TestBadInputFailsAtOnce(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c := centretest.New(t, "jobs.test/log")
			q := open(t, jobs.Config{DataDir: c.Dir, DB: db(t), Runner: centreRunner(t, c)})
			id, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindEvaluate, Release: glassbox.DigestOf([]byte("nothing")), Standards: []string{"cra-annex-i"}})
			if err != nil {
				t.Fatal(err)
			}
			evs, j := follow(t, q, id)
			if j.State != jobs.Failed || j.Attempt != 1 || !strings.Contains(j.Reason, "no release") {
				t.Errorf("job %+v; want failed at the first attempt, saying there is no such release", j)
			}
			if last := evs[len(evs)-1]; last.State != string(jobs.Failed) || !strings.Contains(last.Message, "no release") {
				t.Errorf("last event %+v; want the failure with its reason", last)
			}
		})
	}
}

// TestAFailureIsRetriedThenFails: a job whose work fails is tried again
// after a backoff; the one that succeeds on its second attempt is done,
// the one that fails every attempt is failed with the last reason.
func TestAFailureIsRetriedThenFails(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			clocks := make(chan time.Time, 4)
			run := runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				if w.Release == glassbox.DigestOf([]byte("flaky")) {
					clocks <- w.At
				}
				if w.Release == glassbox.DigestOf([]byte("flaky")) && w.Attempt > 1 {
					return map[string]int{"attempts": w.Attempt}, nil
				}
				return nil, fmt.Errorf("the disk is full (attempt %d)", w.Attempt)
			})
			q := open(t, jobs.Config{DataDir: t.TempDir(), DB: db(t), Runner: run, MaxAttempts: 2})
			flaky, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte("flaky"))})
			if err != nil {
				t.Fatal(err)
			}
			evs, j := follow(t, q, flaky)
			var out struct{ Attempts int }
			if json.Unmarshal(j.Output, &out); j.State != jobs.Done || j.Attempt != 2 || out.Attempts != 2 {
				t.Errorf("job %+v (output %s); want done at the second attempt", j, j.Output)
			}
			if !has(evs, jobs.StageJob, string(jobs.Queued)) {
				t.Errorf("no event says the first attempt failed and was retried: %v", evs)
			}
			if first, second := <-clocks, <-clocks; !first.Equal(second) {
				t.Errorf("the attempts ran at %v and %v; want both at the first attempt's time", first, second)
			}

			broken, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte("broken"))})
			if err != nil {
				t.Fatal(err)
			}
			if testing.Short() {
				t.Skip("the second retry waits for River's backoff (16 s)")
			}
			_, j = follow(t, q, broken)
			if j.State != jobs.Failed || j.Attempt != 2 || !strings.Contains(j.Reason, "the disk is full (attempt 2)") {
				t.Errorf("job %+v; want failed after two attempts with the last reason", j)
			}
		})
	}
}

// TestCancelStopsARunningJob: Cancel ends a running job's context within
// seconds; the job is cancelled, not failed, and not retried.
func TestCancelStopsARunningJob(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			stopped := make(chan error, 1)
			run := runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				w.Progress("wait", "started", "until cancelled")
				<-ctx.Done()
				stopped <- ctx.Err()
				return nil, ctx.Err()
			})
			q := open(t, jobs.Config{DataDir: t.TempDir(), DB: db(t), Runner: run})
			id, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindRebuild, Release: glassbox.DigestOf([]byte("long"))})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := q.Subscribe(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			for ev := range ch {
				if ev.Stage == "wait" {
					break
				}
			}
			if j, err := q.Get(t.Context(), id); err != nil || j.State != jobs.Running {
				t.Fatalf("job %+v, %v; want running", j, err)
			}
			if _, err := q.Cancel(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-stopped:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the job's context ended with %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the running job's context did not end within 30 s of Cancel")
			}
			_, j := follow(t, q, id)
			if j.State != jobs.Cancelled || j.Attempt != 1 {
				t.Errorf("job %+v; want cancelled after one attempt", j)
			}
			// A queued job is cancelled before it runs.
			q2 := open(t, jobs.Config{DataDir: t.TempDir(), DB: db(t)})
			id2, err := q2.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte("never"))})
			if err != nil {
				t.Fatal(err)
			}
			if j, err := q2.Cancel(t.Context(), id2); err != nil || j.State != jobs.Cancelled || j.Attempt != 0 {
				t.Errorf("cancelled queued job: %+v, %v", j, err)
			}
		})
	}
}

// TestAStoppedWorkerLeavesItsJobQueued: closing the queue while a job runs
// puts the job back; the next worker runs it with the same clock.
func TestAStoppedWorkerLeavesItsJobQueued(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir, url := t.TempDir(), db(t)
			started := make(chan time.Time, 1)
			block := runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				started <- w.At
				<-ctx.Done()
				return nil, ctx.Err()
			})
			q, err := jobs.Open(t.Context(), jobs.Config{DataDir: dir, DB: url, Runner: block})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			id, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte("r"))})
			if err != nil {
				t.Fatal(err)
			}
			at := <-started
			if err := q.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			again := make(chan time.Time, 1)
			q = open(t, jobs.Config{DataDir: dir, DB: url, Runner: runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				again <- w.At
				return nil, nil
			})})
			_, j := follow(t, q, id)
			if ran := <-again; j.State != jobs.Done || !ran.Equal(at) {
				t.Errorf("job %+v ran again at %v; want done, at %v", j, ran, at)
			}
		})
	}
}

// TestARerunOfAJobSignsNothingNew runs the same evaluation job twice, as
// a worker does after the first one's process was killed: the second
// attempt signs the same VSA (the log holds one verdict about the
// artefact) and the release keeps one evaluation record.
func TestARerunOfAJobSignsNothingNew(t *testing.T) {
	c := centretest.New(t, "jobs.test/log")
	rel := c.Router(t)
	run := centreRunner(t, c)
	w := &jobs.Work{Job: 7, Attempt: 1, At: time.Now().Add(-time.Minute),
		Request: jobs.Request{Kind: jobs.KindEvaluate, Release: rel.ID, Standards: []string{"cra-annex-i"}}}
	first, err := run.Run(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	w.Attempt = 2
	second, err := run.Run(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	a, b := first.(*evaluate.Record), second.(*evaluate.Record)
	if len(a.VSAs) != 1 || len(b.VSAs) != 1 || a.VSAs[0].Envelope != b.VSAs[0].Envelope {
		t.Errorf("the attempts signed VSAs %v and %v; want the same one", a.VSAs, b.VSAs)
	}
	h, err := evaluate.History(t.Context(), c.Blobs, c.Store, rel.ID)
	if err != nil || len(h) != 1 {
		t.Errorf("history %v, %v: want one evaluation record", h, err)
	}
	logged, err := c.Notary.About(t.Context(), rel.Manifest.Artifacts[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	vsas := 0
	for _, l := range logged {
		if l.PredicateType == glassbox.PredicateVSA {
			vsas++
		}
	}
	if vsas != 1 {
		t.Errorf("the log holds %d VSAs about the artefact; want 1", vsas)
	}
}

// TestRebuildAndScanJobs: a scan job records the release's scan and says
// where it is; a rebuild of a release with no recipe to rebuild it fails
// at once, saying why.
func TestRebuildAndScanJobs(t *testing.T) {
	c := centretest.New(t, "jobs.test/log")
	rel := c.Router(t)
	q := open(t, jobs.Config{DataDir: c.Dir, Runner: centreRunner(t, c)})
	scan, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: rel.ID})
	if err != nil {
		t.Fatal(err)
	}
	evs, j := follow(t, q, scan)
	var out jobs.Scanned
	if err := json.Unmarshal(j.Output, &out); err != nil || j.State != jobs.Done || out.Result == "" || out.SARIF == "" {
		t.Fatalf("scan job %+v, output %s (%v); want done with the result and its SARIF", j, j.Output, err)
	}
	if !has(evs, "scan", string(evaluate.StageStarted)) || !has(evs, "scan", string(evaluate.StageDone)) {
		t.Errorf("the scan stage's start and end are not among the events: %v", evs)
	}
	if ds, err := c.Store.FindEvidence(t.Context(), rel.ID, "scan/result"); err != nil || len(ds) != 1 || ds[0] != out.Result {
		t.Errorf("the release's scan evidence is %v (%v); want the job's result %s", ds, err, out.Result)
	}
	rebuild, err := q.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindRebuild, Release: rel.ID})
	if err != nil {
		t.Fatal(err)
	}
	evs, j = follow(t, q, rebuild)
	if j.State != jobs.Failed || j.Attempt != 1 || !strings.Contains(j.Reason, "has no recipe") || !has(evs, "rebuild", string(evaluate.StageFailed)) {
		t.Errorf("rebuild job without a recipe: %+v, events %v; want it failed at once, saying there is no recipe", j, evs)
	}
}

// TestALostWorkersJobIsRunAgain has two workers on one queue. While the
// one running a job beats, the other leaves the job alone, however long
// it runs; once its heartbeat stops (as when its process is killed), the
// other runs the job again within a few heartbeats, long before the
// job's timeout, and says why in the job's events.
func TestALostWorkersJobIsRunAgain(t *testing.T) {
	const beat = 50 * time.Millisecond
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir, url := t.TempDir(), db(t)
			started := make(chan struct{}, 1)
			a := open(t, jobs.Config{DataDir: dir, DB: url, Heartbeat: beat, Runner: runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				started <- struct{}{}
				<-ctx.Done()
				return nil, ctx.Err()
			})})
			id, err := a.Enqueue(t.Context(), jobs.Request{Kind: jobs.KindScan, Release: glassbox.DigestOf([]byte("r"))})
			if err != nil {
				t.Fatal(err)
			}
			<-started
			ran := make(chan int, 1)
			b := open(t, jobs.Config{DataDir: dir, DB: url, Heartbeat: beat, Runner: runnerFunc(func(ctx context.Context, w *jobs.Work) (any, error) {
				ran <- w.Attempt
				return nil, nil
			})})

			time.Sleep(30 * beat)
			if j, err := b.Get(t.Context(), id); err != nil || j.State != jobs.Running || j.Attempt != 1 {
				t.Fatalf("while its worker beats the job is %+v (%v); want running its first attempt", j, err)
			}

			jobs.StopHeartbeat(a)
			evs, j := follow(t, b, id)
			if j.State != jobs.Done || j.Attempt != 2 || <-ran != 2 {
				t.Fatalf("job %+v; want done by the other worker at the second attempt; events %v", j, evs)
			}
			rescued := false
			for _, ev := range evs {
				rescued = rescued || ev.State == string(jobs.Queued) && strings.Contains(ev.Message, "no heartbeat")
			}
			if !rescued {
				t.Errorf("no event says the job was queued again for its worker's lost heartbeat: %v", evs)
			}
		})
	}
}
