package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"glassbox.dev"
)

// DefaultHeartbeat is how often a worker process says it is alive.
const DefaultHeartbeat = 5 * time.Second

// missedBeats is how many heartbeats a worker may miss before the jobs it
// was running are taken for orphaned and run again.
const missedBeats = 6

// workerTable holds each worker process's heartbeat: a counter it raises
// every Config.Heartbeat. The counter, not a time, is compared: another
// machine's clock may be wrong, and a watcher needs only to see whether
// the counter still moves, by its own clock.
const workerTable = `CREATE TABLE IF NOT EXISTS job_workers (
    id   TEXT   NOT NULL PRIMARY KEY, -- River's client ID, as in river_job.attempted_by
    beat BIGINT NOT NULL,
    at   BIGINT NOT NULL              -- the worker's clock at the last beat, Unix nanoseconds; only to forget old rows
)`

// heartbeat keeps this process's row in job_workers beating and gives the
// running jobs of workers that stopped beating back to the queue, as
// River's own rescuer does after Config.Timeout, but within seconds of
// the worker's death rather than an hour.
type heartbeat struct {
	db       *sql.DB
	exec     riverdriver.Executor
	client   riverClient
	events   *eventLog
	id       string
	interval time.Duration
	// The statements, in the database's parameter syntax.
	beatQ, listQ, forgetQ string

	beat int64
	// seen is, per worker, its last counter and when (by this process's
	// monotonic clock) it was first seen with that value.
	seen map[string]sighting
}

type sighting struct {
	beat int64
	at   time.Time
}

func newHeartbeat(db *sql.DB, exec riverdriver.Executor, client riverClient, events *eventLog, interval time.Duration, numbered bool) *heartbeat {
	h := &heartbeat{db: db, exec: exec, client: client, events: events, id: client.ID(), interval: interval, seen: map[string]sighting{}}
	if numbered {
		h.beatQ = `INSERT INTO job_workers (id, beat, at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET beat = excluded.beat, at = excluded.at`
		h.listQ = `SELECT id, beat FROM job_workers`
		h.forgetQ = `DELETE FROM job_workers WHERE at < $1`
	} else {
		h.beatQ = `INSERT INTO job_workers (id, beat, at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET beat = excluded.beat, at = excluded.at`
		h.listQ = `SELECT id, beat FROM job_workers`
		h.forgetQ = `DELETE FROM job_workers WHERE at < ?`
	}
	return h
}

// run beats and watches until ctx ends.
func (h *heartbeat) run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		if err := h.tick(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("job queue heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// forgetAfter is how old a worker's last beat must be for its row to go.
const forgetAfter = 7 * 24 * time.Hour

// tick beats once and rescues the jobs of lost workers.
func (h *heartbeat) tick(ctx context.Context) error {
	h.beat++
	now := time.Now()
	if _, err := h.db.ExecContext(ctx, h.beatQ, h.id, h.beat, now.UnixNano()); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "record this worker's heartbeat: %w", err)
	}
	if h.beat%1000 == 1 {
		if _, err := h.db.ExecContext(ctx, h.forgetQ, now.Add(-forgetAfter).UnixNano()); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "forget old workers: %w", err)
		}
	}
	return h.rescue(ctx, now)
}

// rescue gives back to the queue each running job whose worker's counter
// has not moved for missedBeats heartbeats.
func (h *heartbeat) rescue(ctx context.Context, now time.Time) error {
	beats, err := h.beats(ctx)
	if err != nil {
		return err
	}
	res, err := h.client.JobList(ctx, river.NewJobListParams().
		Kinds(string(KindEvaluate), string(KindRebuild), string(KindScan)).
		States(rivertype.JobStateRunning).First(1000))
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "list the running jobs: %w", err)
	}
	lost := map[string]bool{}
	for _, row := range res.Jobs {
		if len(row.AttemptedBy) == 0 {
			continue
		}
		w := row.AttemptedBy[len(row.AttemptedBy)-1]
		if w == h.id {
			continue
		}
		if _, ok := lost[w]; !ok {
			lost[w] = h.lost(w, beats, now)
		}
		if lost[w] {
			if err := h.rescueJob(ctx, row, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// lost reports whether worker w's counter (-1 without a row) has stood
// still for missedBeats of this process's heartbeats.
func (h *heartbeat) lost(w string, beats map[string]int64, now time.Time) bool {
	b, ok := beats[w]
	if !ok {
		b = -1
	}
	s, seen := h.seen[w]
	if !seen || s.beat != b {
		h.seen[w] = sighting{beat: b, at: now}
		return false
	}
	return now.Sub(s.at) >= missedBeats*h.interval
}

func (h *heartbeat) beats(ctx context.Context) (map[string]int64, error) {
	rows, err := h.db.QueryContext(ctx, h.listQ)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the workers' heartbeats: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var b int64
		if err := rows.Scan(&id, &b); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the workers' heartbeats: %w", err)
		}
		out[id] = b
	}
	if err := rows.Err(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the workers' heartbeats: %w", err)
	}
	return out, nil
}

// rescueJob puts a lost worker's job back as River's rescuer does: queued
// for its next attempt, failed if it had its last, cancelled if a cancel
// was asked for. River updates it only if it is still running.
func (h *heartbeat) rescueJob(ctx context.Context, row *rivertype.JobRow, worker string) error {
	now := time.Now().UTC()
	msg := "its worker " + worker + " stopped (no heartbeat)"
	errJSON, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(row.Attempt, 0), Error: msg})
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "rescue job %d: %w", row.ID, err)
	}
	var meta struct {
		CancelAttemptedAt time.Time `json:"cancel_attempted_at"`
	}
	_ = json.Unmarshal(row.Metadata, &meta)
	state, finalized, scheduled, event := rivertype.JobStateRetryable, (*time.Time)(nil), now, Queued
	switch {
	case !meta.CancelAttemptedAt.IsZero():
		state, finalized, scheduled, event = rivertype.JobStateCancelled, &now, row.ScheduledAt, Cancelled
	case row.Attempt >= row.MaxAttempts:
		state, finalized, scheduled, event = rivertype.JobStateDiscarded, &now, row.ScheduledAt, Failed
	}
	if _, err := h.exec.JobRescueMany(ctx, &riverdriver.JobRescueManyParams{
		ID: []int64{row.ID}, Error: [][]byte{errJSON}, FinalizedAt: []*time.Time{finalized},
		ScheduledAt: []time.Time{scheduled}, State: []string{string(state)}, StuckHorizon: now.Add(time.Second),
	}); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "rescue job %d: %w", row.ID, err)
	}
	if event != Cancelled {
		if event == Queued {
			msg += "; run again"
		}
		if err := h.events.add(ctx, Event{Job: row.ID, Attempt: row.Attempt, Stage: StageJob, State: string(event), Message: msg}); err != nil {
			return err
		}
	}
	slog.Info("job rescued from a lost worker", "job", row.ID, "worker", worker, "state", state)
	return nil
}
