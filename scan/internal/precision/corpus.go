// Package precision is the scan's precision corpus: popular, clean, real
// projects pinned by version and SHA-256 digest (corpus.tsv), fetched from
// the registries that publish them into a local cache and scanned as
// `glassbox scan` scans, so that any finding of medium or above on them is a
// false alarm to fix.
//
// The projects are never committed: Fetch downloads each through its
// ecosystem's own client (the Go module proxy, npm, apt), checks its digest
// and unpacks it under hostile-archive rules.
package precision

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strings"
)

//go:embed corpus.tsv
var corpusTSV []byte

// Project is one pinned project of the corpus.
type Project struct {
	Name      string // short, unique in the corpus, e.g. "cobra"
	Ecosystem string // "go", "npm", "debian"
	Language  string // the project's main language: go, javascript, typescript, c, python, java, php
	Version   string // the upstream version
	// Source says how to fetch it:
	//   go:MODULE@VERSION          a module zip from the Go module proxy
	//   npm:NAME@VERSION           the package tarball npm pack fetches
	//   debsrc:PKG=VERSION/FILE    FILE of the Debian source package (its orig tarball), as apt-get source fetches it
	//   deb:PKG=VERSION            a Debian binary package, as apt-get download fetches it
	Source string
	SHA256 string // hex digest of the fetched archive
	// Kind is "source" for a source release, "built" for a built
	// distribution (a binary package, a published npm bundle).
	Kind string
}

// Dir is the folder, relative to the corpus cache, the project is unpacked
// in.
func (p Project) Dir() string { return p.Name + "-" + p.Version }

// Corpus returns the pinned projects, in the order corpus.tsv lists them.
func Corpus() ([]Project, error) { return ParseCorpus(corpusTSV) }

// ParseCorpus reads a corpus table: tab-separated name, ecosystem, language,
// version, source, sha256, kind, with a header line and # comments.
func ParseCorpus(b []byte) ([]Project, error) {
	var out []Project
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	header := true
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("corpus line %d: %d columns, want 7 (name, ecosystem, language, version, source, sha256, kind)", n, len(f))
		}
		p := Project{Name: f[0], Ecosystem: f[1], Language: f[2], Version: f[3], Source: f[4], SHA256: f[5], Kind: f[6]}
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("corpus line %d: %w", n, err)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("corpus line %d: project %q listed twice", n, p.Name)
		}
		seen[p.Name] = true
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the corpus: %w", err)
	}
	return out, nil
}

func (p Project) validate() error {
	if p.Name == "" || strings.ContainsAny(p.Name, "/\\ ") || strings.HasPrefix(p.Name, ".") {
		return fmt.Errorf("project name %q: want a plain word", p.Name)
	}
	if p.Version == "" || strings.ContainsAny(p.Version, "/\\ ") {
		return fmt.Errorf("project %s: version %q: want a plain word", p.Name, p.Version)
	}
	switch p.Kind {
	case "source", "built":
	default:
		return fmt.Errorf("project %s: kind %q: want source or built", p.Name, p.Kind)
	}
	if p.SHA256 != "-" && (len(p.SHA256) != 64 || strings.Trim(p.SHA256, "0123456789abcdef") != "") {
		return fmt.Errorf("project %s: sha256 %q is not 64 lower-case hex digits", p.Name, p.SHA256)
	}
	scheme, _, ok := strings.Cut(p.Source, ":")
	if !ok {
		return fmt.Errorf("project %s: source %q has no scheme (go:, npm:, debsrc:, deb:)", p.Name, p.Source)
	}
	switch scheme {
	case "go", "npm", "debsrc", "deb":
	default:
		return fmt.Errorf("project %s: source scheme %q: want go, npm, debsrc or deb", p.Name, scheme)
	}
	return nil
}
