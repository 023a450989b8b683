package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/witness"
)

func witnessCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Witness other centres' logs: this centre cosigns their checkpoints (C2SP tlog-witness) once they prove they only grew",
		Long: `A centre can witness other centres' logs, so that a federation of centres
catches a log that forks without a third party. 'glassbox serve --witness'
answers POST /add-checkpoint (C2SP tlog-witness): it cosigns a checkpoint
of a log it witnesses only when the checkpoint is signed by the log's key
and a consistency proof shows the tree grew from the one it cosigned last.

The witness's key is made on first use in the key directory (witness.key).
Give its verifier key ('glassbox witness key') and the URL of the centre
to the operators of the logs you witness, for their witness policies, and
add each of their logs here with its origin and key.`,
	}
	var name string
	key := &cobra.Command{
		Use:   "key",
		Short: "Print this centre's witness verifier key (made on first use), for the witness policies of the logs it witnesses",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			w, err := g.witness(c, name)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, w.VerifierKey())
			return nil
		},
	}
	key.Flags().StringVar(&name, "name", "", "the witness's `name` in its cosignatures, on first use (default: the log's origin + \"/witness\")")
	var origin, vkey string
	add := &cobra.Command{
		Use:   "add-log --origin ORIGIN --key VKEY",
		Short: "Witness a log: its origin and the verifier key its checkpoints are signed with (from size zero)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := note.NewVerifier(strings.TrimSpace(vkey))
			if err != nil {
				return usageError{fmt.Errorf("--key is not a signed-note verifier key: %v", err)}
			}
			if origin == "" {
				origin = v.Name()
			}
			if v.Name() != origin {
				return usageError{fmt.Errorf("the key is named %q, and the log's origin is %q: a log's key bears its origin", v.Name(), origin)}
			}
			return g.withWitnessStore(cmd.Context(), func(ws glassbox.WitnessStore) error {
				if err := ws.AddWitnessedLog(cmd.Context(), origin, strings.TrimSpace(vkey)); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "This centre witnesses %s\n", origin)
				return nil
			})
		},
	}
	add.Flags().StringVar(&origin, "origin", "", "the log's `origin` (default: the key's name)")
	add.Flags().StringVar(&vkey, "key", "", "the log's verifier `key` (name+hash+key)")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the logs this centre witnesses, with the tree it cosigned last",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withWitnessStore(cmd.Context(), func(ws glassbox.WitnessStore) error {
				logs, err := ws.WitnessedLogs(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(g, logs)
				}
				rows := [][]string{{"ORIGIN", "SIZE", "KEYS"}}
				for _, l := range logs {
					rows = append(rows, []string{l.Origin, fmt.Sprint(l.Size), fmt.Sprint(len(l.Keys))})
				}
				return table(g, rows)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(key, add, list)
	return cmd
}

// withWitnessStore runs f over the data directory's witnessed logs.
func (g *globals) withWitnessStore(ctx context.Context, f func(glassbox.WitnessStore) error) error {
	c, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ws, err := witnessStore(c)
	if err != nil {
		return err
	}
	return f(ws)
}

func witnessStore(c *centre.Centre) (glassbox.WitnessStore, error) {
	ws, ok := c.Store.(glassbox.WitnessStore)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the metadata database keeps no witnessed logs")
	}
	return ws, nil
}

// witness is this centre's witness: its key (made on first use, named
// name or after the log) over the open centre's metadata store.
func (g *globals) witness(c *centre.Centre, name string) (*witness.Witness, error) {
	if name == "" {
		kf, err := g.logOrigin()
		if err != nil {
			return nil, err
		}
		name = kf + "/witness"
	}
	skey, err := witness.LoadOrCreateKey(g.keyDir(), name)
	if err != nil {
		return nil, err
	}
	ws, err := witnessStore(c)
	if err != nil {
		return nil, err
	}
	return witness.New(skey, ws)
}

// logOrigin is the origin of this centre's log, from its verifier key.
func (g *globals) logOrigin() (string, error) {
	v, err := attest.LoadLogVerifier(filepath.Join(g.keyDir(), attest.LogVKeyFile))
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "name the witness with --name, or generate the centre's keys first (glassbox keys generate): %v", err)
	}
	return v.Name(), nil
}
