package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"glassbox.dev"
)

// jobArgs are a job's arguments as River stores them (JSON); one type per
// kind, since River finds a job's worker by its arguments' type.
type jobArgs struct {
	Release   glassbox.Digest `json:"release"`
	Standards []string        `json:"standards,omitempty"`
	Fresh     bool            `json:"fresh,omitempty"`
}

type evaluateArgs struct{ jobArgs }
type rebuildArgs struct{ jobArgs }
type scanArgs struct{ jobArgs }

func (evaluateArgs) Kind() string { return string(KindEvaluate) }
func (rebuildArgs) Kind() string  { return string(KindRebuild) }
func (scanArgs) Kind() string     { return string(KindScan) }

func (a evaluateArgs) args() jobArgs { return a.jobArgs }
func (a rebuildArgs) args() jobArgs  { return a.jobArgs }
func (a scanArgs) args() jobArgs     { return a.jobArgs }

// argsOf turns a validated request into River's arguments.
func argsOf(r Request) river.JobArgs {
	a := jobArgs{Release: r.Release, Standards: r.Standards, Fresh: r.Fresh}
	switch r.Kind {
	case KindRebuild:
		return rebuildArgs{a}
	case KindScan:
		return scanArgs{a}
	}
	return evaluateArgs{a}
}

// worker hands River's job of one kind to the queue.
type worker[T interface {
	river.JobArgs
	args() jobArgs
}] struct {
	river.WorkerDefaults[T]
	q *Queue
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	a := job.Args.args()
	return w.q.work(ctx, job.JobRow, Request{Kind: Kind(job.Kind), Release: a.Release, Standards: a.Standards, Fresh: a.Fresh})
}

// work runs one attempt at a job and records how it went.
func (q *Queue) work(ctx context.Context, row *rivertype.JobRow, r Request) error {
	record := func(state State, msg string) {
		// Recorded even when the job's context has ended: it says why.
		if err := q.events.add(context.WithoutCancel(ctx), Event{Job: row.ID, Attempt: row.Attempt, Stage: StageJob, State: string(state), Message: msg}); err != nil {
			slog.Warn("job event not recorded", "job", row.ID, "err", err)
		}
	}
	if err := q.events.add(ctx, Event{Job: row.ID, Attempt: row.Attempt, Stage: StageJob, State: string(Running),
		Message: fmt.Sprintf("attempt %d of %d", row.Attempt, row.MaxAttempts)}); err != nil {
		return err
	}
	at, err := q.events.started(ctx, row.ID)
	if err != nil {
		return err
	}
	w := &Work{
		Job: row.ID, Attempt: row.Attempt, Request: r, At: at,
		progress: func(stage, state, msg string) {
			if err := q.events.add(context.WithoutCancel(ctx), Event{Job: row.ID, Attempt: row.Attempt, Stage: stage, State: state, Message: msg}); err != nil {
				slog.Warn("job event not recorded", "job", row.ID, "err", err)
			}
		},
	}
	// A later attempt reuses what the earlier ones stored: running a stage
	// again would give other documents, and so other statements and a
	// second verdict.
	w.Fresh = r.Fresh && row.Attempt == 1
	out, err := q.runner.Run(ctx, w)
	switch {
	case err == nil:
		if out != nil {
			if err := river.RecordOutput(ctx, out); err != nil {
				return err
			}
		}
		record(Done, "")
		return nil
	case errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		// Cancel recorded its event already.
		return err
	case q.stopping.Load() && ctx.Err() != nil:
		record(Queued, "the worker stopped; the job waits for the next one")
		return river.JobSnooze(0)
	}
	switch glassbox.ErrorCode(err) {
	case glassbox.EINVALID, glassbox.ENOTFOUND:
		// Bad input fails the same way every time.
		record(Failed, err.Error())
		return river.JobCancel(err)
	}
	if row.Attempt >= row.MaxAttempts {
		record(Failed, err.Error())
	} else {
		record(Queued, fmt.Sprintf("attempt %d failed, retried with backoff: %v", row.Attempt, err))
	}
	return err
}
