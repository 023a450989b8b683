package centre

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evaluate"
	"glassbox.dev/internal/atomicfile"
	"glassbox.dev/rebuild"
	"glassbox.dev/scan"
	"glassbox.dev/standard"
)

// EvaluateOptions are an evaluation's settings.
type EvaluateOptions struct {
	// Standards are the standards to judge against, as
	// standard.Library.Select takes them (cra-annex-i, osps-l1, an added
	// catalog's id…); at least one.
	Standards []string
	// OutDir is where the evaluation's documents are written; empty for
	// a new directory DATA/reports/PRODUCT-VERSION/TIME.
	OutDir string
	// Suppressions are audited exceptions applied to the scan.
	Suppressions []scan.Suppression
	// Verifier is the centre's identity in its VSAs; empty for
	// https://glassbox.dev/centre/ followed by the log's origin.
	Verifier string
	// Fresh runs every check again instead of reusing stored evidence.
	Fresh bool
	// VulnMaxAge is how old the vulnerability data may be for the check
	// to pass (vuln.DefaultMaxAge if zero).
	VulnMaxAge time.Duration
	// Now is the evaluation's clock (time.Now if nil): a job run again
	// after a crash gives the clock of its first run, and so signs the
	// same statements.
	Now func() time.Time
}

// Evaluation is what an evaluation established and where its documents
// are.
type Evaluation struct {
	Release *glassbox.Release
	*evaluate.Outcome
	// Files are the documents written into the output directory, by name
	// (report.html, assessment-results.json, ARTIFACT.vsa.receipt.json…).
	Files map[string]string
	Took  time.Duration
}

// Evaluate runs every check on a stored release, assesses the standards,
// signs the evidence and one VSA per shipped artefact when the centre has
// its log open (nothing is signed otherwise), and writes the evaluation's
// documents. progress, if not nil, is told as each stage starts and ends.
// A stage that fails is a check's error result, not an error of Evaluate.
func (c *Centre) Evaluate(ctx context.Context, rel *glassbox.Release, o EvaluateOptions, progress func(evaluate.Event)) (*Evaluation, error) {
	if len(o.Standards) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "name at least one standard to evaluate against, e.g. %s", standard.CRA)
	}
	e, err := c.Evaluator(o.Verifier, o.VulnMaxAge)
	if err != nil {
		return nil, err
	}
	e.Suppressions, e.Fresh, e.Progress, e.Now = o.Suppressions, o.Fresh, progress, o.Now
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	outDir := o.OutDir
	if outDir == "" {
		// One directory per evaluation: a report is never overwritten, and
		// the release keeps the history of its evaluations.
		if outDir, err = newReportDir(filepath.Join(c.Data, "reports", safeName(rel.Manifest.Product+"-"+rel.Manifest.Version)), now()); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	out, err := e.Evaluate(ctx, rel, o.Standards)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	files, err := writeEvaluation(outDir, out)
	if err != nil {
		return nil, err
	}
	return &Evaluation{Release: rel, Outcome: out, Files: files, Took: took}, nil
}

// Evaluator is the centre's evaluation, as Evaluate and the job workers
// run it: the centre's catalogs as each evaluation starts (Library), the notary (nil without the
// log: nothing is signed), the centre's identity in its VSAs (verifier, or
// https://glassbox.dev/centre/ followed by the log's origin), the
// vulnerability data (no older than vulnMaxAge, vuln.DefaultMaxAge if
// zero) and rebuilds that keep each vendor's Go build cache in the data
// directory.
func (c *Centre) Evaluator(verifier string, vulnMaxAge time.Duration) (*evaluate.Evaluator, error) {
	return &evaluate.Evaluator{
		Blobs: c.Blobs, Store: c.Store, Libraries: c.Library, Notary: c.Attester(), Verifier: c.verifier(verifier),
		Vulns: c.VulnStore(), VulnMaxAge: vulnMaxAge,
		// No recipe input may come from the data directory.
		Rebuilder: &rebuild.Rebuilder{DataDir: c.Data},
	}, nil
}

// ReceiptFile is the name of the receipt of an artefact's VSA among an
// evaluation's Files.
func ReceiptFile(artifact string) string { return safeName(artifact) + ".vsa.receipt.json" }

// writeEvaluation writes the evaluation's documents into dir and returns
// their paths by name.
func writeEvaluation(dir string, out *evaluate.Outcome) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "create %s: %w", dir, err)
	}
	files := map[string]string{}
	write := func(name string, data []byte) error {
		if data == nil {
			return nil
		}
		p := filepath.Join(dir, name)
		if err := atomicfile.Write(p, data, 0o644, true); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", p, err)
		}
		files[name] = p
		return nil
	}
	docs := []struct {
		name string
		data []byte
	}{
		{"assessment-results.json", out.AssessmentResultsJSON},
		{"report.html", out.ReportHTML},
		{"sbom.cdx.json", out.Documents[evaluate.KindSBOM]},
		{"vex.cdx.json", out.Documents[evaluate.KindVulnsVEX]},
		{"scan.sarif", out.Documents[evaluate.KindScanSARIF]},
		{"vulns.sarif", out.Documents[evaluate.KindVulnsSARIF]},
	}
	for _, d := range docs {
		if err := write(d.name, d.data); err != nil {
			return nil, err
		}
	}
	for _, v := range out.VSAs {
		b, err := v.Receipt.Marshal()
		if err != nil {
			return nil, err
		}
		if err := write(ReceiptFile(v.Artifact), b); err != nil {
			return nil, err
		}
		// The envelope alone, as standard tools read it (slsa-verifier
		// verify-vsa --attestation-path, cosign verify-blob-attestation).
		jsonl, err := attest.JSONL(v.Receipt.Envelope)
		if err != nil {
			return nil, err
		}
		if err := write(attest.JSONLPath(ReceiptFile(v.Artifact)), jsonl); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// newReportDir makes a new directory under parent named after the time of
// the evaluation, never one that exists.
func newReportDir(parent string, at time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "report directory: %w", err)
	}
	name := at.UTC().Format("20060102T150405Z")
	for i := 1; ; i++ {
		dir := filepath.Join(parent, name)
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 100 {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "report directory: %w", err)
		}
	}
}

// safeName turns a path or a product name into one file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == 0 || r < ' ':
			return '_'
		}
		return r
	}, strings.TrimLeft(s, "."))
}
