package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/centre/stage"
	"glassbox.dev/sbom"
)

// sbomReport is what --format json prints.
type sbomReport struct {
	Target     string               `json:"target"`
	Release    glassbox.Digest      `json:"release,omitempty"`
	Subject    sbom.Subject         `json:"subject"`
	Components []glassbox.Component `json:"components"`
	// Findings are the differences between the derived components and a
	// submitted or --compare SBOM, and between the source and its binaries.
	Findings []glassbox.Finding `json:"findings"`
	SBOM     glassbox.Digest    `json:"sbom,omitempty"` // the stored CycloneDX's digest in the evidence store
	// cyclonedx is the document, written by --format cyclonedx.
	cyclonedx []byte
}

type sbomOptions struct {
	format, output, compare string
}

func sbomCommand(g *globals) *cobra.Command {
	o := sbomOptions{format: "cyclonedx"}
	cmd := &cobra.Command{
		Use:   "sbom PATH|RELEASE|BINARY [--format cyclonedx|json|text] [-o FILE] [--compare SBOM]",
		Short: "List the components of a tree, a Go binary or a stored release as a CycloneDX 1.6 SBOM",
		Long: `Sbom finds the third-party components of its target and writes them as a
CycloneDX 1.6 JSON SBOM, with package URLs and the hashes the manifests record.

The target is:
  a directory   its manifests and lock files: go.mod (with go.sum hashes and
                replace directives), package-lock.json and npm-shrinkwrap.json
                (lockfileVersion 1 to 3), requirements*.txt, poetry.lock,
                Pipfile.lock, Cargo.lock, pom.xml (the versions it declares,
                with its own ${properties} resolved), and vendored C/C++
                libraries whose headers define a version (ZLIB_VERSION,
                OPENSSL_VERSION_TEXT, an autoconf PACKAGE_VERSION...). .git,
                node_modules and testdata are not read; symbolic links are not
                followed. A requirement that pins no exact version (==) is
                listed with an empty version.
  a Go binary   the modules its embedded build information lists (as replaced,
                if they were) and the Go toolchain as the module "stdlib"; the
                main module is the SBOM's subject.
  a release     (its id, at least 6 of its hex digits, or PRODUCT@VERSION) its
                source, as for a directory, and each Go binary among its
                artefacts. Each binary's modules are checked against the
                source's go.mod files: a module the binary links that the
                source does not require, or requires at another version, is a
                high finding (the binary was not built from this source). If
                the vendor submitted an SBOM (CycloneDX 1.4-1.6 or SPDX 2.x
                JSON) it is compared with the derived components. The derived
                SBOM is stored in the evidence store and recorded as
                sbom/cyclonedx evidence of the release.

--compare SBOM compares the derived components with an SBOM file (CycloneDX or
SPDX JSON). Differences are findings: GB1001 component-missing-from-sbom
(medium), GB1002 component-not-in-source (medium), GB1003 version-mismatch
(high); for binaries GB1004 binary-component-not-in-source and GB1005
binary-version-mismatch (high).

Output (to standard output, or to -o FILE): cyclonedx, the SBOM (findings go
to standard error); json, the components and findings; text, a table.

Exit codes: 0 no differences; 1 a compared SBOM or a binary differs from what
was derived; 2 an error (a malformed manifest or SBOM, an unreadable target).`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			return runSBOM(cmd.Context(), g, a[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", o.format, "output `format`: cyclonedx, json or text")
	f.StringVarP(&o.output, "output", "o", "", "write the output to `file` instead of standard output")
	f.StringVar(&o.compare, "compare", "", "compare the derived components with this CycloneDX or SPDX JSON `sbom`")
	return cmd
}

func runSBOM(ctx context.Context, g *globals, target string, o sbomOptions) error {
	switch o.format {
	case "cyclonedx", "json", "text":
	default:
		return usageError{fmt.Errorf("--format %q: want cyclonedx, json or text", o.format)}
	}
	rep := &sbomReport{Target: target, Findings: []glassbox.Finding{}}
	var stored string
	err := func() error {
		info, statErr := os.Stat(target)
		switch {
		case statErr == nil && info.IsDir():
			return sbomDir(ctx, target, rep)
		case statErr == nil:
			return sbomBinary(target, rep)
		}
		var err error
		stored, err = sbomRelease(ctx, g, target, rep)
		return err
	}()
	if err == nil && o.compare != "" {
		err = compareWith(o.compare, rep)
	}
	if err == nil && rep.cyclonedx == nil {
		rep.cyclonedx, err = sbom.CycloneDX(rep.Subject, rep.Components)
	}
	if err != nil {
		// Every failure is exit 2, even a refused input: exit 1 means
		// "the SBOMs differ", which CI must be able to tell apart.
		var ue usageError
		if errors.As(err, &ue) {
			return err
		}
		return codedError{code: exitError, err: err}
	}

	var out bytes.Buffer
	switch o.format {
	case "cyclonedx":
		out.Write(rep.cyclonedx)
	case "json":
		if err := writeJSON(&globals{stdout: &out}, rep); err != nil {
			return codedError{code: exitError, err: err}
		}
	default:
		writeSBOMText(&out, rep)
	}
	if o.output != "" {
		if err := os.WriteFile(o.output, out.Bytes(), 0o644); err != nil {
			return codedError{code: exitError, err: glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", o.output, err)}
		}
	} else if _, err := g.stdout.Write(out.Bytes()); err != nil {
		return codedError{code: exitError, err: err}
	}
	if o.format != "text" || o.output != "" {
		for _, f := range rep.Findings {
			fmt.Fprintf(g.stderr, "%s: %s: %s %s: %s\n", f.Path, f.Severity, f.RuleID, f.Rule, f.Message)
		}
		if stored != "" {
			fmt.Fprintln(g.stderr, stored)
		}
	}
	if n := len(rep.Findings); n > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d difference(s) between the derived components and the compared SBOM or binaries", n)}
	}
	return nil
}

func sbomDir(ctx context.Context, dir string, rep *sbomReport) error {
	cs, err := sbom.Derive(ctx, dir)
	if err != nil {
		return err
	}
	rep.Subject = sbom.DirSubject(dir)
	rep.Components = cs
	return nil
}

func sbomBinary(path string, rep *sbomReport) error {
	subject, cs, err := sbom.ReadBinary(path)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%s is a file but not a Go binary with build information, and only directories, Go binaries and releases have SBOMs derived: %w", path, err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	subject.Hashes = []string{"sha256:" + sum}
	rep.Subject, rep.Components = subject, cs
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "%w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// compareWith adds the differences between the derived components and the
// SBOM in file to the report.
func compareWith(file string, rep *sbomReport) error {
	f, err := os.Open(file)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "--compare: %w", err)
	}
	defer f.Close()
	submitted, err := sbom.Read(f, file)
	if err != nil {
		return err
	}
	rep.Findings = append(rep.Findings, sbom.Compare(rep.Components, submitted, rep.Target, file)...)
	return nil
}

// sbomRelease runs the centre's SBOM job on a stored release: the
// components of its source and of its Go binaries, compared with each
// other and with the vendor's SBOM if there is one, the CycloneDX kept as
// evidence of the release. It returns a line saying where the SBOM went.
func sbomRelease(ctx context.Context, g *globals, ref string, rep *sbomReport) (string, error) {
	c, err := g.open(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	rel, err := releaseTarget(ctx, c, ref)
	if err != nil {
		return "", err
	}
	jobs := c.Jobs(rel, true)
	defer jobs.Close()
	s, err := jobs.SBOM(ctx)
	if err != nil {
		return "", fmt.Errorf("release %s: %w", rel.ID, err)
	}
	rep.Release = rel.ID
	rep.Subject = sbom.Subject{Name: rel.Manifest.Product, Version: rel.Manifest.Version}
	// Listed by origin: a module the source requires and a binary links
	// is shown for each, as the comparison between them is.
	rep.Components = append([]glassbox.Component(nil), s.Components.Source...)
	for _, bin := range s.Components.Binaries {
		rep.Components = append(rep.Components, bin...)
	}
	sbom.Sort(rep.Components)
	rep.Findings = append(rep.Findings, s.Components.Findings...)
	rep.cyclonedx, rep.SBOM = s.CycloneDX, s.Components.CycloneDX
	return fmt.Sprintf("SBOM stored as %s, recorded as %s evidence of release %s (glassbox cat %s)", rep.SBOM, stage.KindSBOM, rel.ID, rep.SBOM), nil
}

func writeSBOMText(w io.Writer, rep *sbomReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tNAME\tVERSION\tSOURCE")
	for _, c := range rep.Components {
		eco, v := c.Ecosystem, c.Version
		if eco == "" {
			eco = "C/C++"
		}
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", eco, c.Name, v, c.Source)
	}
	tw.Flush()
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "%s: %s: %s %s: %s\n", f.Path, f.Severity, f.RuleID, f.Rule, f.Message)
	}
	fmt.Fprintf(w, "%d components, %d differences\n", len(rep.Components), len(rep.Findings))
}
