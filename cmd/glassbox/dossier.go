package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/dossier"
)

func dossierCommand(g *globals) *cobra.Command {
	var out string
	var asJSON, force, noPDF bool
	cmd := &cobra.Command{
		Use:   "dossier RELEASE [--out DIR] [--json]",
		Short: "Assemble the CRA technical documentation (Annex VII) of an evaluated release",
		Long: `Dossier assembles the technical documentation the EU Cyber Resilience Act
asks of a product (Regulation (EU) 2024/2847, Annex VII) from the newest
evaluation of a release and the evidence it rests on. It never evaluates:
a release not evaluated yet is refused (run 'glassbox evaluate RELEASE').

It writes into --out (default ./dossier-PRODUCT-VERSION):

  technical-file.html   the document: a title page, the eight points of
                        Annex VII, the draft EU declaration of conformity,
                        the verdict's receipts and the evidence index
  technical-file.pdf    the same, printed by headless Chromium (A4; each
                        page's footer names the release and the receipt)
  technical-file.json   the machine-readable file (docs/dossier.md)
  evidence/HEX.EXT      a copy of every document referred to
  SHA256SUMS            the digest of every other file

Every digest in the document resolves with 'glassbox cat DIGEST'. What the
centre holds no evidence for is said to be "not provided" or "not
assessed". The directory appears whole or not at all; one that exists and
is not empty is refused unless --force. Without Chromium the HTML and JSON
are written and the command fails, unless --no-pdf.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			c, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			rel, err := findRelease(ctx, c, a[0])
			if err != nil {
				return err
			}
			lib, err := c.Library(ctx)
			if err != nil {
				return err
			}
			src := dossier.Sources{Blobs: c.Blobs, Evidence: c.Store, Library: lib}
			tf, err := dossier.Gather(ctx, src, rel, time.Now())
			if err != nil {
				return err
			}
			if out == "" {
				out = "dossier-" + fileName(rel.Manifest.Product+"-"+rel.Manifest.Version)
			}
			o := dossier.WriteOptions{Force: force, NoPDF: noPDF}
			if _, tty := terminalFile(g.stderr); tty && !g.quiet {
				o.Progress = func(step string) { fmt.Fprintf(g.stderr, "glassbox: dossier: %s\n", step) }
			}
			res, err := dossier.Write(ctx, src, tf, out, o)
			if res == nil {
				return err
			}
			if asJSON {
				if jerr := writeJSON(g, struct {
					Release glassbox.Digest `json:"release"`
					Verdict string          `json:"verdict"`
					*dossier.Result
				}{rel.ID, string(tf.Evaluation.Verdict), res}); jerr != nil {
					return jerr
				}
			} else {
				fmt.Fprintf(g.stdout, "technical file of %s (release %s, verdict %s) in %s\n", rel.Manifest.String(), rel.ID, tf.Evaluation.Verdict, res.Dir)
				for _, f := range res.Files {
					if !strings.HasPrefix(f.Name, dossier.EvidenceDir+"/") {
						fmt.Fprintf(g.stdout, "  %-22s %s\n", f.Name, f.Digest)
					}
				}
				fmt.Fprintf(g.stdout, "  %-22s %d documents\n", dossier.EvidenceDir+"/", len(tf.Evidence))
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "`directory` to write (default ./dossier-PRODUCT-VERSION)")
	f.BoolVar(&asJSON, "json", false, "print the files written, with their digests, as JSON")
	f.BoolVar(&force, "force", false, "replace --out if it exists and is not empty")
	f.BoolVar(&noPDF, "no-pdf", false, "write the HTML and JSON without the PDF (which needs Chromium)")
	return cmd
}

// fileName turns a product and version into one file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimLeft(s, "."))
}
