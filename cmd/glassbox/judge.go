package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

type judgeOptions struct {
	satisfied, notSatisfied bool
	note, catalog           string
	evaluator               string
	list, asJSON            bool
	from                    string
}

func judgeCommand(g *globals) *cobra.Command {
	var o judgeOptions
	cmd := &cobra.Command{
		Use:   "judge RELEASE CONTROL --satisfied|--not-satisfied --note TEXT [--catalog ID] [--evaluator NAME]\n  judge RELEASE --from FILE [--evaluator NAME]\n  judge RELEASE --list [--json]",
		Short: "Record an evaluator's verdict on a control of a standard, or list the verdicts on a release",
		Long: `Judge records an evaluator's verdict on a control that the automated checks
cannot decide alone: who (--evaluator, or $USER), when (now), satisfied or
not, and why (--note). RELEASE is a stored release (its id, at least 6 of the
id's hex digits, or PRODUCT@VERSION). CONTROL is a control's id or label in
one of the catalogs (glassbox catalogs list): "I.2.a", "5.4-3", "OSPS-VM-02.01".
When several catalogs have it, --catalog says which.

Judgements are never changed or removed: a newer judgement on the same
control supersedes the older, which stays on record. An assessment uses the
newest; a failed automated check still fails the control whatever the
judgement says.

--from records an evaluator's worksheet in one go: a YAML or JSON list of
{catalog (optional), control, satisfied: true|false, note}. Every entry is
checked before any is recorded.

--list prints every judgement on the release, oldest first, marking the
superseded ones.

Exit codes: 0 recorded (or listed); 1 the release or control does not exist,
or the input was refused; 2 usage or internal error.`,
		Args: args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if g.remote() && o.evaluator != "" {
				return usageError{fmt.Errorf("--evaluator does not go with --server: the centre records the judgement under your token's organisation and user")}
			}
			if o.list {
				if len(a) != 1 || o.satisfied || o.notSatisfied || o.note != "" {
					return usageError{fmt.Errorf("--list takes only RELEASE")}
				}
				return runJudgeList(cmd.Context(), g, a[0], o.asJSON)
			}
			if o.from != "" {
				if len(a) != 1 || o.satisfied || o.notSatisfied || o.note != "" || o.catalog != "" {
					return usageError{fmt.Errorf("--from takes only RELEASE (and --evaluator); the file gives controls, verdicts and notes")}
				}
				return runJudgeFile(cmd.Context(), g, a[0], o)
			}
			if len(a) != 2 {
				return usageError{fmt.Errorf("name the RELEASE and the CONTROL to judge, or give --list")}
			}
			return runJudge(cmd.Context(), g, a[0], a[1], o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.satisfied, "satisfied", false, "the control is satisfied")
	f.BoolVar(&o.notSatisfied, "not-satisfied", false, "the control is not satisfied")
	f.StringVar(&o.note, "note", "", "why: what was examined and found (required)")
	f.StringVar(&o.catalog, "catalog", "", "the catalog `id` the control is in, when several have it")
	f.StringVar(&o.evaluator, "evaluator", "", "who judges (default $USER)")
	f.StringVar(&o.from, "from", "", "record the judgements listed in this YAML or JSON `file`")
	f.BoolVar(&o.list, "list", false, "list the judgements on RELEASE")
	f.BoolVar(&o.asJSON, "json", false, "with --list, print JSON")
	return cmd
}

func runJudge(ctx context.Context, g *globals, ref, control string, o judgeOptions) error {
	if o.satisfied == o.notSatisfied {
		return usageError{fmt.Errorf("give exactly one of --satisfied and --not-satisfied")}
	}
	if strings.TrimSpace(o.note) == "" {
		return usageError{fmt.Errorf("--note is required: say what was examined and why the control is (not) satisfied")}
	}
	if g.remote() {
		js, rel, err := remoteJudge(ctx, g, ref, []glassbox.Judgement{{Catalog: o.catalog, Control: control, Satisfied: o.satisfied, Note: o.note}})
		if err != nil {
			return err
		}
		printJudged(g, js[0], nil, rel)
		return nil
	}
	evaluator, err := evaluatorName(o)
	if err != nil {
		return err
	}
	c, rel, err := g.openJudging(ctx, ref)
	if err != nil {
		return err
	}
	defer c.Close()
	judged, err := c.Judge(ctx, rel, evaluator, []glassbox.Judgement{{Catalog: o.catalog, Control: control, Satisfied: o.satisfied, Note: o.note}})
	if judged == nil {
		return err
	}
	jd := judged[0]
	printJudged(g, jd.Judgement, jd.Control, rel)
	if err := printSigned(g, c, judged, err); err != nil {
		return err
	}
	if p := jd.Supersedes; p != nil {
		fmt.Fprintf(g.stdout, "supersedes the judgement %s by %s at %s\n", verdictWord(p.Satisfied), p.Evaluator, p.At.Format(time.RFC3339))
	}
	return nil
}

// printJudged says what was recorded; ctl, when known, names the control
// as its catalog labels it.
func printJudged(g *globals, j *glassbox.Judgement, ctl *standard.Control, rel *glassbox.Release) {
	control := j.Control
	if ctl != nil {
		control = fmt.Sprintf("%s (%s)", ctl.Label, ctl.Title)
	}
	fmt.Fprintf(g.stdout, "%s %s of %s: judged %s by %s at %s\n", j.Catalog, control, rel.Manifest.String(),
		verdictWord(j.Satisfied), j.Evaluator, j.At.Format(time.RFC3339))
}

// remoteJudge records judgements on the remote centre, one request each,
// under the token's identity.
func remoteJudge(ctx context.Context, g *globals, ref string, js []glassbox.Judgement) ([]*glassbox.Judgement, *glassbox.Release, error) {
	c, rel, err := g.remoteRelease(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var out []*glassbox.Judgement
	for i, j := range js {
		r, err := c.Judge(ctx, ref, server.JudgeRequest{Catalog: j.Catalog, Control: j.Control, Satisfied: j.Satisfied, Note: j.Note})
		if err != nil {
			if len(js) > 1 {
				err = fmt.Errorf("judgement %d (%s), after %d recorded: %w", i+1, j.Control, i, err)
			}
			return out, rel, err
		}
		out = append(out, r)
	}
	return out, rel, nil
}

func evaluatorName(o judgeOptions) (string, error) {
	evaluator := o.evaluator
	if evaluator == "" {
		evaluator = os.Getenv("USER")
	}
	if strings.TrimSpace(evaluator) == "" {
		return "", usageError{fmt.Errorf("say who judges with --evaluator (USER is not set)")}
	}
	return evaluator, nil
}

// runJudgeFile records every judgement of a file, after checking them all.
func runJudgeFile(ctx context.Context, g *globals, ref string, o judgeOptions) error {
	if g.remote() {
		b, err := readLimited(o.from, standard.MaxJudgementsFile)
		if err != nil {
			return err
		}
		entries, err := standard.ReadJudgements(o.from, b)
		if err != nil {
			return err
		}
		judged, rel, err := remoteJudge(ctx, g, ref, entries)
		if err != nil {
			return fmt.Errorf("%s: %w", o.from, err)
		}
		fmt.Fprintf(g.stdout, "recorded %d judgements on %s by %s\n", len(judged), rel.Manifest.String(), judged[0].Evaluator)
		return nil
	}
	evaluator, err := evaluatorName(o)
	if err != nil {
		return err
	}
	b, err := readLimited(o.from, standard.MaxJudgementsFile)
	if err != nil {
		return err
	}
	c, rel, err := g.openJudging(ctx, ref)
	if err != nil {
		return err
	}
	defer c.Close()
	entries, err := c.ParseJudgements(ctx, o.from, b)
	if err != nil {
		return err
	}
	judged, err := c.Judge(ctx, rel, evaluator, entries)
	if judged == nil {
		return fmt.Errorf("%s: %w", o.from, err)
	}
	fmt.Fprintf(g.stdout, "recorded %d judgements on %s by %s\n", len(judged), rel.Manifest.String(), evaluator)
	return printSigned(g, c, judged, err)
}

// openJudging opens the data directory and, when the centre has keys, its
// log, so that each judgement is signed and logged as it is recorded; and
// finds the release judged.
func (g *globals) openJudging(ctx context.Context, ref string) (*centre.Centre, *glassbox.Release, error) {
	c, err := g.openCentre(ctx, centre.LogIfKeys)
	if err != nil {
		return nil, nil, err
	}
	rel, err := findRelease(ctx, c, ref)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, rel, nil
}

// printSigned says which recorded judgements were signed and logged, or
// that none are signed yet; err is the signing's.
func printSigned(g *globals, c *centre.Centre, judged []centre.Judged, err error) error {
	if c.Notary == nil {
		fmt.Fprintf(g.stdout, "not signed: the centre has no keys yet (glassbox keys generate); the evaluation that uses the judgement signs and logs it\n")
		return nil
	}
	for _, jd := range judged {
		if jd.Receipt == nil {
			break
		}
		j := jd.Judgement
		fmt.Fprintf(g.stdout, "signed and logged: %s %s by %s, envelope %s\n", j.Catalog, j.Control, j.Evaluator, glassbox.DigestOf(jd.Receipt.Envelope))
	}
	return err
}

func runJudgeList(ctx context.Context, g *globals, ref string, asJSON bool) error {
	rel, rows, err := judgementsOf(ctx, g, ref)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(g, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(g.stdout, "no judgements on %s (%s)\n", rel.Manifest.String(), rel.ID)
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tCATALOG\tCONTROL\tVERDICT\tEVALUATOR\tNOTE")
	for _, r := range rows {
		verdict := verdictWord(r.Satisfied)
		if r.Superseded {
			verdict += " (superseded)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.At.Format(time.RFC3339), r.Catalog, r.Control, verdict, r.Evaluator, oneLineNote(r.Note))
	}
	return tw.Flush()
}

// judgementsOf lists the judgements on a release, from the data directory
// or the remote centre.
func judgementsOf(ctx context.Context, g *globals, ref string) (*glassbox.Release, []centre.JudgementRecord, error) {
	if g.remote() {
		c, rel, err := g.remoteRelease(ctx, ref)
		if err != nil {
			return nil, nil, err
		}
		js, err := c.Judgements(ctx, ref)
		return rel, centre.JudgementRecords(js), err
	}
	c, err := g.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	rel, err := findRelease(ctx, c, ref)
	if err != nil {
		return nil, nil, err
	}
	rows, err := c.Judgements(ctx, rel)
	return rel, rows, err
}

func verdictWord(satisfied bool) string {
	if satisfied {
		return "satisfied"
	}
	return "not satisfied"
}

// oneLineNote keeps a table row on one line: a note's line breaks and tabs
// become spaces.
func oneLineNote(s string) string { return strings.Join(strings.Fields(s), " ") }
