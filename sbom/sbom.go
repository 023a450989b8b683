// Package sbom finds the components of a release — from the manifests and
// lock files in its source, from the build information embedded in its Go
// binaries, and from SBOMs a vendor submits — and writes them as CycloneDX
// 1.6 JSON. Compare says where two component lists disagree.
package sbom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"glassbox.dev"
)

// maxManifestSize bounds what a manifest parser reads: no real lock file
// comes near it, and a hostile tree must not make Derive read a disk-sized
// file into memory.
const maxManifestSize = 64 << 20

// parser reads one kind of manifest. data is the file's content and path
// its slash-separated path relative to the derived root, used as the
// components' Source and in errors.
type parser func(path string, data []byte) ([]glassbox.Component, error)

// manifestParser returns the parser for a file name, or nil.
func manifestParser(name string) parser {
	switch name {
	case "go.mod":
		return nil // read together with go.sum by deriveGoMod
	case "package-lock.json", "npm-shrinkwrap.json":
		return parsePackageLock
	case "poetry.lock":
		return parsePoetryLock
	case "Pipfile.lock":
		return parsePipfileLock
	case "Cargo.lock":
		return parseCargoLock
	case "pom.xml":
		return parsePOM
	}
	if strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt") {
		return parseRequirements
	}
	return nil
}

// Derive walks the source tree at root and returns the components its
// manifests, lock files and vendored C/C++ headers declare, sorted. It
// skips the directories in skipDirs and does not follow symbolic links.
// A manifest that cannot be parsed fails the derivation with an error
// naming it: an SBOM silently missing a lock file's components would be
// worse than none.
func Derive(ctx context.Context, root string) ([]glassbox.Component, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "derive components: %w", err)
	}
	if !info.IsDir() {
		return nil, glassbox.Errorf(glassbox.EINVALID, "derive components: %s is not a directory", root)
	}
	// The root itself may be a link to the tree (WalkDir would not enter
	// it); links inside the tree are still never followed.
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "derive components: %w", err)
	}
	var out []glassbox.Component
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			// An unreadable corner of the tree is logged, not fatal:
			// the rest still describes the release.
			slog.Warn("sbom: skipping unreadable path", "path", p, "err", err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && skipDirs[name] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symbolic links and devices are never followed
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var cs []glassbox.Component
		switch {
		case name == "go.mod":
			cs, err = deriveGoMod(p, rel)
		case manifestParser(name) != nil:
			var data []byte
			if data, err = readManifest(p, rel); err == nil {
				cs, err = manifestParser(name)(rel, data)
			}
		case isCHeader(name):
			cs, err = deriveCHeader(p, rel)
		default:
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, cs...)
		return nil
	})
	if err != nil {
		var ge *glassbox.Error
		if errors.As(err, &ge) {
			return nil, err
		}
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "derive components from %s: %w", root, err)
	}
	out = mergeCHeaders(out)
	Sort(out)
	return out, nil
}

// readManifest reads a manifest, refusing one too large to be real.
func readManifest(p, rel string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", rel, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", rel, err)
	}
	if info.Size() > maxManifestSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %d bytes is larger than the %d a manifest may have; remove it from the tree or split it", rel, info.Size(), maxManifestSize)
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", rel, err)
	}
	return data, nil
}

// Sort orders components by ecosystem, name, version and source, the order
// every list this package returns and every SBOM it writes uses.
func Sort(cs []glassbox.Component) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Ecosystem != b.Ecosystem {
			return a.Ecosystem < b.Ecosystem
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Source < b.Source
	})
}

// invalid is the error of a malformed manifest: it names the file and the
// problem.
func invalid(path, format string, args ...any) error {
	return glassbox.Errorf(glassbox.EINVALID, "%s: %s", path, fmt.Sprintf(format, args...))
}

// errorf is fmt.Errorf for the messages parsers wrap in invalid.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// skipDirs are the directories Derive does not enter: version-control
// metadata; node_modules, whose contents the lock file beside it already
// lists; and testdata, which the Go tool ignores and which holds fixtures
// (deliberately broken manifests among them), not dependencies.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, "node_modules": true, "testdata": true}
