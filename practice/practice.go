// Package practice decides, from the evidence the centre holds about a
// release, how the project behind it is run: its licence, security policy
// and documentation, its CI workflows, its git history and how it signs
// and documents releases. These are the OSPS Baseline's repository
// controls, decided the way OpenSSF Scorecard decides them for hosted
// repositories, but from the release's content-addressed source tree, the
// git history recorded at submission and what the vendor shipped, so that
// anyone holding the same evidence reaches the same result.
//
// Every check says where it looked and what it found (path and line). A
// check that cannot decide from the evidence says why and reports an
// error, which the assessment counts as not assessed, never as passed.
// docs/practices.md defines each check.
package practice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"glassbox.dev"
)

// ReportFormat is the version of Report's layout and of what the checks
// decide: raise it whenever a check changes, so that a stored report made
// by older checks is not reused.
const ReportFormat = 2

// Bounds on what the checks read: a text file's first maxText bytes, the
// first sniffLen bytes of every file for its type, at most maxDocs
// documents and maxDocText bytes of them together.
const (
	maxText    = 256 << 10
	sniffLen   = 8 << 10
	maxDocs    = 400
	maxDocText = 4 << 20
	// Configuration (CI files, manifests, licences): at most maxConfigs
	// files and maxConfigText bytes together.
	maxConfigs    = 200
	maxConfigText = 8 << 20
)

// Input is what the checks decide from.
type Input struct {
	Release *glassbox.Release
	// Open reads stored content by digest.
	Open func(ctx context.Context, d glassbox.Digest) (io.ReadCloser, error)
	// History is the git history recorded at submission; nil when the
	// release was not submitted from git, or when Unmatched says why it
	// is not this release's.
	History *glassbox.GitHistory
	// Unmatched, when set, is why the history recorded is not used: the
	// release's source differs from the commit it claims to come from.
	Unmatched string
	// Vulns is what the vulnerability match found; nil when it did not
	// run.
	Vulns *VulnFacts
}

// VulnFacts is what repo.vex-shipped needs of the vulnerability match.
type VulnFacts struct {
	// Report is the digest of the vulnerability report the facts come from.
	Report glassbox.Digest `json:"report"`
	// NotAffecting are the ids of the vulnerabilities matched in a
	// component but found not to affect the release.
	NotAffecting []string
}

// Report is every check's result.
type Report struct {
	Format  int    `json:"format"`
	Release string `json:"release"`
	History string `json:"history,omitempty"` // the history record's digest, when one was read
	// Vulns is the vulnerability report repo.vex-shipped decided from, if any.
	Vulns   string   `json:"vulns,omitempty"`
	Results []Result `json:"results"`
}

// Result is one check's outcome and where it looked.
type Result struct {
	Check   string               `json:"check"`
	Status  glassbox.CheckStatus `json:"status"`
	Summary string               `json:"summary"`
	// Where are the places that decided the result: the document and line
	// that satisfies it, or the files and commits that fail it.
	Where []Location `json:"where,omitempty"`
}

// Location is a place in the release: a file and line, or a commit.
type Location struct {
	Path   string `json:"path,omitempty"`
	Line   int    `json:"line,omitempty"`
	Commit string `json:"commit,omitempty"`
	Text   string `json:"text,omitempty"` // what was found there, bounded
}

// Result returns the result of check id.
func (r *Report) Result(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.Check == id {
			return res, true
		}
	}
	return Result{}, false
}

// file is a source file as the checks see it: its type, decided from its
// first sniffLen bytes when it was read, and the text of a document or
// configuration file. Only artefacts keep their first bytes.
type file struct {
	glassbox.File
	lower string // the path, lower-cased
	head  []byte // the first sniffLen bytes, for artefacts only
	// isText, exe and binKind are what the first bytes are: text, a
	// compiled executable or object (its kind), or binary (its kind);
	// media is a recognised image, sound, video, font or PDF.
	isText  bool
	exe     string
	binKind string
	media   bool
	text    string // the first maxText bytes, for documents and configuration
	// cut is true when the file is longer than the text read.
	cut  bool
	defs map[string]Location // its Markdown reference definitions, once read
}

// tree is the release's source, with the text of the files the checks read.
type tree struct {
	files     []*file
	artifacts []*file // what the release ships, with their first bytes
	// unread are the documents not read for the bounds: a check that
	// found nothing in the others cannot say it is not there.
	unread []string
	// unreadConfig are the configuration files not read for the bounds.
	unreadConfig []string
	byPath       map[string]*file
	prefix       string // a single top directory every file is under, stripped
	sbom         []byte // the vendor's SBOM's first maxText bytes
}

// Run decides every repository check for the release.
func Run(ctx context.Context, in Input) (*Report, error) {
	if in.Release == nil || in.Open == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "practice: a release and a way to read its content are needed")
	}
	t, err := load(ctx, in)
	if err != nil {
		return nil, err
	}
	c := &checker{in: in, t: t}
	rep := &Report{Format: ReportFormat, Release: string(in.Release.ID)}
	if h := in.Release.Manifest.Source.History; h != nil && in.History != nil {
		rep.History = string(h.Digest)
	}
	if in.Vulns != nil {
		rep.Vulns = string(in.Vulns.Report)
	}
	for _, chk := range checks {
		res := chk.run(c)
		res.Check = chk.id
		if res.Status == glassbox.CheckFail && chk.docs && len(t.unread) > 0 && chk.id != "repo.https-channels" {
			// Not found in what was read is not absent.
			res.Status = glassbox.CheckError
			res.Summary = fmt.Sprintf("not assessed: %s; but %d documents were not read, over the bound of %d documents and %d MiB, first %s", res.Summary, len(t.unread), maxDocs, maxDocText>>20, t.unread[0])
		}
		if len(res.Where) > maxWhere {
			res.Where = res.Where[:maxWhere]
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// maxWhere bounds the places a result lists.
const maxWhere = 20

// check is one repository check.
type check struct {
	id  string
	run func(*checker) Result
	// docs is true for a check that looks for something in the
	// project's documents.
	docs bool
}

// checker holds what the checks share.
type checker struct {
	in  Input
	t   *tree
	wfs *[]workflow // the workflows, parsed once
}

// load reads the first bytes of every regular source file, and the text of
// those a check may read as a document or configuration.
func load(ctx context.Context, in Input) (*tree, error) {
	src := in.Release.Manifest.Source.Files
	t := &tree{byPath: map[string]*file{}, prefix: topDir(src)}
	docs, docText := 0, int64(0)
	configs, configText := 0, int64(0)
	for _, f := range src {
		if f.Mode == glassbox.ModeSymlink {
			continue
		}
		p := strings.TrimPrefix(f.Path, t.prefix)
		ff := &file{File: f, lower: strings.ToLower(p)}
		ff.Path = p
		config := isConfig(ff.lower)
		doc := isDoc(ff.lower) && !config
		wantText := doc && docs < maxDocs && docText+min(f.Size, maxText) <= maxDocText ||
			config && configs < maxConfigs && configText+min(f.Size, maxText) <= maxConfigText
		if config {
			configs++
			if wantText {
				configText += min(f.Size, maxText)
			} else {
				t.unreadConfig = append(t.unreadConfig, p)
			}
		}
		if doc {
			docs++
			if wantText {
				docText += min(f.Size, maxText)
			} else {
				t.unread = append(t.unread, p)
			}
		}
		n := int64(sniffLen)
		if wantText {
			n = maxText
		}
		b, err := readHead(ctx, in.Open, f.Digest, n)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ErrorCode(err), "practice: read %s: %v", f.Path, err)
		}
		head := b[:min(len(b), sniffLen)]
		ff.isText = isText(head, f.Size > int64(len(head)))
		ff.exe = executableKind(ff.lower, head)
		ff.media = isMedia(ff.lower, head)
		if !ff.isText {
			ff.binKind = binaryKind(ff.lower, head)
		}
		if wantText && ff.isText {
			ff.text = strings.ToValidUTF8(string(b), "\uFFFD")
			ff.cut = f.Size > int64(len(b))
		}
		t.files = append(t.files, ff)
		t.byPath[ff.lower] = ff
	}
	for _, a := range in.Release.Manifest.Artifacts {
		if a.Mode == glassbox.ModeSymlink {
			continue
		}
		b, err := readHead(ctx, in.Open, a.Digest, sniffLen)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ErrorCode(err), "practice: read artefact %s: %v", a.Path, err)
		}
		t.artifacts = append(t.artifacts, &file{File: a, lower: strings.ToLower(a.Path), head: b,
			isText: isText(b, a.Size > int64(len(b))), exe: executableKind(strings.ToLower(a.Path), b)})
	}
	if s := in.Release.Manifest.SBOM; s != nil {
		b, err := readHead(ctx, in.Open, s.Digest, maxText)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ErrorCode(err), "practice: read the SBOM %s: %v", s.Path, err)
		}
		t.sbom = b
	}
	return t, nil
}

func readHead(ctx context.Context, open func(context.Context, glassbox.Digest) (io.ReadCloser, error), d glassbox.Digest, n int64) ([]byte, error) {
	rc, err := open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, n))
}

// topDir returns "name/" when every file is under one top directory (an
// archive's), so that root documents are found under it.
func topDir(files []glassbox.File) string {
	if len(files) == 0 {
		return ""
	}
	first, _, ok := strings.Cut(files[0].Path, "/")
	if !ok || strings.HasPrefix(first, ".") {
		return "" // .github/ and the like are the project's own
	}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, first+"/") {
			return ""
		}
	}
	return first + "/"
}

// docExts are the extensions of documentation files.
var docExts = []string{"", ".md", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc", ".org"}

// isDoc reports whether a lower-cased path is a project document: a file
// at the root, in .github/, docs/ or doc/ (one level down), with a
// documentation extension, or CODEOWNERS.
func isDoc(p string) bool {
	dir, name := path.Split(p)
	switch dir {
	case "", ".github/", "docs/", "doc/", ".well-known/", ".github/issue_template/":
	default:
		if !strings.HasPrefix(dir, "docs/") && !strings.HasPrefix(dir, "doc/") || strings.Count(dir, "/") > 2 {
			return false
		}
	}
	return slices.Contains(docExts, path.Ext(name)) || strings.HasSuffix(name, ".yml") && dir == ".github/issue_template/"
}

// isConfig reports whether a lower-cased path is configuration a check
// reads: CI workflows and other CI systems' files, package manifests,
// dependency-update tool settings.
func isConfig(p string) bool {
	if strings.HasPrefix(p, ".github/workflows/") && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) && strings.Count(p, "/") == 2 {
		return true
	}
	if ciSystem(p) != "" || strings.HasPrefix(p, "licenses/") || strings.HasPrefix(p, "license/") || strings.HasPrefix(p, "licences/") {
		return true
	}
	if !strings.Contains(p, "/") && (strings.HasPrefix(p, "license") || strings.HasPrefix(p, "licence") || strings.HasPrefix(p, "copying") || strings.HasPrefix(p, "unlicense")) {
		return true
	}
	switch p {
	case "go.mod", "package.json", "cargo.toml", "pyproject.toml", "setup.py", "setup.cfg",
		".github/dependabot.yml", ".github/dependabot.yaml", "renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".github/renovate.json":
		return true
	}
	return false
}

// isText reports whether b, a file's first bytes, looks like text: no NUL
// byte and valid UTF-8 (a multi-byte rune cut at the end, when the file is
// longer, does not count).
func isText(b []byte, more bool) bool {
	h := b[:min(len(b), sniffLen)]
	if bytes.IndexByte(h, 0) >= 0 {
		return false
	}
	if more || len(b) > sniffLen {
		for i := 0; i < 3 && len(h) > 0 && !utf8.Valid(h); i++ {
			h = h[:len(h)-1]
		}
	}
	return utf8.Valid(h)
}

func (c *checker) pass(format string, a ...any) Result {
	return Result{Status: glassbox.CheckPass, Summary: fmt.Sprintf(format, a...)}
}

func (c *checker) fail(format string, a ...any) Result {
	return Result{Status: glassbox.CheckFail, Summary: fmt.Sprintf(format, a...)}
}

func (c *checker) notAssessed(format string, a ...any) Result {
	return Result{Status: glassbox.CheckError, Summary: "not assessed: " + fmt.Sprintf(format, a...)}
}

func (c *checker) notApplicable(format string, a ...any) Result {
	return Result{Status: glassbox.CheckNotApplicable, Summary: fmt.Sprintf(format, a...)}
}

// at returns r with the places it names.
func (r Result) at(where ...Location) Result {
	r.Where = append(r.Where, where...)
	return r
}
