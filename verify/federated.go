package verify

import (
	"context"
	"fmt"
	"strings"

	"glassbox.dev"
	"glassbox.dev/tlog"
)

// Federated verifies an artefact against the verdicts of the centres its
// policy names (o.Policy.Centres): each centre is judged on its own, with
// its own keys, by the rest of the policy (rules, max_age, witnesses),
// from the receipts whose checkpoints are its log's or, when it has none
// and its log is named, from its log; the artefact is allowed only when
// at least the policy's threshold of centres allow it. A receipt of a log
// no centre of the policy names counts for nothing.
func Federated(ctx context.Context, artifact glassbox.Digest, receipts [][]byte, o Options) (*Result, error) {
	if o.Policy == nil || o.Policy.Centres == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "verify: the policy names no centres")
	}
	fed := *o.Policy.Centres
	each := *o.Policy
	each.Centres = nil
	byLog := map[string][][]byte{}
	res := &Result{Artifact: artifact, Attestations: []Attestation{}}
	for i, r := range receipts {
		_, p, err := tlog.ParseReceipt(r)
		if err != nil {
			return nil, fmt.Errorf("receipt %d: %w", i+1, err)
		}
		origin, _, _ := strings.Cut(string(p.Checkpoint), "\n")
		byLog[origin] = append(byLog[origin], r)
	}
	allowed := 0
	var why []string
	for _, c := range fed.Of {
		co := o
		co.Key, co.LogVerifier, co.Policy, co.Log, co.State = c.Key, c.LogVerifier, &each, nil, nil
		var best *Result
		for _, r := range byLog[c.LogVerifier.Name()] {
			cr, err := Receipt(ctx, artifact, r, co)
			if err != nil {
				return nil, err
			}
			if best == nil || cr.Allowed {
				best = cr
			}
			if cr.Allowed {
				break
			}
		}
		if best == nil && c.Log != "" {
			remote, err := NewRemote(c.Log, nil)
			if err != nil {
				return nil, err
			}
			co.Log = remote
			if best, err = FromLog(ctx, artifact, co); err != nil {
				best = &Result{Artifact: artifact, Reasons: []string{err.Error()}}
			}
		}
		if best == nil {
			best = &Result{Artifact: artifact, Reasons: []string{"no receipt from its log " + c.LogVerifier.Name() + ", and no log to fetch its verdicts from"}}
		}
		res.Centres = append(res.Centres, CentreResult{Name: c.Name, Log: c.LogVerifier.Name(), Result: best})
		if best.Allowed {
			allowed++
		} else {
			why = append(why, fmt.Sprintf("%s: %s", c.Name, strings.Join(best.Reasons, "; ")))
		}
	}
	if allowed < fed.Threshold {
		res.deny("%d of the %d centres the policy names allow the artefact; it requires %d (%s)", allowed, len(fed.Of), fed.Threshold, strings.Join(why, " | "))
	}
	return res.finish(), nil
}
