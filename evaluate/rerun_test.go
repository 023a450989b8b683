package evaluate_test

import (
	"context"
	"testing"
	"time"

	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// loggedTwice is the notary of a log that holds each statement twice: a
// server killed after it appended a statement, before its index recorded
// it, has the statement appended again when the job is run again.
type loggedTwice struct {
	notary.Attester
	log *tlog.Log
}

func (l *loggedTwice) Attest(ctx context.Context, req notary.Request) (*tlog.Receipt, error) {
	r, err := l.Attester.Attest(ctx, req)
	if err != nil {
		return nil, err
	}
	b, err := r.Marshal()
	if err != nil {
		return nil, err
	}
	_, p, err := tlog.ParseReceipt(b)
	if err != nil {
		return nil, err
	}
	inc, err := l.log.Append(ctx, p.ExtraData)
	if err != nil {
		return nil, err
	}
	return tlog.NewReceipt(r.Envelope, p.ExtraData, inc)
}

// TestARunAgainMakesTheSameVerdict: an evaluation run again at the same
// time (a job's attempt after its worker died) makes the same assessment
// and signs the same VSA, even when its statements land at other places in
// the log: the verdict rests on the evidence, not on where the log put it.
func TestARunAgainMakesTheSameVerdict(t *testing.T) {
	c, rel := routerCentre(t)
	ctx := t.Context()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	e := signingEvaluator(t, c)
	e.Now = func() time.Time { return at }
	first, err := e.Evaluate(ctx, rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	again := signingEvaluator(t, c)
	again.Now = e.Now
	again.Notary = &loggedTwice{Attester: c.Notary, log: c.Log}
	second, err := again.Evaluate(ctx, rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	if first.AssessmentResults != second.AssessmentResults {
		t.Errorf("the assessment results differ: %s, then %s", first.AssessmentResults, second.AssessmentResults)
	}
	if len(first.VSAs) != 1 || len(second.VSAs) != 1 || string(first.VSAs[0].Receipt.Envelope) != string(second.VSAs[0].Receipt.Envelope) {
		t.Errorf("the run again signed another verdict: %+v, then %+v", first.VSAs, second.VSAs)
	}
}
