package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/rebuild"
)

func digestCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "digest PATH",
		Short: "Print the digest that pins a file or directory (recipe inputs, artefacts)",
		Long: `Digest prints the SHA-256 of a file, or the tree digest of a directory: the
SHA-256 over one line per file ("path mode sha256", in path order; owners and
times do not count), which a recipe's inputs are pinned by.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			fi, err := os.Stat(a[0])
			if err != nil {
				return glassbox.Errorf(glassbox.EINVALID, "digest: %w", err)
			}
			var d glassbox.Digest
			if fi.IsDir() {
				d, err = rebuild.TreeDigest(a[0])
			} else {
				d, err = hashFile(a[0])
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, map[string]any{"path": a[0], "digest": d})
			}
			fmt.Fprintln(g.stdout, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the path and its digest as JSON")
	return cmd
}
