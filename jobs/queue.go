package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"glassbox.dev"
	"glassbox.dev/postgres"
)

// Defaults of Config.
const (
	DefaultWorkers     = 1
	DefaultTimeout     = time.Hour
	DefaultMaxAttempts = 3
)

// Config opens a queue.
type Config struct {
	// DataDir is the data directory: the queue is DataDir/jobs.db when DB
	// is empty.
	DataDir string
	// DB is the centre's metadata database when it is PostgreSQL (a
	// postgres:// URL), whose search_path the queue's tables go into;
	// empty for SQLite.
	DB string
	// Runner runs the jobs; nil opens the queue only to queue, read and
	// cancel jobs (an API that leaves the work to 'glassbox worker').
	Runner Runner
	// Workers is how many jobs run at once (DefaultWorkers if zero);
	// ignored without a Runner.
	Workers int
	// Timeout is the longest a job may run; its context then ends and it
	// is retried. DefaultTimeout if zero.
	Timeout time.Duration
	// Heartbeat is how often a worker process records that it is alive
	// (DefaultHeartbeat if zero). A running job whose worker missed six
	// heartbeats (its process was killed, or its machine lost) is run
	// again; as a last resort, so is a job still marked running after
	// Timeout and a margin (a quarter of it, at most a minute).
	Heartbeat time.Duration
	// MaxAttempts is how often a job is tried before it fails
	// (DefaultMaxAttempts if zero). A job whose input is bad (EINVALID,
	// ENOTFOUND) fails at once.
	MaxAttempts int
	// Logger is River's (slog.Default if nil).
	Logger *slog.Logger
}

// rescueMargin is how long past its timeout a running job must be before
// it is taken for orphaned: time for a worker that hit the timeout to
// record the outcome.
func rescueMargin(timeout time.Duration) time.Duration {
	return min(time.Minute, timeout/4)
}

// Queue is the centre's job queue.
type Queue struct {
	*store
	runner    Runner
	heartbeat time.Duration
	// stopBeat stops the heartbeat that Start started; beating is closed
	// once it has.
	stopBeat context.CancelFunc
	beating  chan struct{}

	// stopping is set by Close before it cancels running jobs, so that
	// they are put back in the queue rather than counted as failed.
	stopping atomic.Bool
}

// riverClient is the part of river.Client the queue uses: the same on
// every driver, whatever its transaction type.
type riverClient interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	ID() string
}

// store is the queue's database: River's client and executor over it,
// the event table, and how to close it.
type store struct {
	client riverClient
	exec   riverdriver.Executor
	events *eventLog
	closed func() error // closes the database handles
}

// Open opens the queue, creating or upgrading its tables with River's own
// migrations (and the queue's event table). It runs no job until Start.
func Open(ctx context.Context, c Config) (*Queue, error) {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	c.MaxAttempts = cmp.Or(c.MaxAttempts, DefaultMaxAttempts)
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	q := &Queue{runner: c.Runner, heartbeat: c.Heartbeat}
	rc := &river.Config{
		JobTimeout:           c.Timeout,
		RescueStuckJobsAfter: c.Timeout + rescueMargin(c.Timeout),
		MaxAttempts:          c.MaxAttempts,
		Logger:               c.Logger,
		// River's ID of this client names the process in each job's
		// attempted_by: which worker ran it.
		Workers: river.NewWorkers(),
	}
	river.AddWorker(rc.Workers, &worker[evaluateArgs]{q: q})
	river.AddWorker(rc.Workers, &worker[rebuildArgs]{q: q})
	river.AddWorker(rc.Workers, &worker[scanArgs]{q: q})
	if c.Runner != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Workers}}
	}
	var err error
	switch {
	case c.DB == "":
		q.store, err = openSQLite(ctx, c.DataDir, rc)
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		q.store, err = openPostgres(ctx, c.DB, rc)
	default:
		err = glassbox.Errorf(glassbox.EINVALID, "job queue: database %q: want a postgres:// URL, or nothing for SQLite in the data directory", postgres.Redact(c.DB))
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

// newClient migrates the queue's tables and makes River's client over
// driver; when either fails it calls abandon, which closes the database.
func newClient[TTx any](driver riverdriver.Driver[TTx], rc *river.Config, migrate func() error, abandon func()) (riverClient, error) {
	if err := migrate(); err != nil {
		abandon()
		return nil, err
	}
	c, err := river.NewClient(driver, rc)
	if err != nil {
		abandon()
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "job queue: %w", err)
	}
	return c, nil
}

// Start starts the workers, if the queue has a Runner. They stop when
// Close is called.
func (q *Queue) Start(ctx context.Context) error {
	if q.runner == nil {
		return nil
	}
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "start the job workers: %w", err)
	}
	bctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	q.stopBeat, q.beating = stop, make(chan struct{})
	h := newHeartbeat(q.events.db, q.exec, q.client, q.events, q.heartbeat, q.events.numbered)
	go func() {
		defer close(q.beating)
		h.run(bctx)
	}()
	return nil
}

// Close stops the workers and closes the database. A job running then is
// cancelled and queued again, so the next worker to start runs it.
func (q *Queue) Close(ctx context.Context) error {
	var err error
	if q.stopBeat != nil {
		q.stopBeat()
		<-q.beating
	}
	if q.runner != nil {
		q.stopping.Store(true)
		if serr := q.client.StopAndCancel(ctx); serr != nil && !strings.Contains(serr.Error(), "not started") {
			err = serr
		}
	}
	return errors.Join(err, q.closed())
}

// Enqueue queues a job and returns its ID. The same job (kind, release,
// standards, fresh) already queued or running is not queued twice: the
// error is ECONFLICT and the ID is that job's.
func (q *Queue) Enqueue(ctx context.Context, r Request) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	args := argsOf(r)
	res, err := q.client.Insert(ctx, args, &river.InsertOpts{
		Tags: []string{releaseTag(r.Release)},
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	})
	if err != nil {
		return 0, glassbox.Errorf(glassbox.EINTERNAL, "queue the %s of release %s: %w", r.Kind, r.Release, err)
	}
	if res.UniqueSkippedAsDuplicate {
		return res.Job.ID, glassbox.Errorf(glassbox.ECONFLICT, "the same %s of release %s is already queued as job %d", r.Kind, r.Release, res.Job.ID)
	}
	return res.Job.ID, nil
}

// Get returns a job, or ENOTFOUND.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	row, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "no job has id %d", id)
	}
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read job %d: %w", id, err)
	}
	return q.job(ctx, row)
}

// List returns the jobs the filter selects, newest first.
func (q *Queue) List(ctx context.Context, f Filter) ([]*Job, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	p := river.NewJobListParams().First(min(limit, 1000)).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if f.Kind != "" {
		p = p.Kinds(string(f.Kind))
	} else {
		p = p.Kinds(string(KindEvaluate), string(KindRebuild), string(KindScan))
	}
	if f.Release != "" {
		p = p.TagsAny(releaseTag(f.Release))
	}
	if len(f.States) > 0 {
		var states []rivertype.JobState
		for _, s := range f.States {
			states = append(states, riverStates[s]...)
		}
		if len(states) == 0 {
			return nil, glassbox.Errorf(glassbox.EINVALID, "job states %v: want queued, running, done, failed or cancelled", f.States)
		}
		p = p.States(states...)
	}
	res, err := q.client.JobList(ctx, p)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "list jobs: %w", err)
	}
	out := make([]*Job, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		j, err := q.job(ctx, row)
		if err != nil {
			return nil, err
		}
		// Failed and cancelled are both River's "cancelled": keep only
		// the states asked for.
		if len(f.States) == 0 || containsState(f.States, j.State) {
			out = append(out, j)
		}
	}
	return out, nil
}

func containsState(ss []State, s State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Cancel cancels a job: a queued one is not run, a running one has its
// context ended (within seconds, in whichever process runs it) and is not
// retried. Cancelling a finished job changes nothing.
func (q *Queue) Cancel(ctx context.Context, id int64) (*Job, error) {
	j, err := q.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State.Finished() {
		return j, nil
	}
	// Recorded first: River calls a job cancelled both when asked to and
	// when its worker gave up on bad input; this event tells them apart.
	if err := q.events.add(ctx, Event{Job: id, Attempt: j.Attempt, Stage: StageJob, State: string(Cancelled), Message: "cancelled on request"}); err != nil {
		return nil, err
	}
	if _, err := q.client.JobCancel(ctx, id); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "cancel job %d: %w", id, err)
	}
	return q.Get(ctx, id)
}

// Events returns the events of a job after the one with ID after (0 for
// all), oldest first.
func (q *Queue) Events(ctx context.Context, id int64, after int64) ([]Event, error) {
	return q.events.list(ctx, id, after)
}

// pollInterval is how often Subscribe looks for new events.
const pollInterval = 200 * time.Millisecond

// Subscribe follows a job: its events as they are recorded, from the
// first, and the channel closes once the job is finished (its last event
// is the job's own: done, failed or cancelled) or ctx ends. It reads the
// database, so it follows a job that another process runs.
func (q *Queue) Subscribe(ctx context.Context, id int64) (<-chan Event, error) {
	if _, err := q.Get(ctx, id); err != nil {
		return nil, err
	}
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		var after int64
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for {
			// Read the state first: events recorded before it finished
			// are then all in the list below.
			j, err := q.Get(ctx, id)
			if err != nil {
				return
			}
			evs, err := q.events.list(ctx, id, after)
			if err != nil {
				return
			}
			for _, ev := range evs {
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
				after = ev.ID
			}
			if j.State.Finished() {
				return
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// riverStates are the River states each job state stands for.
var riverStates = map[State][]rivertype.JobState{
	Queued:    {rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
	Running:   {rivertype.JobStateRunning},
	Done:      {rivertype.JobStateCompleted},
	Failed:    {rivertype.JobStateDiscarded, rivertype.JobStateCancelled},
	Cancelled: {rivertype.JobStateCancelled},
}

// job turns River's row into the glassbox job.
func (q *Queue) job(ctx context.Context, row *rivertype.JobRow) (*Job, error) {
	var a jobArgs
	if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "job %d: its arguments do not decode: %w", row.ID, err)
	}
	j := &Job{
		ID: row.ID, Request: Request{Kind: Kind(row.Kind), Release: a.Release, Standards: a.Standards, Fresh: a.Fresh},
		Attempt: row.Attempt, MaxAttempts: row.MaxAttempts, CreatedAt: row.CreatedAt,
		StartedAt: row.AttemptedAt, FinishedAt: row.FinalizedAt, Output: row.Output(),
	}
	if n := len(row.Errors); n > 0 {
		j.Reason = strings.TrimPrefix(row.Errors[n-1].Error, "JobCancelError: ")
	}
	switch row.State {
	case rivertype.JobStateRunning:
		j.State = Running
	case rivertype.JobStateCompleted:
		j.State, j.Reason = Done, ""
	case rivertype.JobStateDiscarded:
		j.State = Failed
	case rivertype.JobStateCancelled:
		j.State = Failed
		asked, err := q.events.cancelled(ctx, row.ID)
		if err != nil {
			return nil, err
		}
		if asked {
			j.State, j.Reason = Cancelled, "cancelled on request"
		}
	default:
		j.State = Queued
	}
	return j, nil
}

// releaseTag tags a job with its release, so that List can select by
// release on every database (River's tags allow letters, digits, _ and -).
func releaseTag(d glassbox.Digest) string {
	return "release-" + d.Hex()
}

// errClosed is what a worker's job sees when the queue closes under it.
var errClosed = errors.New("the worker is stopping")
