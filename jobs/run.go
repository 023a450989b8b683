package jobs

import (
	"context"
	"time"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evaluate"
)

// Runner runs jobs: the queue's workers call it. Centre is the one the
// commands use.
type Runner interface {
	// Run runs one attempt at a job and returns what it established,
	// kept as the job's Output (JSON). An error is retried unless its code
	// is EINVALID or ENOTFOUND; ctx ends when the job is cancelled, times
	// out or the worker stops.
	Run(ctx context.Context, w *Work) (output any, err error)
}

// Work is one attempt at a job.
type Work struct {
	Job     int64
	Attempt int
	Request
	// At is the job's clock: when its first attempt started. Every
	// attempt runs at the same time, so that an attempt after a crash
	// signs the statements the killed one signed, not new ones.
	At time.Time

	progress func(stage, state, message string)
}

// Progress records a stage of the job starting or ending; any process
// reading the queue sees it.
func (w *Work) Progress(stage, state, message string) {
	if w.progress != nil {
		w.progress(stage, state, message)
	}
}

// Centre runs the jobs on the centre's stores.
type Centre struct {
	// Evaluator is the evaluation as the caller set it up: stores,
	// standards, notary, verifier, vulnerability data, rebuild settings,
	// suppressions. Each job runs a copy with its own Fresh, Progress and
	// clock; the rebuild and scan jobs use its stores, notary, rebuild
	// settings and suppressions.
	Evaluator *evaluate.Evaluator
}

// Rebuilt is the output of a rebuild job.
type Rebuilt struct {
	Report     glassbox.Digest `json:"report"`
	Reproduced bool            `json:"reproduced"`
	Failure    string          `json:"failure,omitempty"`
	Reused     bool            `json:"reused,omitempty"`
	// Provenance is the envelope of the signed SLSA Provenance, if the
	// centre signs.
	Provenance glassbox.Digest `json:"provenance,omitempty"`
}

// Scanned is the output of a scan job.
type Scanned struct {
	Result   glassbox.Digest `json:"result"`
	SARIF    glassbox.Digest `json:"sarif"`
	Findings int             `json:"findings"`
	Reused   bool            `json:"reused,omitempty"`
}

// Run runs a job on the release it names.
func (c *Centre) Run(ctx context.Context, w *Work) (any, error) {
	e := *c.Evaluator
	rel, err := e.Store.FindRelease(ctx, w.Release)
	if err != nil {
		return nil, err
	}
	now := func() time.Time { return w.At }
	switch w.Kind {
	case KindEvaluate:
		e.Fresh, e.Now = w.Fresh, now
		e.Progress = func(ev evaluate.Event) { w.Progress(ev.Stage, string(ev.State), ev.Detail) }
		out, err := e.Evaluate(ctx, rel, w.Standards)
		if err != nil {
			return nil, err
		}
		// The output is the evaluation's record, as evaluate.History
		// lists it.
		rec := out.Record()
		return &rec, nil
	}
	jobs := &stage.Jobs{Blobs: e.Blobs, Evidence: e.Store, Release: rel, Fresh: w.Fresh, Now: now}
	defer jobs.Close()
	switch w.Kind {
	case KindRebuild:
		var o stage.RebuildOptions
		if rb := e.Rebuilder; rb != nil {
			o = stage.RebuildOptions{Limits: rb.Limits, InputRoots: rb.InputRoots, Explain: rb.Explain, DataDir: rb.DataDir}
		}
		w.Progress("rebuild", string(evaluate.StageStarted), "")
		rb, err := jobs.Rebuild(ctx, o)
		if err != nil {
			w.Progress("rebuild", string(evaluate.StageFailed), err.Error())
			return nil, err
		}
		res := &Rebuilt{Report: rb.Digest, Reproduced: rb.Report.Reproduced(), Failure: rb.Report.Failure, Reused: rb.Reused}
		if st := rb.Statement(); st != nil && e.Notary != nil {
			receipt, err := e.Notary.Attest(ctx, *st)
			if err != nil {
				return nil, err
			}
			res.Provenance = glassbox.DigestOf(receipt.Envelope)
		}
		w.Progress("rebuild", string(stageState(rb.Reused)), rebuiltMessage(res))
		return res, nil
	case KindScan:
		w.Progress("scan", string(evaluate.StageStarted), "")
		s, err := jobs.Scan(ctx, stage.ScanOptions{Suppressions: e.Suppressions})
		if err != nil {
			w.Progress("scan", string(evaluate.StageFailed), err.Error())
			return nil, err
		}
		res := &Scanned{Result: s.Digest, SARIF: s.SARIFDigest, Findings: len(s.Result.Findings), Reused: s.Reused}
		w.Progress("scan", string(stageState(s.Reused)), "")
		return res, nil
	}
	return nil, glassbox.Errorf(glassbox.EINVALID, "job kind %q: want evaluate, rebuild or scan", w.Kind)
}

func stageState(reused bool) evaluate.StageState {
	if reused {
		return evaluate.StageReused
	}
	return evaluate.StageDone
}

func rebuiltMessage(r *Rebuilt) string {
	switch {
	case r.Reproduced:
		return "reproduced"
	case r.Failure != "":
		return "not reproduced: " + r.Failure
	}
	return "not reproduced"
}
