package sbom

import (
	"encoding/json"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// DirSubject names what a source directory is, for an SBOM of it: the Go
// module its go.mod declares, or the npm package its package.json names
// (with its version), as a package URL; the folder's name only when the
// directory says nothing about itself. A go.mod carries no version: a
// module's version is its tag, which a directory does not have.
func DirSubject(dir string) Subject {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	fallback := Subject{Name: filepath.Base(abs)}
	if data, err := readManifest(filepath.Join(dir, "go.mod"), "go.mod"); err == nil {
		if path := modfile.ModulePath(data); path != "" {
			return Subject{Name: path, PURL: PURL(EcosystemGo, path, "")}
		}
	}
	if data, err := readManifest(filepath.Join(dir, "package.json"), "package.json"); err == nil {
		var pkg struct{ Name, Version string }
		if json.Unmarshal(data, &pkg) == nil && pkg.Name != "" {
			return Subject{Name: pkg.Name, Version: pkg.Version, PURL: PURL(EcosystemNPM, pkg.Name, pkg.Version)}
		}
	}
	return fallback
}
