package stage

import (
	"context"
	"encoding/json"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/rebuild"
)

// RebuildOptions are a rebuild's settings beyond the release's own.
type RebuildOptions struct {
	// Recipe, if set, replaces the one rebuild.ChooseRecipe picks (a
	// recipe file the operator gives); RecipeDigest is its file's digest.
	Recipe       *rebuild.Recipe
	RecipeDigest glassbox.Digest
	// Limits override every recipe's limits.
	Limits rebuild.Limits
	// InputRoots are the host directories recipes may mount inputs from.
	InputRoots []string
	// DataDir is the centre's data directory: no input may come from it,
	// and Go rebuilds keep their per-vendor build cache there.
	DataDir string
	// Explain explains a difference; nil for rebuild.Explain.
	Explain rebuild.Explainer
}

// Rebuilt is what the rebuild job established.
type Rebuilt struct {
	Report *rebuild.Report
	Digest glassbox.Digest // the report's, recorded as KindRebuildReport
	// Provenance is the SLSA Provenance v1 predicate about the rebuilt
	// artefacts, recorded as KindRebuildProvenance.
	Provenance json.RawMessage
	Reused     bool // from stored evidence: nothing was built
}

// Rebuild rebuilds the release's artefacts in the sandbox and compares
// them with the shipped ones (rebuild.Rebuilder), or returns the newest
// rebuild stored for the release. A build that fails is a report, not an
// error; a release that ships nothing has nothing to rebuild and is an
// EINVALID error.
func (j *Jobs) Rebuild(ctx context.Context, o RebuildOptions) (*Rebuilt, error) {
	if len(j.Release.Manifest.Artifacts) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "release %s ships no artefacts to rebuild", j.Release.ID)
	}
	var rep rebuild.Report
	d, reused, err := j.storedJSON(ctx, KindRebuildReport, &rep)
	if err != nil {
		return nil, err
	}
	if reused {
		out := &Rebuilt{Report: &rep, Digest: d, Reused: true}
		if b, _ := j.storedDoc(ctx, KindRebuildProvenance); b != nil && json.Valid(b) {
			out.Provenance = b
		} else {
			// Kept by an older glassbox without its predicate: the
			// toolchain it ran is not known any more.
			out.Provenance = rep.Provenance(d, "")
		}
		return out, nil
	}
	recipe, recipeDigest := o.Recipe, o.RecipeDigest
	if recipe == nil {
		if recipe, recipeDigest, err = rebuild.ChooseRecipe(ctx, j.Blobs, j.Release); err != nil {
			return nil, err
		}
	}
	goroot, goversion, err := rebuild.GoToolchain(ctx, j.Blobs, j.Release, recipe)
	if err != nil {
		return nil, err
	}
	rb := &rebuild.Rebuilder{Blobs: j.Blobs, Limits: o.Limits, Explain: o.Explain, InputRoots: o.InputRoots, DataDir: o.DataDir, GOROOT: goroot}
	if rb.Explain == nil {
		rb.Explain = rebuild.Explain(ctx)
	}
	p, d, err := rb.Rebuild(ctx, j.Release, recipe, recipeDigest)
	if err != nil {
		return nil, err
	}
	if err := j.Evidence.RecordEvidence(ctx, j.Release.ID, KindRebuildReport, d); err != nil {
		return nil, err
	}
	toolchain := ""
	if goversion != "" {
		toolchain = "https://go.dev/dl/" + goversion
	}
	out := &Rebuilt{Report: p, Digest: d, Provenance: p.Provenance(d, toolchain)}
	if _, err := j.keep(ctx, KindRebuildProvenance, out.Provenance); err != nil {
		return nil, err
	}
	return out, nil
}

// Statement is the request that signs the rebuild's provenance, whose
// subjects are the rebuilt artefacts; nil when nothing was rebuilt. Every
// caller signs the same statement, so the log holds it once.
func (r *Rebuilt) Statement() *notary.Request {
	var subjects []attest.Subject
	for _, a := range r.Report.Artifacts {
		if a.Rebuilt != "" {
			subjects = append(subjects, attest.Subject{Name: a.Name, Digest: a.Rebuilt})
		}
	}
	if len(subjects) == 0 {
		return nil
	}
	return &notary.Request{Subjects: subjects, PredicateType: glassbox.PredicateProvenance, Predicate: r.Provenance}
}
