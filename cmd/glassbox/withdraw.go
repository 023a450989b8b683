package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/client"
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
			if g.remote() {
				return remoteWithdraw(ctx, g, a[0], reason, asJSON)
			}
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
			revoked := make([]client.Verdict, len(w.Revoked))
			for i, v := range w.Revoked {
				revoked[i] = client.Verdict{LogIndex: v.LogIndex, Envelope: v.Envelope, Result: v.Result}
			}
			printWithdrawn(g, rel, revoked)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the release is withdrawn (logged, public)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printWithdrawn(g *globals, rel *glassbox.Release, revoked []client.Verdict) {
	fmt.Fprintf(g.stdout, "Withdrew %s@%s (%s): %d verdicts revoked\n", rel.Manifest.Product, rel.Manifest.Version, rel.ID, len(revoked))
	for _, v := range revoked {
		fmt.Fprintf(g.stdout, "  revoked  %s verdict at log entry #%d (%s)\n", v.Result, v.LogIndex, v.Envelope)
	}
}

// remoteWithdraw withdraws the release on the remote centre.
func remoteWithdraw(ctx context.Context, g *globals, ref, reason string, asJSON bool) error {
	c, rel, err := g.remoteRelease(ctx, ref)
	if err != nil {
		return err
	}
	raw, err := c.Withdraw(ctx, ref, reason)
	if err != nil {
		return err
	}
	var out struct {
		Revoked []client.Verdict `json:"revoked"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "the centre's answer to the withdrawal is not the JSON expected: %v", err)
	}
	if asJSON {
		return writeJSON(g, map[string]any{"release": rel.ID, "revoked_verdicts": out.Revoked})
	}
	printWithdrawn(g, rel, out.Revoked)
	return nil
}
