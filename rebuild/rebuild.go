package rebuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"glassbox.dev"
)

// Store is the part of the evidence store a rebuild needs: blobs, and a
// scratch directory inside the data directory for the work tree.
type Store interface {
	glassbox.BlobStore
	TempDir() (string, error)
}

// Rebuilder rebuilds releases from the source the centre holds and
// compares what it builds with what the vendor ships.
type Rebuilder struct {
	Blobs   Store
	Limits  Limits    // the centre's overrides of every recipe's limits
	Explain Explainer // how to explain a difference; nil for none
	GOROOT  string    // the Go toolchain for recipes with toolchain go; "" for the one on PATH
	// InputRoots are the host directories recipes may mount inputs from.
	InputRoots []string
	// DataDir is the centre's data directory, which no input may come
	// from; required when InputRoots are set. It also keeps a Go build
	// cache per vendor (goCache); "" keeps none.
	DataDir string
}

// goCache returns the Go build cache a rebuild of rel with recipe uses, made
// if need be: one per vendor (the owner part of the product name, "acme" of
// "acme/router"), so that one vendor's builds never read what another's
// wrote. Only builds with glassbox's own Go recipe (recipeDigest "") use
// one: its commands are go build and nothing else, so what lands in the
// cache is the compiler's output; a vendor's recipe runs the vendor's
// commands, which could write anything there for a later release of theirs
// to pick up, so it gets a fresh cache. "" means a fresh cache.
func (rb *Rebuilder) goCache(rel *glassbox.Release, recipe *Recipe, recipeDigest glassbox.Digest) (string, error) {
	if rb.DataDir == "" || recipe.Toolchain != ToolchainGo || recipeDigest != "" {
		return "", nil
	}
	owner, _, _ := strings.Cut(rel.Manifest.Product, "/")
	if owner == "" {
		return "", nil
	}
	sum := sha256.Sum256([]byte(owner))
	dir := filepath.Join(rb.DataDir, "gocache", hex.EncodeToString(sum[:16]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: the Go build cache for %s: %w", owner, err)
	}
	return dir, nil
}

// Rebuild runs recipe on a fresh copy of the release's source in the
// sandbox and compares each shipped artefact with its rebuild. The build
// log, every rebuilt artefact and the report are stored as evidence; the
// report's digest is returned with it. A build that fails is a report with
// every artefact not rebuildable, not an error.
func (rb *Rebuilder) Rebuild(ctx context.Context, rel *glassbox.Release, recipe *Recipe, recipeDigest glassbox.Digest) (*Report, glassbox.Digest, error) {
	area, err := rb.Blobs.TempDir()
	if err != nil {
		return nil, "", err
	}
	work, err := os.MkdirTemp(area, "rebuild-")
	if err != nil {
		return nil, "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "src")
	if err := Materialise(ctx, rb.Blobs, rel.Manifest.Source.Files, src); err != nil {
		return nil, "", err
	}
	// The build runs in the project's folder, as its vendor runs it after
	// unpacking a release tarball.
	if top := ProjectFolder(&rel.Manifest.Source); top != "" {
		src = filepath.Join(src, filepath.FromSlash(top))
	}
	rep := &Report{Release: rel.ID, Recipe: recipeDigest, Stabilisers: recipe.Stabilisers, StartedOn: time.Now().UTC(), Artifacts: []ArtifactResult{}}
	spec := Spec{Recipe: recipe, Dir: src, Limits: rb.Limits, GOROOT: rb.GOROOT, InputRoots: rb.InputRoots, DataDir: rb.DataDir}
	if spec.GoCache, err = rb.goCache(rel, recipe, recipeDigest); err != nil {
		return nil, "", err
	}
	var fetchLog string
	var fetchErr error
	if needsModules(recipe, src) {
		spec.ModCache = filepath.Join(work, "gomodcache")
		if err := os.Mkdir(spec.ModCache, 0o755); err != nil {
			return nil, "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
		}
		defer unlockCache(spec.ModCache)
		fetchLog, fetchErr = fetchModules(ctx, src, spec.ModCache, rb.GOROOT)
	}
	out := &Outcome{}
	if fetchErr == nil {
		if out, err = Run(ctx, spec); err != nil {
			return nil, "", err
		}
	}
	rep.FinishedOn = time.Now().UTC()
	if rep.Log, err = rb.store(ctx, bytes.NewReader(append([]byte(fetchLog), out.Log...))); err != nil {
		return nil, "", err
	}
	var outputs map[string]string
	if fetchErr != nil {
		rep.Failure = fetchErr.Error()
	} else if out.Succeeded() {
		if outputs, err = Collect(src, recipe); err != nil {
			rep.Failure = err.Error()
		}
	} else {
		rep.Failure = out.Reason
	}
	for _, a := range rel.Manifest.Artifacts {
		res, err := rb.artifact(ctx, work, a, recipe, outputs, rep.Failure)
		if err != nil {
			return nil, "", err
		}
		rep.Artifacts = append(rep.Artifacts, *res)
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	d, err := rb.store(ctx, bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	return rep, d, nil
}

// artifact compares one shipped artefact with its rebuild.
func (rb *Rebuilder) artifact(ctx context.Context, work string, a glassbox.File, recipe *Recipe, outputs map[string]string, failure string) (*ArtifactResult, error) {
	res := &ArtifactResult{Name: a.Path, Shipped: a.Digest, Verdict: NotRebuildable}
	rebuilt, ok := outputs[a.Path]
	switch {
	case failure != "":
		res.Reason = failure
		return res, nil
	case !ok:
		res.Reason = "the recipe does not say which output is the artefact " + a.Path
		return res, nil
	}
	if _, err := os.Lstat(rebuilt); err != nil {
		res.Reason = "the build did not produce " + recipe.Artifacts[a.Path]
		return res, nil
	}
	shipped := filepath.Join(work, "shipped", a.Path)
	if err := rb.fetch(ctx, a.Digest, shipped); err != nil {
		return nil, err
	}
	res, err := Compare(a.Path, a.Digest, shipped, rebuilt, recipe.Stabilisers, rb.Explain)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(rebuilt)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	defer f.Close()
	if _, err := rb.store(ctx, f); err != nil {
		return nil, err
	}
	return res, nil
}

// store keeps r as a blob and returns its digest.
func (rb *Rebuilder) store(ctx context.Context, r io.Reader) (glassbox.Digest, error) {
	b, err := rb.Blobs.Stage(ctx, r)
	if err != nil {
		return "", err
	}
	if _, err := rb.Blobs.Commit(ctx, b); err != nil {
		b.Discard()
		return "", err
	}
	return b.Digest(), nil
}

// fetch writes a stored blob to a file.
func (rb *Rebuilder) fetch(ctx context.Context, d glassbox.Digest, path string) error {
	rc, err := rb.Blobs.Open(ctx, d)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	_, err = io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	return nil
}
