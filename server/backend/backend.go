// Package backend assembles API v1's backend (server.Backend) over the
// application layer (centre.Centre), the parties' service, the access
// record and the job queue: what the API adds to each job is who asks.
package backend

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/centre"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/jobs"
	"glassbox.dev/notary"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

// New assembles API v1's backend from an open centre (with its
// log), the parties' service, the access record and the job queue: every
// job is the application layer's (package centre); what the API adds is
// who asks, which the jobs are told.
func New(c *centre.Centre, parties *party.Service, record server.AccessRecord, queue server.Jobs) (server.Backend, error) {
	if c.Notary == nil {
		return server.Backend{}, glassbox.Errorf(glassbox.EINVALID, "the API needs the centre's log: generate its keys (glassbox keys generate)")
	}
	b := server.Backend{
		Authority:  parties,
		Releases:   c.Store,
		Resolve:    c.ResolveRelease,
		Blobs:      c.Blobs,
		Notary:     c.Notary,
		Judgements: c.Store,
		Access:     record,
		Jobs:       queue,
		Parties:    parties,
		Reviews:    c,
		Uploads:    filepath.Join(c.Data, "uploads"),
		// A deployment's servers share the uploads through its bucket.
		UploadBucket: c.EvidenceBucket,
	}
	b.Submit = func(ctx context.Context, p *glassbox.Principal, req ingest.Request) (*ingest.Result, error) {
		// The product is the submitter's from now on, or refused if it is
		// another vendor's, before a byte is stored.
		if err := parties.ClaimForSubmit(ctx, p, req.Product); err != nil {
			return nil, err
		}
		return c.Submit(ctx, req, nil)
	}
	b.Judge = func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, j *glassbox.Judgement) error {
		judged, err := c.Judge(ctx, rel, server.Evaluator(p), []glassbox.Judgement{*j})
		if err != nil {
			return err
		}
		*j = *judged[0].Judgement
		return nil
	}
	b.Triage = func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, fingerprint string, dismissed bool, reason string) (*glassbox.Triage, error) {
		t, err := c.Triage(ctx, rel, server.Evaluator(p), fingerprint, dismissed, reason)
		if err != nil {
			return nil, err
		}
		return t.Triage, nil
	}
	b.Evidence = func(ctx context.Context, rel *glassbox.Release, kind string) (glassbox.Digest, error) {
		var newest glassbox.Digest
		switch kind {
		case "evaluation/report", "evaluation/oscal":
			recs, err := c.Evaluations(ctx, rel)
			if err != nil {
				return "", err
			}
			for _, r := range recs { // oldest first
				if kind == "evaluation/report" && r.Report != "" {
					newest = r.Report
				} else if kind == "evaluation/oscal" && r.AssessmentResults != "" {
					newest = r.AssessmentResults
				}
			}
		default:
			ds, err := c.Store.FindEvidence(ctx, rel.ID, kind)
			if err != nil {
				return "", err
			}
			if len(ds) > 0 {
				newest = ds[len(ds)-1] // oldest first
			}
		}
		if newest == "" {
			return "", glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has no %s yet: run the job that makes it (glassbox evaluate, or POST …/evaluations)", rel.Manifest.Product, rel.Manifest.Version, kind)
		}
		return newest, nil
	}
	b.Evaluations = func(ctx context.Context, rel *glassbox.Release) ([]evaluate.Record, error) {
		recs, err := c.Evaluations(ctx, rel)
		if recs == nil {
			recs = []evaluate.Record{}
		}
		return recs, err
	}
	b.Catalogs = func(ctx context.Context) (any, error) {
		cs, _, err := c.Catalogs(ctx)
		return cs, err
	}
	b.SubmitICS = func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, name string, body []byte) (*standard.ICS, *standard.Catalog, error) {
		return c.SubmitICS(ctx, rel, name, body)
	}
	b.ICS = c.ICS
	b.ICSCatalog = c.ICSCatalog
	b.Withdraw = func(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, reason string) ([]notary.Verdict, error) {
		w, err := c.Withdraw(ctx, rel, reason+" (by "+server.Evaluator(p)+")")
		if err != nil {
			return nil, err
		}
		return w.Revoked, nil
	}
	return b, nil
}

// accessRecord is package access's Recorder as the API asks it.
type accessRecord struct{ r *access.Recorder }

// AccessRecord returns the API's access record over r.
func AccessRecord(r *access.Recorder) server.AccessRecord { return accessRecord{r} }

func (a accessRecord) Record(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, kind string, files []glassbox.File) error {
	_, err := a.r.Record(ctx, access.Read{Principal: p, Grant: grant, Kind: access.Kind(kind), Release: rel, Paths: access.PathsOf(files)})
	return err
}

func (a accessRecord) List(ctx context.Context, rel *glassbox.Release) ([]server.AccessEntry, error) {
	es, err := a.r.List(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	out := make([]server.AccessEntry, 0, len(es))
	for i := range es {
		out = append(out, server.AccessEntry{LogIndex: es[i].LogIndex, EnvelopeDigest: es[i].EnvelopeDigest, Access: es[i].Access, Receipt: es[i].Receipt})
	}
	return out, nil
}

// jobQueue is package jobs' Queue as the API asks it.
type jobQueue struct {
	q       *jobs.Queue
	resolve func(ctx context.Context, ref string) (*glassbox.Release, error)
}

// Jobs returns the API's job queue over q; resolve finds a job's
// release, whose product the policy decides by.
func Jobs(q *jobs.Queue, resolve func(ctx context.Context, ref string) (*glassbox.Release, error)) server.Jobs {
	return jobQueue{q, resolve}
}

// Enqueue queues an evaluation. The same evaluation already queued or
// running is that job: a client follows it instead of starting another.
func (j jobQueue) Enqueue(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, kind string, req server.EvaluateRequest) (*server.Job, error) {
	standards := req.Standards
	if kind == string(jobs.KindEvaluate) && len(standards) == 0 {
		standards = []string{standard.CRA}
	}
	id, err := j.q.Enqueue(ctx, jobs.Request{Kind: jobs.Kind(kind), Release: rel.ID, Standards: standards, Fresh: req.Fresh})
	if err != nil && !(glassbox.ErrorCode(err) == glassbox.ECONFLICT && id != 0) {
		return nil, err
	}
	slog.Info("job queued", "kind", kind, "job", id, "release", rel.ID, "by", server.Evaluator(p))
	return j.Get(ctx, strconv.FormatInt(id, 10))
}

func (j jobQueue) List(ctx context.Context, rel *glassbox.Release) ([]*server.Job, error) {
	list, err := j.q.List(ctx, jobs.Filter{Release: rel.ID})
	if err != nil {
		return nil, err
	}
	out := make([]*server.Job, 0, len(list))
	for _, job := range list {
		sj, err := j.job(ctx, job)
		if err != nil {
			return nil, err
		}
		out = append(out, sj)
	}
	return out, nil
}

func (j jobQueue) id(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, glassbox.Errorf(glassbox.ENOTFOUND, "no job %q", s)
	}
	return id, nil
}

func (j jobQueue) Get(ctx context.Context, s string) (*server.Job, error) {
	id, err := j.id(s)
	if err != nil {
		return nil, err
	}
	job, err := j.q.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return j.job(ctx, job)
}

func (j jobQueue) job(ctx context.Context, job *jobs.Job) (*server.Job, error) {
	rel, err := j.resolve(ctx, string(job.Release))
	if err != nil {
		return nil, err
	}
	out := &server.Job{ID: strconv.FormatInt(job.ID, 10), Kind: string(job.Kind), Release: job.Release, Product: rel.Manifest.Product,
		State: string(job.State), Created: job.CreatedAt, Finished: job.FinishedAt, Attempt: job.Attempt}
	if job.State == jobs.Failed || job.State == jobs.Queued {
		out.Error = job.Reason
	}
	var o struct {
		Verdict string `json:"verdict"`
	}
	if json.Unmarshal(job.Output, &o) == nil {
		out.Verdict = o.Verdict
		if job.Kind == jobs.KindEvaluate && job.State == jobs.Done {
			out.Evaluation = job.Output
		}
	}
	return out, nil
}

func (j jobQueue) Events(ctx context.Context, s string, after int64) ([]server.JobEvent, error) {
	id, err := j.id(s)
	if err != nil {
		return nil, err
	}
	evs, err := j.q.Events(ctx, id, after)
	if err != nil {
		return nil, err
	}
	out := make([]server.JobEvent, 0, len(evs))
	for _, e := range evs {
		out = append(out, server.JobEvent{Seq: e.ID, At: e.At, Stage: e.Stage, State: e.State, Detail: e.Message})
	}
	return out, nil
}

func (j jobQueue) Cancel(ctx context.Context, s string) (*server.Job, error) {
	id, err := j.id(s)
	if err != nil {
		return nil, err
	}
	job, err := j.q.Cancel(ctx, id)
	if err != nil {
		return nil, err
	}
	return j.job(ctx, job)
}
