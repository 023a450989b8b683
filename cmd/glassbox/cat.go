package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"glassbox.dev"
)

func catCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cat RELEASE PATH | cat DIGEST",
		Short: "Write a stored file of a release, or any piece of evidence, to standard output",
		Long: `Cat streams one file of a release, after checking it against its digest:
corrupt evidence is reported, never served. With one argument, a digest
(sha256:…), it streams that blob of the evidence store: a report, a log,
a SARIF or SBOM document that a report or a finding points at.

PATH is a path in the source tree (src/main.c), or one of
  artifacts/NAME   a shipped artefact
  recipe           the build recipe
  sbom             the SBOM
  archive          the source archive as submitted
  manifest         the release manifest in canonical JSON
A source path that clashes with these names can be given as source/PATH.`,
		Args: args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			if len(a) == 1 && !strings.HasPrefix(a[0], glassbox.DigestPrefix) {
				return usageError{fmt.Errorf("cat %s: give a release and a path, or one evidence digest (sha256:…)", a[0])}
			}
			c, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			if len(a) == 1 {
				d, err := glassbox.ParseDigest(a[0])
				if err != nil {
					return err
				}
				rc, err := c.Blobs.Open(ctx, d)
				if err != nil {
					return err
				}
				defer rc.Close()
				_, err = io.Copy(g.stdout, rc)
				return err
			}
			rel, err := findRelease(ctx, c, a[0])
			if err != nil {
				return err
			}
			f, err := lookupFile(rel, a[1])
			if err != nil {
				return err
			}
			if f.Mode == glassbox.ModeSymlink {
				_, err := io.WriteString(g.stdout, f.Target)
				return err
			}
			rc, err := c.Blobs.Open(ctx, f.Digest)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(g.stdout, rc)
			return err
		},
	}
	return cmd
}

// lookupFile finds what a cat PATH names in a release.
func lookupFile(rel *glassbox.Release, p string) (*glassbox.File, error) {
	m := &rel.Manifest
	notFound := glassbox.Errorf(glassbox.ENOTFOUND, "release %s has no file %q; 'glassbox show --files %s' lists them", rel.ID, p, shortID(rel.ID))
	switch {
	case p == "manifest":
		return &glassbox.File{Path: "manifest", Mode: glassbox.ModeRegular, Digest: rel.ID}, nil
	case p == "recipe" || p == "sbom" || p == "archive":
		f := map[string]*glassbox.File{"recipe": m.Recipe, "sbom": m.SBOM, "archive": m.Source.Archive}[p]
		if f == nil {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "release %s has no %s", rel.ID, p)
		}
		return f, nil
	case strings.HasPrefix(p, "artifacts/"):
		return findFile(m.Artifacts, strings.TrimPrefix(p, "artifacts/"), notFound)
	}
	return findFile(m.Source.Files, strings.TrimPrefix(p, "source/"), notFound)
}

func findFile(files []glassbox.File, p string, notFound error) (*glassbox.File, error) {
	for i := range files {
		if files[i].Path == p {
			return &files[i], nil
		}
	}
	return nil, notFound
}
