package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/client"
	"glassbox.dev/ingest"
)

func submitCommand(g *globals) *cobra.Command {
	var req ingest.Request
	var source string
	var asJSON bool
	limits := ingest.DefaultLimits()
	cmd := &cobra.Command{
		Use:   "submit --product NAME --version V (--source PATH | --git REPO --ref REF) [--recipe FILE] [--artifact FILE]... [--sbom FILE]",
		Short: "Submit a release: its source, build recipe, shipped artefacts and SBOM",
		Long: `Submit stores a release as evidence and prints its id, the SHA-256 of its
manifest in canonical JSON. The same content always gets the same id, and
submitting it again stores nothing new. A version's content can never change.

The source is a directory, a .tar, .tar.gz, .tgz, .tar.xz, .tar.bz2 or .zip
archive, or a git repository and a ref (tag, branch or commit; the resolved
commit is recorded). Given both --source and --git/--ref, the directory or
archive is the source and the git commit is the origin it claims: both trees
are recorded, and 'glassbox provenance' compares them. Everything is checked before anything is stored: paths
that escape the tree, links pointing outside it, device files, duplicate or
colliding names, non-UTF-8 names, bombs and corrupt archives are refused and
leave no trace.`,
		Example: `  glassbox submit --product hello --version 1.0.0 --source ./hello-1.0.0.tar.gz \
      --recipe glassbox.yaml --artifact dist/hello --sbom dist/hello.cdx.json
  glassbox submit --product hello --version 1.0.0 --git https://example.org/hello.git --ref v1.0.0`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Product == "" || req.Version == "" {
				return usageError{fmt.Errorf("--product and --version are required")}
			}
			switch {
			case source == "" && req.GitRepo == "":
				return usageError{fmt.Errorf("give the source: --source PATH or --git REPO --ref REF")}
			case req.GitRepo != "" && req.GitRef == "":
				return usageError{fmt.Errorf("--git needs --ref (a tag, branch or commit)")}
			case req.GitRepo == "" && req.GitRef != "":
				return usageError{fmt.Errorf("--ref needs --git")}
			}
			if source != "" {
				if isDir(source) {
					req.SourceDir = source
				} else {
					req.SourceArchive = source
				}
			}
			req.Limits = limits
			ctx := cmd.Context()
			for _, c := range []struct {
				what  string
				paths []string
			}{{"source", []string{source}}, {"recipe", []string{req.Recipe}}, {"SBOM", []string{req.SBOM}}, {"artefact", req.Artifacts}} {
				if err := mustExist(c.what, c.paths...); err != nil {
					return err
				}
			}
			if g.remote() {
				return remoteSubmit(ctx, g, req, source, asJSON)
			}
			c, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			progress := &ingest.Progress{}
			stop := showProgress(g.stderr, "submit", progress)
			res, err := c.Submit(ctx, req, progress)
			stop()
			if err != nil {
				return err
			}
			for _, p := range res.Skipped {
				fmt.Fprintf(g.stderr, "glassbox: skipped %s (version-control metadata or the data directory; submit with --git to record a commit)\n", p)
			}
			return printSubmitted(g, res.Release, res.Created, fmt.Sprintf(" (%d new blobs)", res.BlobsAdded), asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Product, "product", "", "product `name`")
	f.StringVar(&req.Version, "version", "", "release `version`")
	f.StringVar(&source, "source", "", "source `directory or archive` (.tar, .tar.gz, .tgz, .tar.xz, .tar.bz2, .zip)")
	f.StringVar(&req.GitRepo, "git", "", "source git `repository` (a local path or a URL git can clone)")
	f.StringVar(&req.GitRef, "ref", "", "tag, branch or commit in the --git repository")
	f.StringVar(&req.Recipe, "recipe", "", "build recipe `file`")
	f.StringArrayVar(&req.Artifacts, "artifact", nil, "shipped artefact `file` (repeat for each)")
	f.StringVar(&req.SBOM, "sbom", "", "SBOM `file` (CycloneDX or SPDX JSON)")
	f.Int64Var(&limits.MaxTotalSize, "max-size", limits.MaxTotalSize, "refuse a release holding more than this many `bytes` after decompression")
	f.IntVar(&limits.MaxEntries, "max-entries", limits.MaxEntries, "refuse a source tree with more than this many `entries`")
	f.Float64Var(&limits.MaxRatio, "max-ratio", limits.MaxRatio, "refuse an archive that expands more than this `ratio` (judged past 64 MiB)")
	f.BoolVar(&asJSON, "json", false, "print the release manifest as JSON instead of the id")
	return cmd
}

// printSubmitted says what a submission stored (stored details it) and
// prints the release's id, or its manifest with --json.
func printSubmitted(g *globals, rel *glassbox.Release, created bool, stored string, asJSON bool) error {
	if created {
		fmt.Fprintf(g.stderr, "glassbox: stored %s as release %s%s\n", rel.Manifest.String(), rel.ID, stored)
	} else {
		fmt.Fprintf(g.stderr, "glassbox: %s is already stored as release %s; nothing new stored\n", rel.Manifest.String(), rel.ID)
	}
	if asJSON {
		return writeJSON(g, rel.Manifest)
	}
	fmt.Fprintln(g.stdout, rel.ID)
	return nil
}

// remoteSubmit uploads the release's files to the remote centre and
// submits them there.
func remoteSubmit(ctx context.Context, g *globals, req ingest.Request, source string, asJSON bool) error {
	if req.GitRepo != "" {
		return usageError{fmt.Errorf("--git is not supported with --server: the centre does not clone for you; submit the tree as --source DIR or an archive (git archive --format=tar.gz %s)", req.GitRef)}
	}
	c, err := g.client(ctx)
	if err != nil {
		return err
	}
	archive, done, err := remoteSource(g, source)
	if err != nil {
		return err
	}
	defer done()
	rel, created, err := c.Submit(ctx, client.SubmitFiles{Product: req.Product, Version: req.Version, SourceArchive: archive,
		Recipe: req.Recipe, SBOM: req.SBOM, Artifacts: req.Artifacts})
	if err != nil {
		return err
	}
	return printSubmitted(g, rel, created, " on "+g.server, asJSON)
}

func writeJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// describeRoles counts the files of a manifest by what they are.
func describeRoles(m *glassbox.Manifest) string {
	parts := []string{fmt.Sprintf("%d source files", len(m.Source.Files))}
	if m.Recipe != nil {
		parts = append(parts, "a recipe")
	}
	parts = append(parts, fmt.Sprintf("%d artefacts", len(m.Artifacts)))
	if m.SBOM != nil {
		parts = append(parts, "an SBOM")
	}
	return strings.Join(parts, ", ")
}
