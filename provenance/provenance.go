// Package provenance checks a release's source against the git commit it
// claims to come from, file by file, and points at what only the release
// archive has, above all generated build files: where the xz-utils 5.6.1
// backdoor hid, in an m4 macro that the git tag did not have.
package provenance

import (
	"path"
	"slices"
	"strings"

	"glassbox.dev"
)

// Change is how a file of the release differs from the git commit.
type Change string

// The changes a report lists.
const (
	Added   Change = "added"   // in the release, not in git
	Removed Change = "removed" // in git, not in the release
	Changed Change = "changed" // in both, with other content or mode
)

// Severity says how much a difference deserves an evaluator's eyes.
type Severity string

// Severities, from the most to the least alarming.
const (
	High   Severity = "high"   // build machinery that differs from git: run at build time, rarely reviewed
	Medium Severity = "medium" // other content that differs from git
	Low    Severity = "low"    // expected differences: VCS metadata left out of archives
)

// Finding is one file that differs.
type Finding struct {
	Path      string   `json:"path"`
	Change    Change   `json:"change"`
	Severity  Severity `json:"severity"`
	Generated bool     `json:"generated"` // looks like a generated build file (configure, *.m4, Makefile.in…)
	Reason    string   `json:"reason"`
}

// Report compares a release's source tree with its claimed git commit.
type Report struct {
	Commit    string    `json:"commit"`
	Ref       string    `json:"ref"`
	Prefix    string    `json:"prefix,omitempty"` // the archive's top directory, stripped before comparing
	Identical int       `json:"identical"`
	Findings  []Finding `json:"findings"`
}

// Consistent reports whether the release holds exactly what git holds,
// apart from low-severity differences.
func (r *Report) Consistent() bool {
	for _, f := range r.Findings {
		if f.Severity != Low {
			return false
		}
	}
	return true
}

// Check compares src's files with its claimed git origin. It returns an
// EINVALID error when the source claims no git origin.
func Check(src *glassbox.Source) (*Report, error) {
	if src.Git == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the release's source claims no git origin; submit it with --source ARCHIVE --git REPO --ref TAG to record one")
	}
	return Compare(src.Files, src.Git.Files, src.Git.Ref, src.Git.Commit), nil
}

// Compare compares a release tree with a git tree.
func Compare(release, git []glassbox.File, ref, commit string) *Report {
	r := &Report{Commit: commit, Ref: ref, Findings: []Finding{}}
	r.Prefix = commonPrefix(release, git)
	inGit := map[string]glassbox.File{}
	for _, f := range git {
		inGit[f.Path] = f
	}
	seen := map[string]bool{}
	for _, f := range release {
		p := strings.TrimPrefix(f.Path, r.Prefix)
		seen[p] = true
		g, ok := inGit[p]
		switch {
		case !ok:
			r.Findings = append(r.Findings, added(p))
		case g.Digest != f.Digest || g.Mode != f.Mode:
			r.Findings = append(r.Findings, changed(p, g, f))
		default:
			r.Identical++
		}
	}
	for _, g := range git {
		if !seen[g.Path] {
			r.Findings = append(r.Findings, removed(g.Path))
		}
	}
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		if c := strings.Compare(string(rank(a.Severity)), string(rank(b.Severity))); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return r
}

func rank(s Severity) string {
	return map[Severity]string{High: "0", Medium: "1", Low: "2"}[s]
}

// commonPrefix returns the single top-level directory every release path
// is under ("xz-5.6.1/"), if git's paths are not under it too: release
// archives put the tree in a directory named after the version.
func commonPrefix(release, git []glassbox.File) string {
	if len(release) == 0 {
		return ""
	}
	top, _, ok := strings.Cut(release[0].Path, "/")
	if !ok {
		return ""
	}
	prefix := top + "/"
	for _, f := range release {
		if !strings.HasPrefix(f.Path, prefix) {
			return ""
		}
	}
	for _, f := range git {
		if strings.HasPrefix(f.Path, prefix) {
			return ""
		}
	}
	return prefix
}

func added(p string) Finding {
	f := Finding{Path: p, Change: Added, Generated: looksGenerated(p)}
	switch {
	case f.Generated:
		f.Severity = High
		f.Reason = "a generated-looking build file that is not in git: it runs at build time and nobody reviewed it (how the xz-utils 5.6.1 backdoor was shipped)"
	case isBuildFile(p):
		f.Severity = High
		f.Reason = "a build file that is not in git"
	default:
		f.Severity = Medium
		f.Reason = "not in git"
	}
	return f
}

func changed(p string, g, f glassbox.File) Finding {
	c := Finding{Path: p, Change: Changed, Generated: looksGenerated(p), Severity: Medium}
	what := "its content differs from git"
	if g.Digest == f.Digest {
		what = "its mode differs from git (" + g.Mode + " in git, " + f.Mode + " in the release)"
	}
	c.Reason = what
	if c.Generated || isBuildFile(p) {
		c.Severity = High
		c.Reason = "a build file whose content differs from git"
		if g.Digest == f.Digest {
			c.Reason = "a build file whose " + what[4:]
		}
	}
	return c
}

func removed(p string) Finding {
	f := Finding{Path: p, Change: Removed, Severity: Medium, Reason: "in git but not in the release"}
	if isVCSMetadata(p) {
		f.Severity, f.Reason = Low, "version-control metadata, usually left out of release archives"
	}
	return f
}

// generatedNames are files that autotools, gettext and libtool generate,
// which release archives ship and git repositories usually do not.
var generatedNames = map[string]bool{
	"configure": true, "aclocal.m4": true, "Makefile.in": true, "GNUmakefile.in": true,
	"config.h.in": true, "config.guess": true, "config.sub": true, "config.rpath": true,
	"install-sh": true, "ltmain.sh": true, "libtool.m4": true, "missing": true, "compile": true,
	"depcomp": true, "test-driver": true, "ar-lib": true, "mkinstalldirs": true, "ylwrap": true,
	"py-compile": true, "texinfo.tex": true,
}

func looksGenerated(p string) bool {
	base := path.Base(p)
	switch {
	case generatedNames[base]:
		return true
	case strings.HasSuffix(base, ".m4"), strings.HasSuffix(base, ".in") && strings.HasPrefix(base, "Makefile"):
		return true
	}
	return false
}

// isBuildFile names files that decide how a release is built.
func isBuildFile(p string) bool {
	base := path.Base(p)
	switch {
	case base == "Makefile", base == "GNUmakefile", base == "CMakeLists.txt", base == "meson.build",
		base == "configure.ac", base == "configure.in", base == "Makefile.am", base == "build.gradle",
		base == "pom.xml", base == "setup.py", base == "package.json", base == "go.mod", base == "Cargo.toml",
		base == "build.rs", base == "Dockerfile":
		return true
	case strings.HasSuffix(base, ".cmake"), strings.HasSuffix(base, ".mk"), strings.HasSuffix(base, ".sh"):
		return true
	}
	return false
}

func isVCSMetadata(p string) bool {
	base := path.Base(p)
	return base == ".gitignore" || base == ".gitattributes" || base == ".gitmodules" || base == ".mailmap" ||
		strings.HasPrefix(p, ".github/") || strings.HasPrefix(p, ".gitlab-ci") || base == ".travis.yml"
}
