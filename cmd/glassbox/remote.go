package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/client"
	"glassbox.dev/evaluate"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/input"
	"glassbox.dev/server"
	"glassbox.dev/standard"
)

// remoteCommands run against a centre's API v1 when --server is given;
// offlineCommands need no data directory and run the same either way.
// Every other command works on the centre's own data directory.
var (
	remoteCommands  = map[string]bool{"submit": true, "releases": true, "show": true, "evaluate": true, "judge": true, "access": true, "withdraw": true, "grant": true, "ics": true}
	offlineCommands = map[string]bool{"verify": true, "monitor": true, "digest": true, "version": true, "help": true, "completion": true, "attest": true, "glassbox": true}
)

// remote reports whether the command runs against a remote centre.
func (g *globals) remote() bool { return g.server != "" }

// checkRemote refuses, with --server, a command that runs only where the
// centre's data directory is.
func (g *globals) checkRemote(cmd *cobra.Command) error {
	if !g.remote() {
		return nil
	}
	top := cmd
	for top.HasParent() && top.Parent().HasParent() {
		top = top.Parent()
	}
	if remoteCommands[top.Name()] || offlineCommands[top.Name()] {
		return nil
	}
	return usageError{fmt.Errorf("glassbox %s runs on the centre's machine, on its data directory; it does not run against --server (or GLASSBOX_SERVER) %s", top.Name(), g.server)}
}

// client connects to the remote centre with the token from --token-file
// or GLASSBOX_TOKEN. The token is never printed.
func (g *globals) client(ctx context.Context) (*client.Client, error) {
	token := os.Getenv("GLASSBOX_TOKEN")
	if g.tokenFile != "" {
		b, err := input.ReadFile(ctx, g.tokenFile, "token file", maxTokenFile)
		if err != nil {
			return nil, err
		}
		if token = string(bytes.TrimSpace(b)); token == "" {
			return nil, usageError{fmt.Errorf("token file %s is empty", g.tokenFile)}
		}
	}
	if token == "" {
		return nil, usageError{fmt.Errorf("--server %s needs a token: GLASSBOX_TOKEN or --token-file FILE", g.server)}
	}
	c, err := client.New(g.server, token)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// remoteRelease connects to the remote centre and finds the release ref
// names there (its id, an abbreviation, or PRODUCT@VERSION).
func (g *globals) remoteRelease(ctx context.Context, ref string) (*client.Client, *glassbox.Release, error) {
	c, err := g.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	rel, err := c.Release(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return c, rel, nil
}

// remoteSource is the archive a remote submission uploads: an archive as
// given, or a directory packed into a gzipped tar in a temporary directory
// (removed by the returned function).
func remoteSource(g *globals, source string) (path string, done func(), err error) {
	if !isDir(source) {
		return source, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "glassbox-submit-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(tmp) }
	path = filepath.Join(tmp, filepath.Base(filepath.Clean(source))+".tar.gz")
	f, err := os.Create(path)
	if err != nil {
		done()
		return "", nil, err
	}
	skipped, err := ingest.PackDir(f, source)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		done()
		return "", nil, err
	}
	for _, p := range skipped {
		fmt.Fprintf(g.stderr, "glassbox: skipped %s (version-control metadata)\n", p)
	}
	return path, done, nil
}

// followJob shows a remote job's progress as a local evaluation shows its
// own (stageProgress) and returns the ended job.
func followJob(ctx context.Context, g *globals, c *client.Client, j *server.Job) (*server.Job, error) {
	progress := stageProgress(g)
	started := map[string]time.Time{}
	return c.Follow(ctx, j.ID, func(e server.JobEvent) {
		if progress == nil || e.Stage == "" {
			return
		}
		ev := evaluate.Event{Stage: e.Stage, State: evaluate.StageState(e.State), Detail: e.Detail}
		if ev.State == evaluate.StageStarted {
			started[e.Stage] = e.At
		} else if t, ok := started[e.Stage]; ok {
			ev.Elapsed = e.At.Sub(t)
		}
		progress(ev)
	})
}

// remoteVerdict is the newest verdict the centre logged about the first
// artefact of rel (verdicts are public), or nil if there is none: what a
// client can know of the release's current evaluation.
func remoteVerdict(ctx context.Context, c *client.Client, rel *glassbox.Release) (*evaluate.Record, error) {
	if len(rel.Manifest.Artifacts) == 0 {
		return nil, nil
	}
	a := rel.Manifest.Artifacts[0]
	vs, err := c.Verdicts(ctx, a.Digest)
	if err != nil || len(vs.Verdicts) == 0 {
		return nil, err
	}
	v := vs.Verdicts[0]
	for _, w := range vs.Verdicts {
		if w.LogIndex > v.LogIndex {
			v = w
		}
	}
	at, _ := time.Parse(time.RFC3339, v.TimeVerified)
	return &evaluate.Record{At: at, Verdict: standard.Verdict(v.Result),
		VSAs: []evaluate.RecordVSA{{Artifact: a.Path, Digest: a.Digest, Envelope: v.Envelope}}}, nil
}

// remoteReleases lists the releases the token may see, with their verdicts.
func remoteReleases(ctx context.Context, g *globals, f glassbox.ReleaseFilter) ([]centre.ReleaseVerdict, error) {
	c, err := g.client(ctx)
	if err != nil {
		return nil, err
	}
	rels, err := c.Releases(ctx, f.Product)
	if err != nil {
		return nil, err
	}
	if f.Limit > 0 && len(rels) > f.Limit {
		rels = rels[:f.Limit]
	}
	out := make([]centre.ReleaseVerdict, len(rels))
	for i, rel := range rels {
		out[i].Release = rel
		if out[i].Current, err = remoteVerdict(ctx, c, rel); err != nil {
			return nil, err
		}
	}
	return out, nil
}
