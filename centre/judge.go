package centre

import (
	"context"
	"fmt"
	"strings"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/standard"
	"glassbox.dev/tlog"
)

// Judged is one judgement Judge recorded.
type Judged struct {
	// Judgement is as recorded: the control's id in its catalog, the
	// evaluator, the time.
	Judgement *glassbox.Judgement
	Control   *standard.Control
	// Supersedes is the newest earlier judgement on the same control,
	// which stays on record; nil if there was none.
	Supersedes *glassbox.Judgement
	// Receipt is the signed, logged statement of the judgement; nil when
	// the centre's log is not open (the evaluation that uses the
	// judgement signs it).
	Receipt *tlog.Receipt
}

// Judge records evaluator's judgements on controls of a release. Each
// names its control by id or label, and its catalog when several have the
// control; all are checked before any is recorded. The evaluator is who
// the caller authenticated (or, on the command line, who the user says
// they are): never taken from the judgements. With the log open, each
// recorded judgement is signed as the centre's statement naming the
// evaluator and logged; if that fails, the judgements are recorded but the
// error says they are not logged.
func (c *Centre) Judge(ctx context.Context, rel *glassbox.Release, evaluator string, js []glassbox.Judgement) ([]Judged, error) {
	evaluator = strings.TrimSpace(evaluator)
	if evaluator == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a judgement names its evaluator")
	}
	if len(js) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no judgements to record")
	}
	lib, err := c.Library(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Judged, len(js))
	for i := range js {
		j := js[i]
		cat, ctl, err := lib.FindControl(j.Catalog, j.Control)
		if err != nil {
			return nil, err
		}
		if j.Note = strings.TrimSpace(j.Note); j.Note == "" {
			return nil, glassbox.Errorf(glassbox.EINVALID, "the judgement of %s %s has no note: say what was examined and why the control is (not) satisfied", cat.ID, ctl.Label)
		}
		j.Release, j.Catalog, j.Control, j.Evaluator = rel.ID, cat.ID, ctl.ID, evaluator
		out[i] = Judged{Judgement: &j, Control: ctl}
	}
	previous, err := c.Store.FindJudgements(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		j := out[i].Judgement
		for k := len(previous) - 1; k >= 0; k-- {
			if p := previous[k]; p.Catalog == j.Catalog && p.Control == j.Control {
				out[i].Supersedes = p
				break
			}
		}
		if err := c.Store.RecordJudgement(ctx, j); err != nil {
			if len(out) == 1 {
				return nil, err
			}
			return nil, fmt.Errorf("judgement %d (%s %s): %w (the %d before it are recorded)", i+1, j.Catalog, j.Control, err, i)
		}
	}
	if c.Notary == nil {
		return out, nil
	}
	for i := range out {
		if out[i].Receipt, err = evaluate.SignJudgement(ctx, c.Notary, rel, out[i].Judgement); err != nil {
			return out, fmt.Errorf("the judgement is recorded but not logged: %w", err)
		}
	}
	return out, nil
}

// ParseJudgements reads an evaluator's worksheet: a YAML or JSON list of
// {catalog (optional), control, satisfied: true|false, note}, every entry
// checked against the catalogs. name names the worksheet in errors.
func (c *Centre) ParseJudgements(ctx context.Context, name string, b []byte) ([]glassbox.Judgement, error) {
	lib, err := c.Library(ctx)
	if err != nil {
		return nil, err
	}
	return lib.ParseJudgements(name, b)
}

// JudgementRecord is a judgement on a release and whether a later one on
// the same control supersedes it.
type JudgementRecord struct {
	glassbox.Judgement
	Superseded bool `json:"superseded"`
}

// Judgements lists every judgement on a release, oldest first.
func (c *Centre) Judgements(ctx context.Context, rel *glassbox.Release) ([]JudgementRecord, error) {
	all, err := c.Store.FindJudgements(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	return JudgementRecords(all), nil
}

// JudgementRecords marks, in judgements listed oldest first (as the store
// and the API list them), those a later one on the same control
// supersedes.
func JudgementRecords(all []*glassbox.Judgement) []JudgementRecord {
	rows := make([]JudgementRecord, len(all))
	newest := map[[2]string]int{}
	for i, j := range all {
		rows[i] = JudgementRecord{Judgement: *j}
		newest[[2]string{j.Catalog, j.Control}] = i
	}
	for i := range rows {
		rows[i].Superseded = newest[[2]string{rows[i].Catalog, rows[i].Control}] != i
	}
	return rows
}
