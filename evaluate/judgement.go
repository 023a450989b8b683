package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// PredicateJudgement is the predicate type of the centre's statement that
// an evaluator judged a control of a standard for a release: its subject is
// the release's manifest, and it names the evaluator, so that a reader of
// the log sees who decided which control.
const PredicateJudgement = "https://glassbox.dev/predicates/judgement/v1"

// judgementPredicate is what a judgement statement says.
type judgementPredicate struct {
	Release   glassbox.Digest `json:"release"`
	Product   string          `json:"product"`
	Version   string          `json:"version"`
	Catalog   string          `json:"catalog"`
	Control   string          `json:"control"`
	Satisfied bool            `json:"satisfied"`
	Note      string          `json:"note"`
	Evaluator string          `json:"evaluator"`
	At        string          `json:"at"` // RFC 3339, as recorded
}

// judgementRequest is the statement of a judgement. It depends only on the
// judgement as recorded, so signing it again (by the evaluation that uses
// it) gives the same envelope and log entry as when it was made.
func judgementRequest(rel *glassbox.Release, j *glassbox.Judgement) (notary.Request, error) {
	m := &rel.Manifest
	b, err := json.Marshal(judgementPredicate{
		Release: rel.ID, Product: m.Product, Version: m.Version,
		Catalog: j.Catalog, Control: j.Control, Satisfied: j.Satisfied, Note: j.Note,
		Evaluator: j.Evaluator, At: j.At.UTC().Format(time.RFC3339Nano),
	})
	if err != nil {
		return notary.Request{}, err
	}
	return aboutManifest(rel, PredicateJudgement, b), nil
}

// aboutManifest is a statement whose subject is rel's manifest.
func aboutManifest(rel *glassbox.Release, predicateType string, predicate []byte) notary.Request {
	m := &rel.Manifest
	return notary.Request{
		Subjects:      []attest.Subject{{Name: m.Product + "@" + m.Version + " manifest", Digest: rel.ID}},
		PredicateType: predicateType,
		Predicate:     predicate,
	}
}

// SignJudgement signs a recorded judgement as the centre's statement and
// logs it. Signing the same judgement again returns the same receipt.
func SignJudgement(ctx context.Context, n notary.Attester, rel *glassbox.Release, j *glassbox.Judgement) (*tlog.Receipt, error) {
	if j.Release != rel.ID {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the judgement is about release %s, not %s", j.Release, rel.ID)
	}
	req, err := judgementRequest(rel, j)
	if err != nil {
		return nil, err
	}
	r, err := n.Attest(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("sign the judgement of %s %s by %s: %w", j.Catalog, j.Control, j.Evaluator, err)
	}
	return r, nil
}
