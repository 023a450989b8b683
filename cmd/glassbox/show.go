package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/evaluate"
)

func showCommand(g *globals) *cobra.Command {
	var asJSON, files bool
	cmd := &cobra.Command{
		Use:   "show RELEASE",
		Short: "Describe a release: its source, recipe, artefacts and SBOM",
		Long: `Show describes a release. RELEASE is its id (sha256:…), at least 6 of the
id's hex digits, or PRODUCT@VERSION. --json prints the stored release with
its manifest.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var rel *glassbox.Release
			var history []evaluate.Record
			if g.remote() {
				c, r, err := g.remoteRelease(cmd.Context(), a[0])
				if err != nil {
					return err
				}
				rel = r
				current, err := remoteVerdict(cmd.Context(), c, rel)
				if err != nil {
					return err
				}
				if current != nil {
					history = append(history, *current)
				}
			} else {
				c, err := g.open(cmd.Context())
				if err != nil {
					return err
				}
				defer c.Close()
				if rel, err = findRelease(cmd.Context(), c, a[0]); err != nil {
					return err
				}
				if history, err = c.Evaluations(cmd.Context(), rel); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(g, rel)
			}
			m := &rel.Manifest
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "Release\t%s\n", rel.ID)
			fmt.Fprintf(tw, "Product\t%s\n", m.Product)
			fmt.Fprintf(tw, "Version\t%s\n", m.Version)
			fmt.Fprintf(tw, "Submitted\t%s\n", rel.SubmittedAt.UTC().Format(time.RFC3339))
			src := m.Source.Kind
			switch {
			case m.Source.Commit != "":
				src += " at commit " + m.Source.Commit
			case m.Source.Archive != nil:
				src += fmt.Sprintf(" %s (%s)", m.Source.Archive.Path, m.Source.Archive.Digest)
			}
			var size int64
			for _, f := range m.Source.Files {
				size += f.Size
			}
			fmt.Fprintf(tw, "Source\t%s\n", src)
			fmt.Fprintf(tw, "\t%d files, %d bytes\n", len(m.Source.Files), size)
			if m.Recipe != nil {
				fmt.Fprintf(tw, "Recipe\t%s\t%s\n", m.Recipe.Path, m.Recipe.Digest)
			}
			for i, a := range m.Artifacts {
				label := ""
				if i == 0 {
					label = "Artefacts"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d bytes\n", label, a.Path, a.Digest, a.Size)
			}
			if m.SBOM != nil {
				fmt.Fprintf(tw, "SBOM\t%s\t%s\n", m.SBOM.Path, m.SBOM.Digest)
			}
			if len(history) == 0 {
				fmt.Fprintf(tw, "Verdict\tnot evaluated\n")
			}
			for i := len(history) - 1; i >= 0; i-- {
				h := &history[i]
				label := "Verdict"
				if i < len(history)-1 {
					label = "Earlier"
				}
				if h.Report == "" {
					// From a remote centre: the logged verdict, not the report.
					fmt.Fprintf(tw, "%s\t%s at %s\tlogged, envelope %s\n", label, h.Verdict, h.At.UTC().Format(time.RFC3339), h.VSAs[0].Envelope)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\treport %s\n", label, h.String(), h.Report)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if files {
				fmt.Fprintln(g.stdout)
				tw = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				for _, f := range m.Source.Files {
					name := f.Path
					if f.Mode == glassbox.ModeSymlink {
						name += " -> " + f.Target
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", f.Mode, f.Size, f.Digest, name)
				}
				return tw.Flush()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the release and its manifest as JSON")
	cmd.Flags().BoolVar(&files, "files", false, "also list every source file")
	return cmd
}
