package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/exercise"
)

type exerciseOptions struct {
	format, failOn string
	asJSON         bool
}

func exerciseCommand(g *globals) *cobra.Command {
	o := exerciseOptions{format: "text", failOn: "medium"}
	cmd := &cobra.Command{
		Use:   "exercise RELEASE [--format text|json|sarif] [--json] [--fail-on SEVERITY]",
		Short: "Run a release's shipped programs in the sandbox, record what they do and probe what they listen on",
		Long: `Exercise is the run stage. It starts every shipped program of RELEASE (its
id, at least 6 of the id's hex digits, or PRODUCT@VERSION) in the sandbox,
as the recipe's run section says (arguments, environment, configuration
files, the ports it should listen on, how long), or with --help, --version
and no arguments when the recipe says nothing about it.

Each program runs in its own network namespace with only loopback; a DNS
sinkhole inside answers every name, so a phone-home's lookup and connection
attempt are recorded and nothing leaves the machine. strace, outside the
sandbox, records every process started (with its arguments), file opened
for writing, socket bound and listened on, connection attempt and privilege
change, however the program makes the call. Every port it listens on is
probed: its banner, known default credentials, unauthenticated HTTP debug
endpoints, and the values the release's own scan found compared with input
(magic bytes, hard-coded user names, passwords and tokens), each after an
ordinary input of the same shape as a control.

The report and its findings (SARIF, with the observed trace as each
finding's code flow) are kept as evidence of the release (exercise/report,
exercise/sarif), which glassbox evaluate reuses. The run needs root (the
sandbox's cgroup and tmpfs), bubblewrap and strace.

Exit codes: 0 no finding at or above --fail-on and every program ran; 1 a
finding at or above --fail-on, or a program could not be run (not
assessed); 2 usage or internal error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runExercise(cmd.Context(), g, a[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", o.format, "output `format`: text, json or sarif")
	f.BoolVar(&o.asJSON, "json", false, "the same as --format json")
	f.StringVar(&o.failOn, "fail-on", o.failOn, "exit 1 on a finding at or above this `severity`: critical, high, medium, low, note or none")
	return cmd
}

func runExercise(ctx context.Context, g *globals, ref string, o exerciseOptions) error {
	if o.asJSON {
		o.format = "json"
	}
	switch o.format {
	case "text", "json", "sarif":
	default:
		return usageError{fmt.Errorf("--format %q: want text, json or sarif", o.format)}
	}
	rank, err := failRank(o.failOn)
	if err != nil {
		return err
	}
	c, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return err
	}
	jobs := c.Jobs(rel, true)
	defer jobs.Close()
	var (
		mu  sync.Mutex
		now = "starting"
	)
	stop := showLine(g.stderr, 200*time.Millisecond, func(d time.Duration) string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("run stage: %s (%s)", now, d.Truncate(time.Second))
	})
	ex, err := jobs.Exercise(ctx, stage.ExerciseOptions{Progress: func(s string) { mu.Lock(); now = s; mu.Unlock() }})
	stop()
	if err != nil {
		return fmt.Errorf("run stage of release %s: %w", rel.ID, err)
	}
	rep := ex.Report
	var out bytes.Buffer
	switch o.format {
	case "json":
		if err := writeJSON(&globals{stdout: &out}, struct {
			Release      glassbox.Digest `json:"release"`
			ReportDigest glassbox.Digest `json:"report_digest"`
			SARIFDigest  glassbox.Digest `json:"sarif_digest"`
			*exercise.Report
		}{rel.ID, ex.Digest, ex.SARIFDigest, rep}); err != nil {
			return err
		}
	case "sarif":
		out.Write(ex.SARIF)
	default:
		writeExerciseText(&out, ex)
		fmt.Fprintf(&out, "report stored as %s, SARIF as %s, recorded as evidence of release %s (glassbox cat DIGEST)\n", ex.Digest, ex.SARIFDigest, rel.ID)
	}
	if _, err := g.stdout.Write(out.Bytes()); err != nil {
		return err
	}
	failing := 0
	for _, f := range rep.Findings {
		if f.Severity.Rank() >= rank {
			failing++
		}
	}
	if failing > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d finding(s) at or above %s", failing, o.failOn)}
	}
	if ran, why := rep.Ran(); !ran && rep.Programs() > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("not assessed: %s", why)}
	}
	return nil
}

func writeExerciseText(w *bytes.Buffer, ex *stage.Exercised) {
	rep := ex.Report
	if rep.Programs() == 0 {
		fmt.Fprintln(w, "the release ships no program to run")
		return
	}
	for _, r := range rep.Runs {
		fmt.Fprintf(w, "ran %s %s: %s after %s, %d events, %d listeners, %d DNS questions\n",
			r.Artifact, strings.Join(r.Args, " "), r.Exit, r.Duration.Round(time.Millisecond), len(r.Events), len(r.Listeners), len(r.DNS))
		for _, p := range r.Probes {
			fmt.Fprintf(w, "  probed %s (%s): %d inputs\n", p.Listener.Endpoint(), p.Protocol, len(p.Steps))
		}
	}
	for _, n := range rep.NotRun {
		fmt.Fprintf(w, "not run: %s: %s\n", n.Artifact, n.Reason)
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "%s: %s %s: %s\n", f.Severity, f.RuleID, f.Rule, f.Message)
		for _, st := range f.Flow {
			fmt.Fprintf(w, "    %s\n", st.Message)
		}
	}
	fmt.Fprintf(w, "%d findings; recorder: %s\n", len(rep.Findings), rep.Tracer)
}
