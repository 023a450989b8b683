package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/evaluate"
	"glassbox.dev/scan"
	"glassbox.dev/server"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

func evaluateCommand(g *globals) *cobra.Command {
	var standards, outDir, suppressions, verifier string
	var fresh, asJSON bool
	var maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "evaluate RELEASE [--standard cra-annex-i[,en-303-645,osps-l1…]] [--out DIR]",
		Short: "Run every check on a stored release, judge it against standards and sign the verdict",
		Long: `Evaluate runs the centre's main job on a stored release: the source
check, the release-archive-against-git check (when the release names a git
origin), the sandboxed rebuild and comparison, the analysers, the SBOM
(derived from the source and the Go binaries, compared with the submitted
one) and the known vulnerabilities (the imported OSV database, with Go
reachability: of the shipped Go binaries, or of the source when none is
shipped; a component ecosystem the database holds no advisories for, or
data older than --vulndb-max-age, leaves the check not assessed). Each result is kept as evidence of the release and signed
into the transparency log. Then every control of the selected standards is
assessed — by the checks mapped to it, or by an evaluator's judgement
(glassbox judge) for controls that need a human — and the evaluation
writes, into --out:

  assessment-results.json   OSCAL 1.0.6 assessment-results
  report.html               a self-contained, printable report
  sbom.cdx.json             the derived CycloneDX 1.6 SBOM
  vex.cdx.json              CycloneDX 1.6 with the vulnerabilities' VEX status
  scan.sarif, vulns.sarif   SARIF 2.1.0 of the analysers and the vulnerabilities
  ARTIFACT.vsa.receipt.json for each shipped artefact, the receipt of its
                            signed SLSA Verification Summary (PASSED only when
                            every control is assessed and satisfied)
  ARTIFACT.vsa.intoto.jsonl the VSA's DSSE envelope alone, one per line (SLSA's
                            convention, read by slsa-verifier and cosign)

A stage that fails is reported and the evaluation records what it could
establish. Evidence stored by an earlier evaluation of the same release is
reused (--fresh runs everything again). Standards: cra-annex-i, en-303-645,
osps-l1, osps-l2, osps-l3, osps-baseline and catalogs added with
'glassbox catalogs add'.

Exit codes: 0 PASSED; 1 FAILED (or the release does not exist); 2 usage or
internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			ids := splitList(standards)
			if len(ids) == 0 {
				return usageError{errors.New("--standard: name at least one standard, e.g. cra-annex-i")}
			}
			if g.remote() {
				for _, name := range []string{"out", "suppressions", "verifier", "vulndb-max-age"} {
					if cmd.Flags().Changed(name) {
						return usageError{fmt.Errorf("--%s is the centre's to set: it does not go with --server", name)}
					}
				}
				return remoteEvaluate(ctx, g, a[0], ids, fresh, asJSON)
			}
			var supp []scan.Suppression
			if suppressions != "" {
				var err error
				if supp, err = scan.LoadSuppressions(ctx, suppressions); err != nil {
					return err
				}
			}
			return runEvaluate(ctx, g, a[0], ids, outDir, supp, verifier, fresh, asJSON, maxAge)
		},
	}
	f := cmd.Flags()
	f.StringVar(&standards, "standard", standard.CRA, "comma-separated `standards` to judge against")
	f.StringVar(&outDir, "out", "", "`directory` for the report and documents (default DATA/reports/PRODUCT-VERSION/TIME, one per evaluation)")
	f.StringVar(&suppressions, "suppressions", "", "YAML `file` of audited scan suppressions (each names a fingerprint and a reason)")
	f.StringVar(&verifier, "verifier", "", "the centre's identity in its VSAs (default: https://glassbox.dev/centre/ followed by the log's origin)")
	f.BoolVar(&fresh, "fresh", false, "run every check again instead of reusing stored evidence")
	f.DurationVar(&maxAge, "vulndb-max-age", vuln.DefaultMaxAge, "how old the vulnerability data may be for the check to pass; older data leaves it not assessed")
	f.BoolVar(&asJSON, "json", false, "print the outcome as JSON")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runEvaluate(ctx context.Context, g *globals, ref string, ids []string, outDir string, supp []scan.Suppression, verifier string, fresh, asJSON bool, maxAge time.Duration) error {
	c, err := g.openEvaluation(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	rel, err := findRelease(ctx, c, ref)
	if err != nil {
		return err
	}
	ev, err := c.Evaluate(ctx, rel, centre.EvaluateOptions{Standards: ids, OutDir: outDir, Suppressions: supp,
		Verifier: verifier, Fresh: fresh, VulnMaxAge: maxAge}, stageProgress(g))
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(g, struct {
			Release glassbox.Digest `json:"release"`
			*evaluate.Outcome
			Files    map[string]string `json:"files"`
			Duration time.Duration     `json:"duration_ns"`
		}{rel.ID, ev.Outcome, ev.Files, ev.Took}); err != nil {
			return err
		}
	} else {
		printEvaluation(g, ev)
	}
	if ev.Verdict != standard.Passed {
		return codedError{code: exitRefused}
	}
	return nil
}

// openEvaluation opens the data directory and, when the centre has keys,
// its log: without keys nothing is signed, and the evaluation says so.
func (g *globals) openEvaluation(ctx context.Context) (*centre.Centre, error) {
	c, err := g.openCentre(ctx, centre.LogIfKeys)
	if err != nil {
		return nil, err
	}
	if c.Attester() == nil {
		fmt.Fprintf(g.stderr, "glassbox: no keys in %s: nothing will be signed and no VSA issued (glassbox keys generate --origin ORIGIN)\n", g.keyDir())
	}
	return c, nil
}

// stageProgress shows the running stage on a terminal and one line per
// finished stage; piped (a CI log), one line as each stage starts and one
// as it ends, so a long evaluation is never silent. --quiet silences both.
func stageProgress(g *globals) func(evaluate.Event) {
	if g.quiet {
		return nil
	}
	f, tty := terminalFile(g.stderr)
	var stop func()
	return func(ev evaluate.Event) {
		switch {
		case ev.State == evaluate.StageStarted && tty:
			stop = showElapsed(f, "evaluate: "+ev.Stage)
		case ev.State == evaluate.StageStarted:
			fmt.Fprintf(g.stderr, "glassbox: evaluate: %s: started\n", ev.Stage)
		case tty:
			if stop != nil {
				stop()
				stop = nil
			}
			fmt.Fprintf(g.stderr, "  %-16s %-7s %6s  %s\n", ev.Stage, ev.State, ev.Elapsed.Round(10*time.Millisecond), clipLine(ev.Detail, 100))
		default:
			fmt.Fprintf(g.stderr, "glassbox: evaluate: %s: %s after %s: %s\n", ev.Stage, ev.State, ev.Elapsed.Round(10*time.Millisecond), clipLine(ev.Detail, 200))
		}
	}
}

func clipLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// printVerdictLine is the first line an evaluation prints.
func printVerdictLine(g *globals, verdict string, rel *glassbox.Release, took time.Duration) {
	fmt.Fprintf(g.stdout, "%s %s (release %s) in %s\n", verdict, rel.Manifest.String(), rel.ID, took.Round(10*time.Millisecond))
}

// remoteEvaluate queues an evaluation on the remote centre, follows its
// progress and prints its verdict and where its receipts are.
func remoteEvaluate(ctx context.Context, g *globals, ref string, ids []string, fresh, asJSON bool) error {
	c, rel, err := g.remoteRelease(ctx, ref)
	if err != nil {
		return err
	}
	j, err := c.Evaluate(ctx, ref, server.EvaluateRequest{Standards: ids, Fresh: fresh})
	if err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(g.stderr, "glassbox: evaluate: queued as job %s on %s\n", j.ID, g.server)
	}
	if j, err = followJob(ctx, g, c, j); err != nil {
		return err
	}
	if j.State != "done" {
		return glassbox.Errorf(glassbox.EINTERNAL, "the evaluation job %s of %s ended %s: %s", j.ID, rel.Manifest.String(), j.State, j.Error)
	}
	if asJSON {
		if err := writeJSON(g, struct {
			Release glassbox.Digest `json:"release"`
			Job     *server.Job     `json:"job"`
		}{rel.ID, j}); err != nil {
			return err
		}
	} else {
		var took time.Duration
		if j.Finished != nil {
			took = j.Finished.Sub(j.Created)
		}
		var rec evaluate.Record
		if err := json.Unmarshal(j.Evaluation, &rec); err != nil || rec.Verdict == "" {
			return glassbox.Errorf(glassbox.EINTERNAL, "the evaluation job %s of %s ended without its record; see GET /api/v1/releases/%s/evaluations", j.ID, rel.Manifest.String(), rel.ID)
		}
		printOutcome(g, rel, rec, took)
		api := strings.TrimRight(g.server, "/") + "/api/v1"
		fmt.Fprintf(g.stdout, "\nreport: %s/releases/%s/evidence/evaluation/report\n", api, rel.ID)
		fmt.Fprintf(g.stdout, "OSCAL assessment-results: %s/releases/%s/evidence/evaluation/oscal\n", api, rel.ID)
		for _, v := range rec.VSAs {
			fmt.Fprintf(g.stdout, "VSA of %s (%s): %s/verdicts/%s\n", v.Artifact, v.Digest, api, v.Digest)
		}
	}
	if j.Verdict != string(standard.Passed) {
		return codedError{code: exitRefused}
	}
	return nil
}

// printOutcome prints what an evaluation concluded, the same whether it
// ran here or on a centre: the verdict, each check's result, each
// standard's tally and why the verdict is not PASSED.
func printOutcome(g *globals, rel *glassbox.Release, rec evaluate.Record, took time.Duration) {
	w := g.stdout
	printVerdictLine(g, string(rec.Verdict), rel, took)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tresult\twhat it established")
	for _, c := range rec.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Check, c.Status, clipLine(c.Summary, 140))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "standard\tcontrols\tsatisfied\tnot satisfied\tnot assessed\tverdict")
	for _, s := range rec.Results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.ID, s.Controls, s.Satisfied, s.NotSatisfied, s.NotAssessed, s.Verdict)
	}
	tw.Flush()
	for _, r := range rec.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
}

func printEvaluation(g *globals, ev *centre.Evaluation) {
	rel, out, files, took := ev.Release, ev.Outcome, ev.Files, ev.Took
	w := g.stdout
	printOutcome(g, rel, out.Record(), took)
	fmt.Fprintf(w, "\nreport: %s\n", files["report.html"])
	fmt.Fprintf(w, "OSCAL assessment-results: %s\n", files["assessment-results.json"])
	for _, v := range out.VSAs {
		rp := files[centre.ReceiptFile(v.Artifact)]
		fmt.Fprintf(w, "VSA of %s (%s): %s\n", v.Artifact, v.Digest, rp)
		fmt.Fprintf(w, "  check the shipped binary before deploying it:\n  glassbox verify PATH/TO/%s --receipt %s --key %s --log-key %s --policy POLICY.yaml\n",
			filepath.Base(v.Artifact), rp, filepath.Join(g.keyDir(), "attestation.pub"), filepath.Join(g.keyDir(), "log.vkey"))
	}
}
