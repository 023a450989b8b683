// Package stage runs each stage's job on a stored release (provenance,
// rebuild, scan, SBOM, vulnerabilities), written once and called alike by
// the commands, the evaluation and the centre's application layer.
//
// Each job keeps its documents as evidence of the release, under one kind
// per document, and reuses what any earlier caller stored: a rebuild made by
// "glassbox rebuild" is the rebuild "glassbox evaluate" assesses.
package stage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"glassbox.dev"
	"glassbox.dev/rebuild"
)

// Evidence kinds the jobs record about a release. One kind names one
// document, whichever caller ran the job.
const (
	KindProvenanceReport = "provenance/report"
	KindRebuildReport    = "rebuild/report"
	// KindRebuildProvenance is the SLSA Provenance predicate of the
	// rebuild, kept so that every caller signs the same statement.
	KindRebuildProvenance = "rebuild/provenance"
	KindScanResult        = "scan/result"
	KindScanSARIF         = "scan/sarif"
	KindSBOM              = "sbom/cyclonedx"
	KindSBOMComparison    = "sbom/comparison"
	KindVulnsReport       = "vulns/report"
	KindVulnsVEX          = "vulns/cyclonedx-vex"
	KindVulnsSARIF        = "vulns/sarif"
	// The run stage's report (what the programs did, the probes) and its
	// findings as SARIF.
	KindExerciseReport = "exercise/report"
	KindExerciseSARIF  = "exercise/sarif"
)

// EvidenceStore records which documents are evidence about a release.
type EvidenceStore interface {
	RecordEvidence(ctx context.Context, release glassbox.Digest, kind string, d glassbox.Digest) error
	FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error)
}

// maxDocument bounds a stored document read back for reuse: the largest
// the jobs write (a vulnerability report of a large release) is far below.
const maxDocument = 256 << 20

// Jobs runs the centre's jobs on one release. Blobs, Evidence and Release
// are required; Close removes its scratch directory.
type Jobs struct {
	Blobs    rebuild.Store
	Evidence EvidenceStore
	Release  *glassbox.Release
	// Fresh runs every job again instead of reusing stored evidence.
	Fresh bool
	// Now is the clock (time.Now if nil).
	Now func() time.Time

	work   string // scratch directory inside the evidence store, made on first use
	srcDir string // the release's source, materialised on first use
	artDir string // its artefacts, likewise
	sbom   *SBOM  // the SBOM job's outcome, once run: the vulnerability job reads it
}

// Close removes the jobs' scratch directory.
func (j *Jobs) Close() error {
	if j.work == "" {
		return nil
	}
	err := os.RemoveAll(j.work)
	j.work, j.srcDir, j.artDir = "", "", ""
	return err
}

func (j *Jobs) now() time.Time {
	if j.Now != nil {
		return j.Now().UTC()
	}
	return time.Now().UTC()
}

// keep stores a document as evidence of the release.
func (j *Jobs) keep(ctx context.Context, kind string, data []byte) (glassbox.Digest, error) {
	d, err := j.Blobs.Put(ctx, data)
	if err != nil {
		return "", fmt.Errorf("store the %s of release %s: %w", kind, j.Release.ID, err)
	}
	if err := j.Evidence.RecordEvidence(ctx, j.Release.ID, kind, d); err != nil {
		return "", err
	}
	return d, nil
}

// stored returns the newest document of a kind recorded about the
// release, unless the jobs are fresh; nil if there is none.
func (j *Jobs) stored(ctx context.Context, kind string) ([]byte, glassbox.Digest, error) {
	if j.Fresh {
		return nil, "", nil
	}
	ds, err := j.Evidence.FindEvidence(ctx, j.Release.ID, kind)
	if err != nil || len(ds) == 0 {
		return nil, "", err
	}
	d := ds[len(ds)-1]
	b, err := j.read(ctx, d)
	return b, d, err
}

// read reads a stored document.
func (j *Jobs) read(ctx context.Context, d glassbox.Digest) ([]byte, error) {
	rc, err := j.Blobs.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDocument {
		return nil, glassbox.Errorf(glassbox.EINVALID, "evidence %s is over %d bytes, more than any document the centre writes", d, maxDocument)
	}
	return b, nil
}

// storedJSON decodes the newest stored document of a kind into v, and
// reports whether there was one.
func (j *Jobs) storedJSON(ctx context.Context, kind string, v any) (glassbox.Digest, bool, error) {
	b, d, err := j.stored(ctx, kind)
	if err != nil || b == nil {
		return "", false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		// Stored by an older glassbox in another shape: run again.
		return "", false, nil
	}
	return d, true, nil
}

// Stored decodes the release's newest JSON document of kind into v and
// reports whether there was one.
func (j *Jobs) Stored(ctx context.Context, kind string, v any) (bool, error) {
	_, found, err := j.storedJSON(ctx, kind, v)
	return found, err
}

// storedDoc returns the newest document of a kind and its digest, or
// nothing if there is none (a job reusing its main document fetches its
// companions this way).
func (j *Jobs) storedDoc(ctx context.Context, kind string) ([]byte, glassbox.Digest) {
	b, d, err := j.stored(ctx, kind)
	if err != nil {
		return nil, ""
	}
	return b, d
}

// workDir is the jobs' scratch directory, inside the evidence store's
// staging area so that nothing is left outside the data directory.
func (j *Jobs) workDir() (string, error) {
	if j.work != "" {
		return j.work, nil
	}
	tmp, err := j.Blobs.TempDir()
	if err != nil {
		return "", err
	}
	if j.work, err = os.MkdirTemp(tmp, "jobs-"); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "scratch directory for release %s: %w", j.Release.ID, err)
	}
	return j.work, nil
}

// source materialises the release's source files once.
func (j *Jobs) source(ctx context.Context) (string, error) {
	if j.srcDir != "" {
		return j.srcDir, nil
	}
	w, err := j.workDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(w, "src")
	if err := rebuild.Materialise(ctx, j.Blobs, j.Release.Manifest.Source.Files, dir); err != nil {
		return "", err
	}
	j.srcDir = dir
	return dir, nil
}

// artifacts materialises the release's artefacts once.
func (j *Jobs) artifacts(ctx context.Context) (string, error) {
	if j.artDir != "" {
		return j.artDir, nil
	}
	w, err := j.workDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(w, "artifacts")
	if err := rebuild.Materialise(ctx, j.Blobs, j.Release.Manifest.Artifacts, dir); err != nil {
		return "", err
	}
	j.artDir = dir
	return dir, nil
}
