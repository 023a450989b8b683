package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev/server"
)

func serveCommand(g *globals) *cobra.Command {
	var addr, token string
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] [--token T]",
		Short: "Serve the transparency log, the attestations and the attest endpoint over HTTP",
		Long: `Serve answers, until SIGINT or SIGTERM:

  GET  /checkpoint, /tile/…         the log, read-only, as C2SP tlog-tiles says
  GET  /attestations/{digest}       envelopes logged about an artefact (sha256:…)
  POST /attestations                sign and log a statement (Authorization: Bearer TOKEN)
  GET  /metrics                     Prometheus metrics
  GET  /healthz

Without --token (or GLASSBOX_TOKEN) the write endpoint is disabled. On a
signal it stops accepting connections, finishes requests in flight (up to
--grace), publishes a last checkpoint and exits 0.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := g.openLog(ctx)
			if err != nil {
				return err
			}
			srv := server.New(c.notary, c.log, token)
			err = server.ListenAndServe(ctx, addr, srv.Handler(), grace, func(a net.Addr) {
				slog.Info("serving", "addr", a.String(), "origin", c.log.Origin())
				fmt.Fprintf(g.stderr, "glassbox: serving log %q on http://%s\n", c.log.Origin(), a)
			})
			if cerr := c.Close(context.WithoutCancel(ctx)); err == nil {
				err = cerr
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:8080", "`address` to listen on")
	cmd.Flags().StringVar(&token, "token", os.Getenv("GLASSBOX_TOKEN"), "`token` that POST /attestations requires (env GLASSBOX_TOKEN)")
	cmd.Flags().DurationVar(&grace, "grace", 30*time.Second, "how long to wait for requests in flight on shutdown")
	return cmd
}
