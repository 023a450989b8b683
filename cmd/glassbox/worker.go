package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"glassbox.dev/centre"
	"glassbox.dev/jobs"
	"glassbox.dev/vuln"
)

// jobSettings are the job queue's flags, the same on serve and worker.
type jobSettings struct {
	workers    int
	timeout    time.Duration
	heartbeat  time.Duration
	vulnMaxAge time.Duration
}

func (s *jobSettings) flags(f *pflag.FlagSet, workers int, workersHelp string) {
	f.IntVar(&s.workers, "workers", workers, workersHelp)
	f.DurationVar(&s.timeout, "job-timeout", jobs.DefaultTimeout, "the longest a job may run before it is stopped and tried again")
	f.DurationVar(&s.heartbeat, "heartbeat", jobs.DefaultHeartbeat, "how often this process records that it is alive; a job whose worker missed six heartbeats is run again by another")
	f.DurationVar(&s.vulnMaxAge, "vulndb-max-age", vuln.DefaultMaxAge, "how old the vulnerability data may be for an evaluation's check to pass")
}

// openJobs opens the data directory's job queue; with workers, it starts
// them running jobs on the centre c until the queue is closed.
func (g *globals) openJobs(ctx context.Context, c *centre.Centre, s jobSettings) (*jobs.Queue, error) {
	if s.workers < 0 {
		return nil, usageError{fmt.Errorf("--workers %d: want 0 or more", s.workers)}
	}
	cfg := jobs.Config{DataDir: g.data, DB: g.dbURL(), Workers: s.workers, Timeout: s.timeout, Heartbeat: s.heartbeat}
	if s.workers > 0 {
		e, err := c.Evaluator("", s.vulnMaxAge)
		if err != nil {
			return nil, err
		}
		cfg.Runner = &jobs.Centre{Evaluator: e}
	}
	q, err := jobs.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		q.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return q, nil
}

func workerCommand(g *globals) *cobra.Command {
	var s jobSettings
	cmd := &cobra.Command{
		Annotations: map[string]string{deploymentProcess: "true"},
		Use:         "worker [--workers N]",
		Short:       "Run the queued jobs (evaluations, rebuilds, scans) of the data directory or database, until SIGINT or SIGTERM",
		Long: `Worker runs the jobs queued in the centre's job queue (by the HTTP API, or
by 'glassbox serve' itself) without serving anything: start more of them,
on this machine or, with --db, on others, to run more jobs at once.

A job runs as 'glassbox evaluate', 'rebuild' or 'scan' would, signing with
the centre's keys if it has them. A job that fails is tried again with a
growing backoff, three times in all, unless its input is bad (a release
that does not exist). On SIGINT or SIGTERM the running jobs are stopped
and queued again. Each worker records a heartbeat every --heartbeat; a job
whose worker missed six (its process was killed, its machine lost) is run
again by any other worker, or by the next to start. It then reuses what
the lost attempt stored and signs the same statements, so the release gets
one verdict, not two.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if s.workers < 1 {
				return usageError{errors.New("--workers: a worker runs at least one job at a time")}
			}
			c, err := g.openEvaluation(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			q, err := g.openJobs(ctx, c, s)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "glassbox: worker running %d job(s) at a time from the queue of %s\n", s.workers, g.data)
			<-ctx.Done()
			return q.Close(context.WithoutCancel(ctx))
		},
	}
	s.flags(cmd.Flags(), 1, "how many jobs to run at once")
	return cmd
}
