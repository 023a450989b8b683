package rebuild

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/input"
)

// Fetching a Go build's modules. The sandbox has no network, so a Go module
// that neither vendors its dependencies nor names a gomodcache input could
// not be rebuilt. Like Go's gorebuild, the centre fetches them itself,
// before the build and outside the sandbox: "go mod download" through the
// Go module proxy, for a directory holding only the release's go.mod and
// go.sum, so that no code of the release runs and every module is checked
// against go.sum and the checksum database. The result is mounted
// read-only as the build's GOMODCACHE.

// maxModFiles bounds the go.mod files whose modules are fetched.
const maxModFiles = 32

// MaxModFile bounds one go.mod or go.sum read from a release: the largest
// real ones are a few hundred KiB.
const MaxModFile = 16 << 20

// modFetchTimeout bounds the whole download.
const modFetchTimeout = 15 * time.Minute

// needsModules reports whether a Go build of the source in dir needs its
// modules fetched: a Go recipe, no vendor directory beside a go.mod, and no
// module cache given as an input.
func needsModules(recipe *Recipe, dir string) bool {
	if recipe.Toolchain != ToolchainGo {
		return false
	}
	for _, in := range recipe.Inputs {
		if in.Name == "gomodcache" {
			return false
		}
	}
	return len(modFiles(dir)) > 0
}

// modFiles lists the go.mod files of the source that have requirements and
// are not vendored, outside testdata and vendor trees.
func modFiles(dir string) []string {
	var out []string
	for _, p := range goModPaths(dir) {
		if len(out) >= maxModFiles {
			break
		}
		if vendored(filepath.Dir(p)) {
			continue
		}
		// One that cannot be read is listed too, so that fetching
		// reports why.
		if b, err := input.ReadFile(context.Background(), p, "go.mod", MaxModFile); err != nil || strings.Contains(string(b), "require") {
			out = append(out, p)
		}
	}
	return out
}

// goModPaths lists the go.mod files (regular files) under dir, outside
// testdata, vendor and dot directories, shallowest first; at most a few
// hundred.
func goModPaths(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= 8*maxModFiles {
			return filepath.SkipDir
		}
		if d.IsDir() && p != dir && skippedModDir(d.Name()) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && d.Name() == "go.mod" {
			out = append(out, p)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	return out
}

// skippedModDir reports whether a directory of this name holds no module
// of the release's own: vendored copies, test data, hidden directories.
func skippedModDir(name string) bool {
	return name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".")
}

// moduleRoot returns the directory of the release's main Go module among
// the slash-separated paths of a source tree: the shallowest go.mod outside
// testdata, vendor and hidden directories (a module zip or a release
// archive puts it in a top-level folder). The default Go recipe builds
// there, and the sandbox vendors when that module does.
func moduleRoot(paths []string) (string, bool) {
	best, found := "", false
	for _, p := range paths {
		if path.Base(p) != "go.mod" {
			continue
		}
		dir := path.Dir(p)
		skip := false
		for _, el := range strings.Split(dir, "/") {
			skip = skip || dir != "." && skippedModDir(el)
		}
		if skip {
			continue
		}
		if !found || moduleDepth(dir) < moduleDepth(best) || moduleDepth(dir) == moduleDepth(best) && dir < best {
			best, found = dir, true
		}
	}
	return best, found
}

func moduleDepth(dir string) int {
	if dir == "." {
		return 0
	}
	return 1 + strings.Count(dir, "/")
}

// vendored reports whether the module whose go.mod is in dir builds from
// its vendor directory: vendor/modules.txt is there, as the go command
// requires, and every package it lists is there too. A module zip keeps
// vendor/modules.txt but drops the vendored packages (crane 0.20.2's
// module is such a tree): its vendor directory is incomplete, and the
// module is built as "go install module@version" builds it, from
// fetched modules.
func vendored(dir string) bool {
	ok, _ := vendorComplete(dir)
	return ok
}

// vendorComplete reports whether dir/vendor holds every package its
// modules.txt lists; when it does not, missing names the first absent one
// (or why modules.txt could not be read).
func vendorComplete(dir string) (ok bool, missing string) {
	list := filepath.Join(dir, "vendor", "modules.txt")
	st, err := os.Lstat(list)
	if err != nil || !st.Mode().IsRegular() {
		return false, ""
	}
	b, err := input.ReadFile(context.Background(), list, "vendor/modules.txt", MaxModFile)
	if err != nil {
		return false, err.Error()
	}
	for _, line := range strings.Split(string(b), "\n") {
		pkg := strings.TrimSpace(line)
		if pkg == "" || strings.HasPrefix(pkg, "#") {
			continue
		}
		if !fs.ValidPath(pkg) {
			return false, pkg
		}
		if !hasFile(filepath.Join(dir, "vendor", filepath.FromSlash(pkg))) {
			return false, pkg
		}
	}
	return true, ""
}

// hasFile reports whether the directory holds a regular file (a vendored
// package keeps at least its sources or its embedded files).
func hasFile(dir string) bool {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			return true
		}
	}
	return false
}

// fetchModules downloads the modules every go.mod under src requires into
// cache, with the go command of goroot (or PATH), and returns what it did,
// for the build log.
func fetchModules(ctx context.Context, src, cache, goroot string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, modFetchTimeout)
	defer cancel()
	goCmd := "go"
	if goroot != "" {
		goCmd = filepath.Join(goroot, "bin", "go")
	}
	var log strings.Builder
	env, err := moduleProxyEnv(ctx, goCmd)
	if err != nil {
		return "", err
	}
	for _, gomod := range modFiles(src) {
		rel, _ := filepath.Rel(src, gomod)
		// Only go.mod and go.sum, in a directory of their own: the
		// download cannot read or run anything else of the release.
		tmp, err := os.MkdirTemp(filepath.Dir(cache), "mod-")
		if err != nil {
			return log.String(), err
		}
		defer os.RemoveAll(tmp)
		for _, name := range []string{"go.mod", "go.sum"} {
			b, err := input.ReadFile(ctx, filepath.Join(filepath.Dir(gomod), name), name, MaxModFile)
			if name == "go.sum" && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return log.String(), err
			}
			if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
				return log.String(), err
			}
		}
		cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-x")
		cmd.Dir = tmp
		cmd.Env = append(env, "GOMODCACHE="+cache, "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local",
			"GOWORK=off", "GOENV=off", "GOTELEMETRY=off")
		out, err := cmd.CombinedOutput()
		if _, missing := vendorComplete(filepath.Dir(gomod)); missing != "" {
			fmt.Fprintf(&log, "glassbox: %s has vendor/modules.txt but its vendor directory is incomplete (%s is missing, as in a module zip, which drops vendored packages): building from fetched modules, as go install module@version does\n", filepath.ToSlash(rel), missing)
		}
		fmt.Fprintf(&log, "glassbox: fetched the modules %s requires through the Go module proxy, checked against its go.sum and the checksum database:\n", filepath.ToSlash(rel))
		log.Write(out)
		if err != nil {
			return log.String(), glassbox.Errorf(glassbox.EINVALID, "fetch the modules %s requires: %v: %s", filepath.ToSlash(rel), err, lastLine(out))
		}
	}
	// The build reads the cache; nothing may change it.
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o555)
		}
		return nil
	})
	return log.String(), nil
}

// unlockCache makes a fetched module cache removable again (the go command
// writes it read-only, and fetchModules locked its directories).
func unlockCache(cache string) {
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
