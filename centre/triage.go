package centre

import (
	"context"
	"fmt"
	"strings"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/evaluate"
	"glassbox.dev/tlog"
)

// Triaged is a decision Triage recorded, and its receipt when the log is
// open.
type Triaged struct {
	Triage  *glassbox.Triage
	Receipt *tlog.Receipt
}

// MaxTriageReason bounds the reason given for a decision on a finding.
const MaxTriageReason = 8 << 10

// Triage records evaluator's decision on the finding of rel's scan with
// the fingerprint: confirmed, or dismissed with a reason. The finding's
// rule and place are taken from the scan, never from the caller; the
// release must have been scanned. With the log open the decision is signed
// as the centre's statement naming the evaluator and logged. A dismissal
// in force suppresses the finding in the next evaluation.
func (c *Centre) Triage(ctx context.Context, rel *glassbox.Release, evaluator, fingerprint string, dismissed bool, reason string) (*Triaged, error) {
	evaluator, reason = strings.TrimSpace(evaluator), strings.TrimSpace(reason)
	if evaluator == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a decision on a finding names its evaluator")
	}
	if dismissed && reason == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a dismissal needs a reason: say why the finding is not what it looks like")
	}
	if len(reason) > MaxTriageReason {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the reason is longer than %d bytes", MaxTriageReason)
	}
	ts, ok := c.Store.(glassbox.TriageStore)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre's store keeps no decisions on findings")
	}
	found, err := c.finding(ctx, rel, fingerprint)
	if err != nil {
		return nil, err
	}
	t := &glassbox.Triage{Release: rel.ID, Fingerprint: fingerprint, RuleID: found.RuleID, Path: found.Path, Line: found.Region.StartLine,
		Dismissed: dismissed, Reason: reason, Evaluator: evaluator}
	if err := ts.RecordTriage(ctx, t); err != nil {
		return nil, err
	}
	out := &Triaged{Triage: t}
	if c.Notary == nil {
		return out, nil
	}
	if out.Receipt, err = evaluate.SignTriage(ctx, c.Notary, rel, t); err != nil {
		return out, fmt.Errorf("the decision is recorded but not logged: %w", err)
	}
	return out, nil
}

// finding returns the finding of rel's stored scan with the fingerprint.
func (c *Centre) finding(ctx context.Context, rel *glassbox.Release, fingerprint string) (*glassbox.Finding, error) {
	var res struct {
		Findings []glassbox.Finding `json:"findings"`
	}
	found, err := c.Jobs(rel, false).Stored(ctx, stage.KindScanResult, &res)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has not been scanned: there is no finding to decide on", rel.Manifest.Product, rel.Manifest.Version)
	}
	for i := range res.Findings {
		if res.Findings[i].Fingerprint == fingerprint {
			return &res.Findings[i], nil
		}
	}
	return nil, glassbox.Errorf(glassbox.ENOTFOUND, "the scan of %s@%s has no finding %q", rel.Manifest.Product, rel.Manifest.Version, fingerprint)
}
