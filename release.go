package glassbox

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"time"
	"unicode"
	"unicode/utf8"
)

// ManifestType identifies version 1 of the release manifest format, which
// docs/release-manifest.md describes.
const ManifestType = "https://glassbox.dev/release-manifest/v1"

// File modes, written as git writes them: the file type and the executable
// bit are all that a release records, since owners and other permission bits
// differ between machines without meaning anything.
const (
	ModeRegular    = "100644"
	ModeExecutable = "100755"
	ModeSymlink    = "120000"
)

// Source kinds: how the source of a release reached the centre.
const (
	SourceDirectory = "directory"
	SourceArchive   = "archive"
	SourceGit       = "git"
)

// Product is something a vendor ships in releases.
type Product struct {
	Name     string    `json:"name"`
	Releases int       `json:"releases"`
	Latest   time.Time `json:"latest"` // when its newest release was submitted
}

// Release is one submitted version of a product. Its ID is the Digest of its
// manifest in canonical JSON, so the same content always has the same ID.
type Release struct {
	ID          Digest    `json:"id"`
	Manifest    Manifest  `json:"manifest"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Manifest lists everything a release consists of. Its canonical JSON form
// (RFC 8785) is stored as evidence and its digest is the release ID.
type Manifest struct {
	Type      string `json:"_type"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	Source    Source `json:"source"`
	Recipe    *File  `json:"recipe,omitempty"`    // the build recipe, if one was submitted
	Artifacts []File `json:"artifacts,omitempty"` // what the vendor ships, by file name
	SBOM      *File  `json:"sbom,omitempty"`      // the vendor's SBOM, if one was submitted
}

// Source is the source tree of a release and where it came from.
type Source struct {
	Kind    string     `json:"kind"`              // SourceDirectory, SourceArchive or SourceGit
	Commit  string     `json:"commit,omitempty"`  // the resolved git commit, for SourceGit
	Archive *File      `json:"archive,omitempty"` // the archive exactly as submitted, for SourceArchive
	Files   []File     `json:"files"`             // the tree, sorted by path
	Git     *GitOrigin `json:"git,omitempty"`     // the commit a directory or archive claims to come from
	// History is the git history of the commit (GitHistory, as JSON), when
	// the source came from git or names a git origin.
	History *File `json:"history,omitempty"`
}

// GitOrigin is the git commit that a directory or archive source claims to
// be made from, with that commit's tree, so that the two can be compared:
// the xz-utils backdoor of 2024 hid in a release archive that differed from
// its tag.
type GitOrigin struct {
	Ref    string `json:"ref"`    // the tag, branch or commit the vendor named
	Commit string `json:"commit"` // what it resolved to
	Files  []File `json:"files"`  // the commit's tree, sorted by path
}

// File is one file of a release: its path relative to the root of its part
// of the release, its size, mode and digest. For a symbolic link, Target is
// the link's text and Digest and Size describe that text.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Mode   string `json:"mode"`
	Digest Digest `json:"digest"`
	Target string `json:"target,omitempty"`
}

// Artifact is a file the vendor ships: a binary, a firmware image, a package.
type Artifact = File

// Recipe is the file that says how to rebuild a release's artefacts.
type Recipe = File

var (
	productRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*(/[A-Za-z0-9][A-Za-z0-9._+-]*)*$`)
	versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]*$`)
)

// ValidateProduct checks a product name: ASCII letters, digits and . _ + -,
// in segments separated by "/", at most 128 bytes.
func ValidateProduct(name string) error {
	if len(name) == 0 || len(name) > 128 || !productRE.MatchString(name) {
		return Errorf(EINVALID, "product name %q is not allowed: use 1 to 128 ASCII letters, digits and . _ + -, optionally in segments separated by /", name)
	}
	return nil
}

// ValidateVersion checks a version: ASCII letters, digits and . _ + ~ -,
// starting with a letter or digit, at most 128 bytes.
func ValidateVersion(v string) error {
	if len(v) == 0 || len(v) > 128 || !versionRE.MatchString(v) {
		return Errorf(EINVALID, "version %q is not allowed: use 1 to 128 ASCII letters, digits and . _ + ~ -, starting with a letter or digit", v)
	}
	return nil
}

// ValidatePath checks that p is a clean, relative, slash-separated UTF-8 path
// that stays inside its root: no "..", no absolute path, no drive letter, no
// backslash, no control characters. It is the rule every stored path obeys.
func ValidatePath(p string) error {
	switch {
	case p == "" || p == ".":
		return Errorf(EINVALID, "empty path")
	case !utf8.ValidString(p):
		return Errorf(EINVALID, "path %q is not valid UTF-8", p)
	case p[0] == '/':
		return Errorf(EINVALID, "path %q is absolute", p)
	case len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z'):
		return Errorf(EINVALID, "path %q starts with a drive letter", p)
	}
	for _, r := range p {
		switch {
		case r == '\\':
			return Errorf(EINVALID, "path %q contains a backslash, which Windows reads as a separator", p)
		case unicode.IsControl(r): // C0, DEL and C1: U+009B is a terminal's CSI
			return Errorf(EINVALID, "path %q contains a control character", p)
		}
	}
	for _, elem := range splitPath(p) {
		if elem == ".." {
			return Errorf(EINVALID, "path %q contains a .. element", p)
		}
	}
	if path.Clean(p) != p {
		return Errorf(EINVALID, "path %q is not clean (want %q)", p, path.Clean(p))
	}
	return nil
}

func splitPath(p string) []string {
	var elems []string
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != '/' {
			i++
		}
		elems = append(elems, p[:i])
		if i == len(p) {
			break
		}
		p = p[i+1:]
	}
	return elems
}

// ValidateLinkTarget checks the text of a symbolic link: valid UTF-8 (JSON
// cannot carry anything else unchanged) without control characters.
// Whether it stays inside its tree is for the tree to judge.
func ValidateLinkTarget(target string) error {
	switch {
	case target == "":
		return Errorf(EINVALID, "empty link target")
	case !utf8.ValidString(target):
		return Errorf(EINVALID, "link target %q is not valid UTF-8", target)
	}
	for _, r := range target {
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "link target %q contains a control character", target)
		}
	}
	return nil
}

// Validate checks f as an entry of a manifest.
func (f *File) Validate() error {
	if err := ValidatePath(f.Path); err != nil {
		return err
	}
	if err := f.Digest.Validate(); err != nil {
		return Errorf(EINVALID, "file %q: %w", f.Path, err)
	}
	if f.Size < 0 {
		return Errorf(EINVALID, "file %q has a negative size", f.Path)
	}
	switch f.Mode {
	case ModeRegular, ModeExecutable:
		if f.Target != "" {
			return Errorf(EINVALID, "file %q is not a symbolic link but has a target", f.Path)
		}
	case ModeSymlink:
		if err := ValidateLinkTarget(f.Target); err != nil {
			return Errorf(EINVALID, "symbolic link %q: %w", f.Path, err)
		}
		if int64(len(f.Target)) != f.Size || DigestOf([]byte(f.Target)) != f.Digest {
			return Errorf(EINVALID, "symbolic link %q: size and digest must describe its target", f.Path)
		}
	default:
		return Errorf(EINVALID, "file %q has mode %q; want %s, %s or %s", f.Path, f.Mode, ModeRegular, ModeExecutable, ModeSymlink)
	}
	return nil
}

// Validate checks that m is a well-formed manifest: known type, valid names,
// every file valid, file lists sorted and free of duplicates.
func (m *Manifest) Validate() error {
	if m.Type != ManifestType {
		return Errorf(EINVALID, "manifest type %q is not %q", m.Type, ManifestType)
	}
	if err := ValidateProduct(m.Product); err != nil {
		return err
	}
	if err := ValidateVersion(m.Version); err != nil {
		return err
	}
	switch m.Source.Kind {
	case SourceDirectory, SourceArchive, SourceGit:
	default:
		return Errorf(EINVALID, "source kind %q is not one of %s, %s, %s", m.Source.Kind, SourceDirectory, SourceArchive, SourceGit)
	}
	if (m.Source.Kind == SourceGit) != (m.Source.Commit != "") {
		return Errorf(EINVALID, "a git commit is recorded exactly when the source came from git")
	}
	if (m.Source.Kind == SourceArchive) != (m.Source.Archive != nil) {
		return Errorf(EINVALID, "the submitted archive is recorded exactly when the source came from an archive")
	}
	if err := validateFiles("source", m.Source.Files); err != nil {
		return err
	}
	if g := m.Source.Git; g != nil {
		if m.Source.Kind == SourceGit {
			return Errorf(EINVALID, "a git source cannot also claim a git origin")
		}
		if len(g.Commit) != 40 && len(g.Commit) != 64 || !isLowerHex(g.Commit) || g.Ref == "" {
			return Errorf(EINVALID, "the claimed git origin needs a ref and a commit id (40 or 64 lower-case hex digits)")
		}
		if err := validateFiles("git origin", g.Files); err != nil {
			return err
		}
	}
	if err := validateFiles("artifacts", m.Artifacts); err != nil {
		return err
	}
	if m.Source.History != nil && m.Source.Kind != SourceGit && m.Source.Git == nil {
		return Errorf(EINVALID, "a git history is recorded only for a source from git or one that names a git origin")
	}
	for _, f := range []*File{m.Source.Archive, m.Source.History, m.Recipe, m.SBOM} {
		if f != nil {
			if err := f.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateFiles(part string, files []File) error {
	for i := range files {
		if err := files[i].Validate(); err != nil {
			return Errorf(EINVALID, "%s: %w", part, err)
		}
		if i > 0 && files[i-1].Path >= files[i].Path {
			return Errorf(EINVALID, "%s: files are not sorted by path or %q appears twice", part, files[i].Path)
		}
	}
	return nil
}

// SortFiles sorts files by path, the order a manifest keeps them in.
func SortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}

// Blobs returns every distinct digest of stored content the manifest refers
// to. Symbolic links are not blobs: their targets live in the manifest.
func (m *Manifest) Blobs() []Digest {
	seen := map[Digest]bool{}
	var out []Digest
	add := func(f *File) {
		if f != nil && f.Mode != ModeSymlink && !seen[f.Digest] {
			seen[f.Digest] = true
			out = append(out, f.Digest)
		}
	}
	add(m.Source.Archive)
	for i := range m.Source.Files {
		add(&m.Source.Files[i])
	}
	if m.Source.Git != nil {
		for i := range m.Source.Git.Files {
			add(&m.Source.Git.Files[i])
		}
	}
	add(m.Source.History)
	add(m.Recipe)
	for i := range m.Artifacts {
		add(&m.Artifacts[i])
	}
	add(m.SBOM)
	return out
}

// SourceFile returns the source file at path, or nil if the release has
// none there.
func (m *Manifest) SourceFile(path string) *File {
	for i := range m.Source.Files {
		if m.Source.Files[i].Path == path {
			return &m.Source.Files[i]
		}
	}
	return nil
}

// String returns "product@version".
func (m *Manifest) String() string { return fmt.Sprintf("%s@%s", m.Product, m.Version) }
