package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func withdrawCommand(g *globals) *cobra.Command {
	var reason string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "withdraw RELEASE --reason TEXT",
		Short: "Withdraw a release: log a revocation of every verdict the centre gave its artefacts",
		Long: `Withdraw signs and logs a revocation statement (predicate type
https://glassbox.dev/predicates/revocation/v1) about every artefact of the
release and its manifest, naming the envelopes of every verdict the centre
gave them, with the reason. From then on 'glassbox verify --log URL' denies
the release's artefacts, whatever verdict they had; a receipt verified
offline is bounded by the policy's max_age instead.

RELEASE is its id (sha256:…), at least 6 of the id's hex digits, or
PRODUCT@VERSION.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageError{fmt.Errorf("--reason is required: say why the release is withdrawn")}
			}
			ctx := cmd.Context()
			c, err := g.openLog(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			rel, err := findRelease(ctx, c, a[0])
			if err != nil {
				return err
			}
			w, err := c.Withdraw(ctx, rel, reason)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, map[string]any{"release": rel.ID, "revoked_verdicts": w.Revoked, "receipt": w.Receipt})
			}
			fmt.Fprintf(g.stdout, "Withdrew %s@%s (%s): %d verdicts revoked\n", rel.Manifest.Product, rel.Manifest.Version, rel.ID, len(w.Revoked))
			for _, v := range w.Revoked {
				fmt.Fprintf(g.stdout, "  revoked  %s verdict at log entry #%d (%s)\n", v.Result, v.LogIndex, v.Envelope)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the release is withdrawn (logged, public)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
