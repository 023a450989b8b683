package sbom

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"glassbox.dev"
)

// deriveGoMod reads the go.mod at p and the go.sum beside it, if any.
func deriveGoMod(p, rel string) ([]glassbox.Component, error) {
	mod, err := readManifest(p, rel)
	if err != nil {
		return nil, err
	}
	sumPath := filepath.Join(filepath.Dir(p), "go.sum")
	var sum []byte
	if info, err := os.Lstat(sumPath); err == nil && info.Mode().IsRegular() {
		if sum, err = readManifest(sumPath, path.Join(path.Dir(rel), "go.sum")); err != nil {
			return nil, err
		}
	}
	return parseGoMod(rel, mod, sum)
}

// parseGoMod returns the modules a go.mod requires, after its replace
// directives: a required module replaced by another module is listed as
// the replacement, which is what gets compiled and what a binary's build
// information names. A module replaced by a local directory keeps its path
// and has no version, since no published version describes it. Hashes come
// from go.sum's h1: line for the module (not its /go.mod line).
func parseGoMod(rel string, mod, sum []byte) ([]glassbox.Component, error) {
	f, err := modfile.Parse(rel, mod, nil)
	if err != nil {
		// modfile's message already starts with the file name and line.
		return nil, glassbox.Errorf(glassbox.EINVALID, "%v", err)
	}
	sums, err := parseGoSum(path.Join(path.Dir(rel), "go.sum"), sum)
	if err != nil {
		return nil, err
	}
	// A replace without a version on its left applies to every version.
	replaces := make(map[module.Version]module.Version)
	for _, r := range f.Replace {
		replaces[r.Old] = r.New
	}
	out := make([]glassbox.Component, 0, len(f.Require))
	for _, r := range f.Require {
		m := r.Mod
		if n, ok := replaces[m]; ok {
			m = n
		} else if n, ok := replaces[module.Version{Path: m.Path}]; ok {
			m = n
		}
		c := glassbox.Component{Ecosystem: EcosystemGo, Source: rel, Direct: !r.Indirect}
		if m.Version == "" { // a local directory replacement
			c.Name = r.Mod.Path
		} else {
			c.Name, c.Version = m.Path, m.Version
			if h, ok := sums[m.Path+" "+m.Version]; ok {
				c.Hashes = []string{h}
			}
		}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}
	// Before Go 1.17 a go.mod names only the modules the main module
	// imports from, and leaves out the modules they need in turn; go.sum
	// still hashes the code of every module the build downloaded. For
	// such a go.mod, a module go.sum hashes and go.mod does not name at
	// any version is listed as indirect, or a binary built from this very
	// source would seem to link modules the source does not know.
	if f.Go == nil || semver.Compare("v"+f.Go.Version, "v1.17") < 0 {
		named := make(map[string]bool)
		for _, c := range out {
			named[c.Name] = true
		}
		for _, r := range f.Require {
			named[r.Mod.Path] = true
		}
		keys := make([]string, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, v, _ := strings.Cut(k, " ")
			if named[p] || (f.Module != nil && p == f.Module.Mod.Path) {
				continue
			}
			c := glassbox.Component{Ecosystem: EcosystemGo, Name: p, Version: v, Source: rel, Hashes: []string{sums[k]}}
			c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
			out = append(out, c)
		}
	}
	return out, nil
}

// parseGoSum maps "path version" to the module's h1: hash. Lines for a
// module's go.mod file ("version/go.mod") are skipped: they do not hash the
// code that is compiled.
func parseGoSum(rel string, data []byte) (map[string]string, error) {
	sums := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxManifestSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || !strings.Contains(fields[2], ":") {
			return nil, invalid(rel, "line %d: want \"module version hash\", got %q; regenerate it with go mod tidy", n, line)
		}
		if strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		sums[fields[0]+" "+fields[1]] = fields[2]
	}
	if err := sc.Err(); err != nil {
		return nil, invalid(rel, "%v", err)
	}
	return sums, nil
}
