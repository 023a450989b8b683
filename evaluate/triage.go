package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"glassbox.dev"
	"glassbox.dev/notary"
	"glassbox.dev/scan"
	"glassbox.dev/tlog"
)

// PredicateTriage is the predicate type of the centre's statement that an
// evaluator confirmed or dismissed a finding of a release's scan: its
// subject is the release's manifest; it names the finding by fingerprint,
// rule and place (never its snippet: the log is public), the decision, why
// and who.
const PredicateTriage = "https://glassbox.dev/predicates/finding-triage/v1"

type triagePredicate struct {
	Release     glassbox.Digest `json:"release"`
	Product     string          `json:"product"`
	Version     string          `json:"version"`
	Fingerprint string          `json:"fingerprint"`
	RuleID      string          `json:"ruleId"`
	Path        string          `json:"path"`
	Line        int             `json:"line"`
	Decision    string          `json:"decision"` // "confirmed" or "dismissed"
	Reason      string          `json:"reason"`
	Evaluator   string          `json:"evaluator"`
	At          string          `json:"at"` // RFC 3339, as recorded
}

// SignTriage signs a recorded decision on a finding as the centre's
// statement and logs it. Signing the same decision again returns the same
// receipt.
func SignTriage(ctx context.Context, n notary.Attester, rel *glassbox.Release, t *glassbox.Triage) (*tlog.Receipt, error) {
	if t.Release != rel.ID {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the decision is about release %s, not %s", t.Release, rel.ID)
	}
	decision := "confirmed"
	if t.Dismissed {
		decision = "dismissed"
	}
	m := &rel.Manifest
	b, err := json.Marshal(triagePredicate{Release: rel.ID, Product: m.Product, Version: m.Version, Fingerprint: t.Fingerprint,
		RuleID: t.RuleID, Path: t.Path, Line: t.Line, Decision: decision, Reason: t.Reason, Evaluator: t.Evaluator, At: t.At.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return nil, err
	}
	r, err := n.Attest(ctx, aboutManifest(rel, PredicateTriage, b))
	if err != nil {
		return nil, fmt.Errorf("sign the %s finding %s by %s: %w", decision, t.Fingerprint, t.Evaluator, err)
	}
	return r, nil
}

// Dismissals are the suppressions an evaluation applies for rel: each
// finding whose decision in force is a dismissal, with its reason and
// evaluator. A store that keeps no triage has none.
func Dismissals(ctx context.Context, st any, rel glassbox.Digest) ([]scan.Suppression, error) {
	ts, ok := st.(glassbox.TriageStore)
	if !ok {
		return nil, nil
	}
	all, err := ts.FindTriage(ctx, rel)
	if err != nil {
		return nil, fmt.Errorf("read the triage of release %s: %w", rel, err)
	}
	current := map[string]*glassbox.Triage{}
	var order []string
	for _, t := range all { // oldest first: the last is in force
		if _, ok := current[t.Fingerprint]; !ok {
			order = append(order, t.Fingerprint)
		}
		current[t.Fingerprint] = t
	}
	var out []scan.Suppression
	for _, fp := range order {
		if t := current[fp]; t.Dismissed {
			out = append(out, scan.Suppression{Fingerprint: fp, Reason: t.Reason, By: t.Evaluator})
		}
	}
	return out, nil
}
