package rebuild

import (
	"context"
	"io"
	"os/exec"
	"path"
	"strings"

	"glassbox.dev"
	"glassbox.dev/internal/input"
)

// ChooseRecipe returns the recipe a release is rebuilt with: the submitted
// one, or for a Go module without one the default Go recipe read from its
// shipped binaries' build information. The digest is the recipe file's,
// empty for the default.
func ChooseRecipe(ctx context.Context, blobs glassbox.BlobStore, rel *glassbox.Release) (*Recipe, glassbox.Digest, error) {
	m := &rel.Manifest
	if m.Recipe != nil {
		rc, err := blobs.Open(ctx, m.Recipe.Digest)
		if err != nil {
			return nil, "", err
		}
		defer rc.Close()
		data, err := input.Read(ctx, rc, m.Recipe.Path, "recipe", MaxRecipeSize)
		if err != nil {
			return nil, "", err
		}
		r, err := Parse(data)
		return r, m.Recipe.Digest, err
	}
	// No recipe: a Go module gets "go build -trimpath", run where its
	// go.mod is (a module zip puts it in a directory), relative to the
	// project's folder the build runs in.
	top := ProjectFolder(&m.Source)
	var paths []string
	for _, f := range m.Source.Files {
		if p, ok := strings.CutPrefix(f.Path, top); ok && f.Mode != glassbox.ModeSymlink {
			paths = append(paths, strings.TrimPrefix(p, "/"))
		}
	}
	var gomod *glassbox.File
	dir, ok := moduleRoot(paths)
	if ok {
		for i, f := range m.Source.Files {
			if f.Path == path.Join(top, dir, "go.mod") {
				gomod = &m.Source.Files[i]
			}
		}
	}
	if gomod == nil {
		return nil, "", glassbox.Errorf(glassbox.EINVALID, "release %s has no recipe and is not a Go module; submit it with --recipe or give --recipe FILE", rel.ID)
	}
	rc, err := blobs.Open(ctx, gomod.Digest)
	if err != nil {
		return nil, "", err
	}
	data, err := input.Read(ctx, rc, gomod.Path, "go.mod", MaxModFile)
	rc.Close()
	if err != nil {
		return nil, "", err
	}
	module := ""
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			module = strings.Trim(strings.TrimSpace(rest), `"`)
			break
		}
	}
	// Each shipped Go binary says how it was built (go version -m).
	bins := map[string]io.ReaderAt{}
	for _, a := range m.Artifacts {
		rc, err := blobs.Open(ctx, a.Digest)
		if err != nil {
			return nil, "", err
		}
		defer rc.Close()
		ra, ok := rc.(io.ReaderAt)
		if !ok {
			return nil, "", glassbox.Errorf(glassbox.EINTERNAL, "the evidence store cannot read %s at random", a.Path)
		}
		bins[a.Path] = ra
	}
	r, err := GoRecipe(module, dir, bins)
	if err != nil {
		return nil, "", err
	}
	return r, "", nil
}

// ProjectFolder returns the folder a release's build runs in, relative to
// the root of its source: for an archive whose every file is inside one
// top-level folder (the convention of release tarballs: cJSON-1.7.18/,
// go-containerregistry-0.20.2/), that folder, which is where its vendor
// runs the build after unpacking; for a Go module zip, whose files are all
// under MODULE@VERSION/, that folder, the module's root; "" (the root)
// otherwise. A recipe's commands and artefact paths are relative to it.
func ProjectFolder(src *glassbox.Source) string {
	if src.Kind != glassbox.SourceArchive || len(src.Files) == 0 {
		return ""
	}
	first := src.Files[0].Path
	var candidates []string
	if i := strings.Index(first, "@"); i > 0 {
		if j := strings.IndexByte(first[i:], '/'); j > 0 {
			candidates = append(candidates, first[:i+j]) // a module zip's MODULE@VERSION
		}
	}
	if top, _, nested := strings.Cut(first, "/"); nested {
		candidates = append(candidates, top)
	}
	for _, c := range candidates {
		if allUnder(src.Files, c) {
			return c
		}
	}
	return ""
}

// allUnder reports whether every file is inside the folder dir.
func allUnder(files []glassbox.File, dir string) bool {
	for _, f := range files {
		if !strings.HasPrefix(f.Path, dir+"/") {
			return false
		}
	}
	return true
}

// GoToolchain returns the GOROOT and version of the Go toolchain a Go
// recipe should run with: the one the shipped binaries were built with,
// fetched through the Go module proxy outside the sandbox when the host's
// differs, so that "the module's toolchain" builds it.
func GoToolchain(ctx context.Context, blobs glassbox.BlobStore, rel *glassbox.Release, recipe *Recipe) (goroot, version string, err error) {
	if recipe.Toolchain != ToolchainGo {
		return "", "", nil
	}
	host, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", "", glassbox.Errorf(glassbox.EINTERNAL, "a Go recipe needs the go command: %w", err)
	}
	version = strings.TrimSpace(string(host))
	bins := map[string]io.ReaderAt{}
	for _, a := range rel.Manifest.Artifacts {
		rc, err := blobs.Open(ctx, a.Digest)
		if err != nil {
			return "", "", err
		}
		defer rc.Close()
		if ra, ok := rc.(io.ReaderAt); ok {
			bins[a.Path] = ra
		}
	}
	versions := GoVersions(bins)
	switch {
	case len(versions) == 0 || versions[0] == version && len(versions) == 1:
		return "", version, nil
	case len(versions) > 1:
		return "", "", glassbox.Errorf(glassbox.EINVALID, "the release's binaries were built with different Go toolchains (%s); rebuild them with one recipe each", strings.Join(versions, ", "))
	}
	if err := checkGoVersion(versions[0]); err != nil {
		return "", "", err
	}
	// GOTOOLCHAIN makes the go command fetch that release of Go (a module
	// on the proxy, checked against the checksum database) and run it.
	env, err := moduleProxyEnv(ctx, "go")
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT")
	cmd.Env = append(env, "GOTOOLCHAIN="+versions[0])
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", "", glassbox.Errorf(glassbox.EINTERNAL, "fetch the Go toolchain %s the release was built with: %v: %s", versions[0], err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), versions[0], nil
}
