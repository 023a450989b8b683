// Package jobs runs the centre's long jobs on stored releases (evaluate,
// rebuild, scan) as durable jobs in a queue, River (riverqueue.com): in the
// SQLite file DATA/jobs.db beside the metadata database, or in the
// centre's PostgreSQL database.
//
// A job is queued, running, done, failed (with the reason) or cancelled;
// each stage it goes through is recorded as an Event that any process
// reading the same database can list or follow. A job whose worker died
// (it missed six heartbeats, see Config.Heartbeat) is run again, and the
// run is keyed to the job (its clock is the job's first start, and a
// retry reuses what the earlier attempt stored), so it signs the same
// statements and leaves one evaluation record, not two.
package jobs

import (
	"encoding/json"
	"slices"
	"time"

	"glassbox.dev"
)

// Kind is what a job does.
type Kind string

// The jobs the queue runs.
const (
	KindEvaluate Kind = "evaluate" // evaluate.Evaluator.Evaluate
	KindRebuild  Kind = "rebuild"  // stage.Jobs.Rebuild, its provenance signed
	KindScan     Kind = "scan"     // stage.Jobs.Scan
)

// State is where a job is.
type State string

// Job states.
const (
	Queued    State = "queued"    // waiting for a worker, or for its retry
	Running   State = "running"   // a worker is running it
	Done      State = "done"      // finished
	Failed    State = "failed"    // gave up: Job.Reason says why
	Cancelled State = "cancelled" // Cancel was called
)

// Finished reports whether the job will not change any more.
func (s State) Finished() bool { return s == Done || s == Failed || s == Cancelled }

// Request is a job to queue.
type Request struct {
	Kind    Kind            `json:"kind"`
	Release glassbox.Digest `json:"release"`
	// Standards are the evaluation's (as standard.Library.Select takes
	// them); required for KindEvaluate, refused for the others.
	Standards []string `json:"standards,omitempty"`
	// Fresh runs the job's stages again instead of reusing the evidence
	// stored for the release.
	Fresh bool `json:"fresh,omitempty"`
}

// Validate checks a request before it is queued, and normalises the
// standards (sorted, once each) so that two requests for the same
// evaluation are the same job.
func (r *Request) Validate() error {
	if err := r.Release.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "job: release: %w", err)
	}
	switch r.Kind {
	case KindEvaluate:
		if len(r.Standards) == 0 {
			return glassbox.Errorf(glassbox.EINVALID, "an evaluation job names at least one standard, e.g. cra-annex-i")
		}
	case KindRebuild, KindScan:
		if len(r.Standards) != 0 {
			return glassbox.Errorf(glassbox.EINVALID, "a %s job takes no standards", r.Kind)
		}
	default:
		return glassbox.Errorf(glassbox.EINVALID, "job kind %q: want evaluate, rebuild or scan", r.Kind)
	}
	for _, s := range r.Standards {
		if s == "" || len(s) > 128 {
			return glassbox.Errorf(glassbox.EINVALID, "job: standard %q is not a standard's id", s)
		}
	}
	r.Standards = slices.Compact(slices.Sorted(slices.Values(r.Standards)))
	return nil
}

// Job is a queued job and where it is.
type Job struct {
	ID int64 `json:"id"`
	Request
	State State `json:"state"`
	// Reason is why the job failed, or why its last attempt did (a job
	// queued again for a retry).
	Reason      string     `json:"reason,omitempty"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"` // of the current or last attempt
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Output is what a finished job established, as JSON: an
	// evaluation's evaluate.Record, a rebuild's Rebuilt, a scan's Scanned.
	Output json.RawMessage `json:"output,omitempty"`
}

// Event is a step of a job: the job starting, finishing or failing
// (Stage "job"), or one of its stages starting or ending.
type Event struct {
	// ID orders the events of the queue; Events(job, after) returns
	// those after it.
	ID      int64     `json:"id"`
	Job     int64     `json:"job"`
	Attempt int       `json:"attempt"`
	Stage   string    `json:"stage"`
	State   string    `json:"state"` // a job State, or an evaluate.StageState
	Message string    `json:"message,omitempty"`
	At      time.Time `json:"at"`
}

// StageJob is the Event stage that stands for the job itself.
const StageJob = "job"

// Filter selects jobs; zero fields match all.
type Filter struct {
	Kind    Kind
	Release glassbox.Digest
	States  []State
	// Limit is how many, newest first (100 if zero; at most 1000).
	Limit int
}
