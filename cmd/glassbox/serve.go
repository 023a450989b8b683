package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/spf13/cobra"

	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/internal/atomicfile"
	"glassbox.dev/jobs"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
	"glassbox.dev/server/web"
)

func serveCommand(g *globals) *cobra.Command {
	var addr, token, tokenFile, origin string
	var asWitness bool
	var js jobSettings
	var rate float64
	lim := server.DefaultLimits()
	cmd := &cobra.Command{
		Annotations: map[string]string{deploymentProcess: "true"},
		Use:         "serve [--listen ADDR] [--token-file FILE]",
		Short:       "Serve the transparency log, the attestations and the attest endpoint over HTTP",
		Long: `Serve answers, until SIGINT or SIGTERM:

  GET  /checkpoint, /tile/…         the log, read-only, as C2SP tlog-tiles says
  GET  /attestations/{digest}       envelopes logged about an artefact (sha256:…)
  POST /attestations                sign and log a statement (Authorization: Bearer TOKEN)
  /api/v1/…                         the centre for every party (vendors, evaluators,
                                    operators, the public), described at
                                    /api/v1/openapi.json; tokens come from
                                    'glassbox admin token create' or the API
  GET  /metrics                     Prometheus metrics (a token of an
                                    administrator or auditor)
  GET  /healthz

On the first start, a centre without organisations gets its operator, a
first administrator and an admin token valid for a day, written to
DATA/bootstrap-admin.token (mode 0600): use it to create organisations,
users and tokens, then delete the file. Jobs (evaluations queued through
the API) run in this process (--workers) or in 'glassbox worker'.

The write token is read from --token-file, or GLASSBOX_TOKEN (--token
works too but shows the token to every user in ps); without one the write
endpoint is disabled. On a
signal it stops accepting connections, finishes requests in flight (up to
--grace), publishes a last checkpoint and exits 0.

A client gets 10 s to send its headers (64 KiB at most), 30 s for the whole
request, 60 s for the response; a keep-alive connection idle for 60 s is
closed; at most --max-connections are served at once, so slow or idle
clients cannot take every file descriptor the log needs.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if origin != "" {
				if _, err := party.NewRelyingParty(origin); err != nil {
					return fmt.Errorf("--origin: %w", err)
				}
			}
			token, err := writeToken(ctx, g, token, tokenFile)
			if err != nil {
				return err
			}
			c, err := g.openLog(ctx)
			if err != nil {
				return err
			}
			q, err := g.openJobs(ctx, c, js)
			if err != nil {
				c.Close()
				return err
			}
			api, ws, err := g.openAPI(ctx, c, q, rate)
			if err != nil {
				errors.Join(q.Close(context.WithoutCancel(ctx)), c.Close())
				return err
			}
			ws.Origin = origin
			srv := server.New(c.Notary, c.Log, token).WithAPI(api).WithWorkspace(ws)
			if asWitness {
				w, err := g.witness(c, "")
				if err != nil {
					errors.Join(q.Close(context.WithoutCancel(ctx)), c.Close())
					return err
				}
				srv.WithWitness(w.Handler())
				slog.Info("witnessing", "name", w.Name(), "vkey", w.VerifierKey())
			}
			err = server.ListenAndServe(ctx, addr, srv.Handler(), lim, func(a net.Addr) {
				slog.Info("serving", "addr", a.String(), "origin", c.Log.Origin())
				scheme := "http"
				if lim.CertFile != "" {
					scheme = "https"
				}
				fmt.Fprintf(g.stderr, "glassbox: serving log %q on %s://%s\n", c.Log.Origin(), scheme, a)
			})
			if cerr := errors.Join(q.Close(context.WithoutCancel(ctx)), c.Close()); err == nil {
				err = cerr
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:8080", "`address` to listen on")
	cmd.Flags().BoolVar(&asWitness, "witness", false, "also witness other centres' logs: answer POST /add-checkpoint (C2SP tlog-witness) for the logs added with 'glassbox witness add-log'")
	cmd.Flags().StringVar(&origin, "origin", "", "the workspace's public `URL` (https://centre.example), which passkeys are bound to; without it, passkeys work only at http://localhost")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "`file` holding the token that POST /attestations requires (or env GLASSBOX_TOKEN)")
	cmd.Flags().StringVar(&token, "token", "", "`token` that POST /attestations requires; visible in ps: prefer --token-file")
	cmd.Flags().StringVar(&lim.CertFile, "tls-cert", "", "serve HTTPS with this PEM certificate `file` (with --tls-key); without it, serve loopback or behind a TLS proxy")
	cmd.Flags().StringVar(&lim.KeyFile, "tls-key", "", "the PEM private key `file` of --tls-cert")
	cmd.Flags().DurationVar(&lim.Grace, "grace", lim.Grace, "how long to wait for requests in flight on shutdown")
	cmd.Flags().IntVar(&lim.MaxConns, "max-connections", lim.MaxConns, "connections served at once; more wait until one closes")
	cmd.Flags().Float64Var(&rate, "rate", 50, "requests per second each token (or anonymous address) may make; more wait (429)")
	js.flags(cmd.Flags(), 1, "jobs (evaluations, rebuilds, scans) run at once in this process; 0 leaves them to 'glassbox worker'")
	return cmd
}

// bootstrapTokenFile is where the first start leaves the first
// administrator's token: a file only the data directory's owner reads, not
// a log line.
const bootstrapTokenFile = "bootstrap-admin.token"

// openAPI assembles API v1 and the workspace over the open centre: the
// parties (bootstrapped on the first start), the access record and the job
// queue.
func (g *globals) openAPI(ctx context.Context, c *centre.Centre, q *jobs.Queue, rate float64) (*server.API, *web.Workspace, error) {
	ps := party.New(c.Store)
	secret, created, err := ps.Bootstrap(ctx)
	if err != nil {
		return nil, nil, err
	}
	if created {
		path := filepath.Join(g.data, bootstrapTokenFile)
		if err := atomicfile.Write(path, []byte(secret+"\n"), 0o600, false); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(g.stderr, "glassbox: a new centre: the first administrator's token (every scope but sign, valid %s) is in %s; read it once, create the organisations and tokens you need, then delete it\n", party.BootstrapTokenTTL, path)
		// On the operator's terminal it is shown too, once; never into a
		// pipe or a service's journal.
		if _, ok := terminalFile(g.stderr); ok {
			fmt.Fprintf(g.stderr, "glassbox: first administrator's token: %s\n", secret)
		}
	}
	pub, err := attest.LoadPublicKey(filepath.Join(g.keyDir(), attest.AttestationPubFile))
	if err != nil {
		return nil, nil, err
	}
	b, err := backend.New(c, ps, backend.AccessRecord(access.NewRecorder(c.Notary, c.Store, pub)), backend.Jobs(q, c.ResolveRelease))
	if err != nil {
		return nil, nil, err
	}
	b.Rate = rate
	api, err := server.NewAPI(b)
	if err != nil {
		return nil, nil, err
	}
	ws, err := web.New(&b, ps)
	if err != nil {
		return nil, nil, err
	}
	ws.Catalog = c.Catalog
	ws.Standards = func(ctx context.Context) ([]string, error) {
		_, ids, err := c.Catalogs(ctx)
		return ids, err
	}
	return api, ws, nil
}
