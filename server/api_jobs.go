package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"glassbox.dev"
)

// Jobs is the durable queue of rebuilds, scans and evaluations (package
// jobs): the API queues, reads, follows and cancels them; workers run
// them, in this process or elsewhere.
type Jobs interface {
	// Enqueue queues a job of kind (evaluate, rebuild, scan) on rel for
	// p; the same job already queued or running is that job.
	Enqueue(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, kind string, req EvaluateRequest) (*Job, error)
	// List returns the jobs on rel, newest first.
	List(ctx context.Context, rel *glassbox.Release) ([]*Job, error)
	Get(ctx context.Context, id string) (*Job, error)
	// Events returns the job's progress after seq, oldest first.
	Events(ctx context.Context, id string, after int64) ([]JobEvent, error)
	Cancel(ctx context.Context, id string) (*Job, error)
}

// EvaluateRequest is the body of POST /api/v1/releases/{release}/evaluations.
type EvaluateRequest struct {
	Standards []string `json:"standards,omitempty"`
	Fresh     bool     `json:"fresh,omitempty"`
}

// Job is a queued, running or finished job.
type Job struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Release  glassbox.Digest `json:"release"`
	Product  string          `json:"-"` // for the policy
	State    string          `json:"state"`
	Error    string          `json:"error,omitempty"`
	Created  time.Time       `json:"created"`
	Finished *time.Time      `json:"finished,omitempty"`
	Attempt  int             `json:"attempt,omitempty"`
	Verdict  string          `json:"verdict,omitempty"`
	// Evaluation is a finished evaluation's record, as GET
	// /releases/{release}/evaluations lists it.
	Evaluation json.RawMessage `json:"evaluation,omitempty"`
}

// Ended reports whether the job will change no more.
func (j *Job) Ended() bool {
	return j.State == "done" || j.State == "failed" || j.State == "cancelled"
}

// JobEvent is one step of a job's progress.
type JobEvent struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Stage  string    `json:"stage"`
	State  string    `json:"state"`
	Detail string    `json:"detail,omitempty"`
}

func (a *API) jobs() (Jobs, error) {
	if a.b.Jobs == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre runs no jobs")
	}
	return a.b.Jobs, nil
}

// jobProduct is the product of the {job} of the path.
func (a *API) jobProduct(r *http.Request) (string, error) {
	js, err := a.jobs()
	if err != nil {
		return "", err
	}
	j, err := js.Get(r.Context(), r.PathValue("job"))
	if err != nil {
		return "", err
	}
	return j.Product, nil
}

func (a *API) evaluate(w http.ResponseWriter, r *http.Request, _ string) error {
	return a.queue(w, r, "evaluate")
}

func (a *API) rebuild(w http.ResponseWriter, r *http.Request, _ string) error {
	return a.queue(w, r, "rebuild")
}

func (a *API) scan(w http.ResponseWriter, r *http.Request, _ string) error {
	return a.queue(w, r, "scan")
}

// queue queues a job of kind on the {release} of the path.
func (a *API) queue(w http.ResponseWriter, r *http.Request, kind string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	js, err := a.jobs()
	if err != nil {
		return err
	}
	var req EvaluateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, 16<<10, &req); err != nil {
			return err
		}
	}
	if kind != "evaluate" && len(req.Standards) > 0 {
		return glassbox.Errorf(glassbox.EINVALID, "a %s takes no standards; only an evaluation does", kind)
	}
	j, err := js.Enqueue(r.Context(), PrincipalFrom(r.Context()), rel, kind, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	js, err := a.jobs()
	if err != nil {
		return err
	}
	list, err := js.List(r.Context(), rel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": nonNil(list)})
	return nil
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request, _ string) error {
	js, err := a.jobs()
	if err != nil {
		return err
	}
	j, err := js.Get(r.Context(), r.PathValue("job"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (a *API) cancelJob(w http.ResponseWriter, r *http.Request, _ string) error {
	js, err := a.jobs()
	if err != nil {
		return err
	}
	j, err := js.Cancel(r.Context(), r.PathValue("job"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// eventPoll is how often a stream looks for new events; maxStream bounds
// one stream (the client reconnects with Last-Event-ID).
const (
	eventPoll = 250 * time.Millisecond
	maxStream = 30 * time.Minute
)

// jobEvents streams a job's progress as server-sent events: one "stage"
// event per step (id: its sequence number, so a client that reconnects with
// Last-Event-ID misses nothing), then one "end" event with the job.
func (a *API) jobEvents(w http.ResponseWriter, r *http.Request, _ string) error {
	js, err := a.jobs()
	if err != nil {
		return err
	}
	id := r.PathValue("job")
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		fmt.Sscan(v, &after)
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxStream)
	defer cancel()
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(maxStream + time.Minute))
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, id int64, v any) error {
		b, _ := json.Marshal(v)
		if id > 0 {
			fmt.Fprintf(w, "id: %d\n", id)
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	t := time.NewTicker(eventPoll)
	defer t.Stop()
	for {
		// The job's state first, then its events: an ended job's events
		// are all written by the time it ends.
		j, err := js.Get(ctx, id)
		if err != nil {
			send("error", 0, map[string]string{"code": glassbox.ErrorCode(err), "message": err.Error()})
			return nil
		}
		evs, err := js.Events(ctx, id, after)
		if err != nil {
			send("error", 0, map[string]string{"code": glassbox.ErrorCode(err), "message": err.Error()})
			return nil
		}
		for _, e := range evs {
			if err := send("stage", e.Seq, e); err != nil {
				return nil
			}
			after = e.Seq
		}
		if j.Ended() {
			send("end", 0, j)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
