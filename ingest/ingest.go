// Package ingest turns what a vendor submits — a source directory, archive or
// git commit, a build recipe, shipped artefacts and an SBOM — into a release
// manifest and the content-addressed blobs it names.
//
// Every defence against hostile input lives here: nothing a submission holds
// can escape the store, overwrite evidence or exhaust the machine, and a
// refused submission leaves no trace.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
)

// Request is one submission.
type Request struct {
	Product string
	Version string

	// Exactly one source: a directory, an archive file, or a git
	// repository (a local path or a URL git can clone) and a ref in it.
	SourceDir     string
	SourceArchive string
	GitRepo       string
	GitRef        string

	Recipe    string   // optional path of the build recipe
	Artifacts []string // paths of the shipped artefacts
	SBOM      string   // optional path of a CycloneDX or SPDX JSON SBOM

	Limits Limits

	// Consume says the named files (source archive, artefacts) are the
	// caller's to give up, as the uploads a server has claimed are: a
	// store that can adopt a file (see Adopter) moves it in instead of
	// copying it, and the file is gone afterwards whatever the outcome.
	Consume bool

	// Exclude names directories a source directory may contain that are not
	// source: the data directory itself, when a vendor submits ".".
	Exclude []string
}

// Result is what a submission did.
type Result struct {
	Release    *glassbox.Release
	Created    bool     // false if the same release was already stored
	BlobsAdded int      // blobs the store did not hold before
	Skipped    []string // source paths left out, as version-control metadata
}

// Adopter is a store that stages a file by moving it in (evidence.FS);
// a file it cannot move (another filesystem) is copied instead.
type Adopter interface {
	Adopt(ctx context.Context, path string) (glassbox.StagedBlob, error)
}

// Stager is the part of the evidence store that ingestion needs: staging,
// committing, and a private scratch directory inside the data directory.
type Stager interface {
	glassbox.BlobStore
	TempDir() (string, error)
}

// Ingester submits releases into a blob store and a release store.
type Ingester struct {
	Blobs    Stager
	Releases glassbox.ReleaseStore
	Progress *Progress // optional; counts files and bytes as they are read
}

// Submit reads, checks and stores a release. It stages every blob first and
// commits only when the whole submission has been accepted: on any error,
// nothing is left in the store.
func (in *Ingester) Submit(ctx context.Context, req Request) (res *Result, err error) {
	if err := glassbox.ValidateProduct(req.Product); err != nil {
		return nil, err
	}
	if err := glassbox.ValidateVersion(req.Version); err != nil {
		return nil, err
	}
	if req.Limits == (Limits{}) {
		req.Limits = DefaultLimits()
	}
	s := &submission{ctx: ctx, in: in, budget: &budget{limits: req.Limits}, consume: req.Consume}
	defer func() {
		if err != nil || res == nil || !res.Created {
			s.discard()
		}
	}()

	m := glassbox.Manifest{Type: glassbox.ManifestType, Product: req.Product, Version: req.Version}
	res = &Result{}
	if m.Source, res.Skipped, err = s.source(req); err != nil {
		return nil, err
	}
	if req.Recipe != "" {
		if m.Recipe, err = s.file("recipe", req.Recipe, nil); err != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	for _, a := range req.Artifacts {
		f, err := s.file("artifact", a, nil)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[f.Path]; ok {
			return nil, glassbox.Errorf(glassbox.EINVALID, "artifacts %s and %s have the same file name %q; a release names its artefacts by file name", prev, a, f.Path)
		}
		seen[f.Path] = a
		m.Artifacts = append(m.Artifacts, *f)
	}
	glassbox.SortFiles(m.Artifacts)
	if req.SBOM != "" {
		if m.SBOM, err = s.file("SBOM", req.SBOM, checkSBOM); err != nil {
			return nil, err
		}
	}
	if err := m.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "ingest built an invalid manifest: %w", err)
	}
	canonical, err := jcs.Marshal(m)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "ingest: %w", err)
	}
	rel := &glassbox.Release{ID: glassbox.DigestOf(canonical), Manifest: m}
	res.Release = rel

	if existing, err := in.Releases.FindRelease(ctx, rel.ID); err == nil {
		res.Release = existing
		return res, nil // the same content again: nothing new to store
	} else if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		return nil, err
	}
	if err := s.versionIsFree(rel); err != nil {
		return nil, err
	}
	mb, err := in.Blobs.Stage(ctx, bytes.NewReader(canonical))
	if err != nil {
		return nil, err
	}
	s.staged = append(s.staged, mb)
	if mb.Digest() != rel.ID {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the store hashed the manifest to %s, not %s", mb.Digest(), rel.ID)
	}
	// Blobs first, then the row that makes them a release: a crash in
	// between leaves complete blobs that belong to nothing, never a release
	// that names a missing blob.
	if res.BlobsAdded, err = in.Blobs.Commit(ctx, s.staged...); err != nil {
		return nil, err
	}
	created, err := in.Releases.CreateRelease(ctx, rel)
	if err != nil {
		return nil, err
	}
	res.Created = true
	if !created {
		// Someone stored the same release between our lookup and now.
		res.Created = false
		if rel, err = in.Releases.FindRelease(ctx, rel.ID); err != nil {
			return nil, err
		}
		res.Release = rel
	}
	return res, nil
}

// submission is the state of one Submit call.
type submission struct {
	ctx    context.Context
	in     *Ingester
	budget *budget
	staged []glassbox.StagedBlob
	// consume: the request gives its files up (Request.Consume).
	consume bool
}

func (s *submission) discard() {
	for _, b := range s.staged {
		b.Discard()
	}
}

func (s *submission) versionIsFree(rel *glassbox.Release) error {
	others, err := s.in.Releases.FindReleases(s.ctx, glassbox.ReleaseFilter{Product: rel.Manifest.Product, Version: rel.Manifest.Version, Limit: 1})
	if err != nil {
		return err
	}
	if len(others) > 0 && others[0].ID != rel.ID {
		return glassbox.Errorf(glassbox.ECONFLICT, "product %q version %q is already release %s; a version's content cannot change — submit the new content under a new version",
			rel.Manifest.Product, rel.Manifest.Version, others[0].ID)
	}
	return nil
}

func (s *submission) source(req Request) (glassbox.Source, []string, error) {
	switch {
	case req.SourceDir == "" && req.SourceArchive == "" && req.GitRepo == "":
		return glassbox.Source{}, nil, glassbox.Errorf(glassbox.EINVALID, "give a source: a directory, an archive, or a git repository and ref")
	case req.SourceDir != "" && req.SourceArchive != "":
		return glassbox.Source{}, nil, glassbox.Errorf(glassbox.EINVALID, "give one source tree: a directory or an archive, not both")
	case (req.GitRepo != "") != (req.GitRef != ""):
		return glassbox.Source{}, nil, glassbox.Errorf(glassbox.EINVALID, "a git source needs both a repository and a ref (tag, branch or commit)")
	}
	stage := func(r io.Reader) (glassbox.StagedBlob, error) { return s.in.Blobs.Stage(s.ctx, r) }
	var src glassbox.Source
	var skipped []string
	var t *tree
	var err error
	switch {
	case req.SourceDir != "":
		root, rerr := filepath.EvalSymlinks(req.SourceDir)
		if fi, serr := os.Stat(root); rerr != nil || serr != nil || !fi.IsDir() {
			return src, nil, glassbox.Errorf(glassbox.EINVALID, "source directory %s does not exist or is not a directory", req.SourceDir)
		}
		t = newTree(s.ctx, "source directory "+req.SourceDir, s.budget, stage, s.in.Progress)
		src.Kind = glassbox.SourceDirectory
		skipped, err = readDir(t, root, req.Exclude)
	case req.SourceArchive != "":
		src.Kind = glassbox.SourceArchive
		// The archive itself is evidence: the provenance check compares it
		// with the tagged source, as the xz-utils backdoor taught.
		// Opened first: a consumed archive is moved by s.file, and read
		// here where it went.
		f, ferr := os.Open(req.SourceArchive)
		if ferr != nil {
			return src, nil, glassbox.Errorf(glassbox.EINVALID, "source archive %s: %w", req.SourceArchive, ferr)
		}
		defer f.Close()
		if src.Archive, err = s.file("source archive", req.SourceArchive, nil); err != nil {
			return src, nil, err
		}
		fi, ferr := f.Stat()
		if ferr != nil || fi.Size() != src.Archive.Size {
			return src, nil, glassbox.Errorf(glassbox.EINVALID, "source archive %s changed while it was being read", req.SourceArchive)
		}
		t = newTree(s.ctx, "source archive "+filepath.Base(req.SourceArchive), s.budget, stage, s.in.Progress)
		err = readArchive(t, f, fi.Size())
		if err == nil {
			// The archive was read twice, to store it and to extract it:
			// both reads must have seen the same bytes.
			if d, herr := digestFile(f); herr != nil || d != src.Archive.Digest {
				err = glassbox.Errorf(glassbox.EINVALID, "source archive %s changed while it was being read", req.SourceArchive)
			}
		}
	default:
		src.Kind = glassbox.SourceGit
		src.Commit, src.Files, src.History, err = s.gitTree(req)
		if err != nil {
			return src, nil, err
		}
	}
	if t != nil {
		s.staged = append(s.staged, t.staged...)
		if err != nil {
			return src, nil, err
		}
		if src.Files, err = t.files(); err != nil {
			return src, nil, err
		}
		if req.GitRepo != "" {
			// A directory or archive that names a git ref claims to be made
			// from it; record that commit's tree to check the claim.
			g := &glassbox.GitOrigin{Ref: req.GitRef}
			if g.Commit, g.Files, src.History, err = s.gitTree(req); err != nil {
				return src, nil, err
			}
			src.Git = g
		}
	}
	if len(src.Files) == 0 {
		return src, nil, glassbox.Errorf(glassbox.EINVALID, "the source holds no files")
	}
	return src, skipped, nil
}

// gitTree reads the tree of the commit req's git ref resolves to, and
// records the commit's history as a blob.
func (s *submission) gitTree(req Request) (string, []glassbox.File, *glassbox.File, error) {
	area, err := s.in.Blobs.TempDir()
	if err != nil {
		return "", nil, nil, err
	}
	// A directory of this submission's own: submissions in one process (a
	// server) must not clone into the same place.
	tmp, err := os.MkdirTemp(area, "git-")
	if err != nil {
		return "", nil, nil, glassbox.Errorf(glassbox.EINTERNAL, "ingest: %w", err)
	}
	defer os.RemoveAll(tmp)
	stage := func(r io.Reader) (glassbox.StagedBlob, error) { return s.in.Blobs.Stage(s.ctx, r) }
	t := newTree(s.ctx, fmt.Sprintf("git source %s at %s", req.GitRepo, req.GitRef), s.budget, stage, s.in.Progress)
	commit, gitDir, err := readGit(s.ctx, t, req.GitRepo, req.GitRef, tmp)
	s.staged = append(s.staged, t.staged...)
	if err != nil {
		return "", nil, nil, err
	}
	files, err := t.files()
	if err != nil {
		return "", nil, nil, err
	}
	h, err := readHistory(s.ctx, gitDir, commit)
	if err != nil {
		return "", nil, nil, err
	}
	doc, err := json.Marshal(h)
	if err != nil {
		return "", nil, nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the history of %s: %w", commit, err)
	}
	b, err := s.in.Blobs.Stage(s.ctx, bytes.NewReader(doc))
	if err != nil {
		return "", nil, nil, err
	}
	s.staged = append(s.staged, b)
	return commit, files, &glassbox.File{Path: "git-history.json", Size: b.Size(), Mode: glassbox.ModeRegular, Digest: b.Digest()}, nil
}

// file stages one submitted file (recipe, artefact, SBOM, source archive),
// named in the manifest by its base name. check, if given, vets the content.
func (s *submission) file(what, path string, check func([]byte) error) (*glassbox.File, error) {
	name := filepath.Base(path)
	if err := glassbox.ValidatePath(name); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s: %v", what, path, err)
	}
	// Following a link is right here: the vendor names these files on the
	// command line. O_NONBLOCK and the regular-file check keep FIFOs and
	// devices out.
	f, fi, err := openRegular(path, 0)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s: %v", what, path, err)
	}
	defer f.Close()
	if err := s.budget.check(fi.Size()); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s: %v", what, path, err)
	}
	var r io.Reader = f
	if check != nil {
		data, err := io.ReadAll(io.LimitReader(f, fi.Size()+1))
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s: %v", what, path, err)
		}
		if err := check(data); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s: %v", what, path, err)
		}
		r = bytes.NewReader(data)
	}
	b, err := s.adopt(path, fi.Size(), check == nil)
	if b == nil && err == nil {
		br := &budgetReader{r: r, b: s.budget, progress: s.in.Progress}
		if b, err = s.in.Blobs.Stage(s.ctx, br); err != nil && (br.limitErr != nil || br.srcErr != nil) {
			err = glassbox.Errorf(glassbox.EINVALID, "%s %s: %w", what, path, errors.Join(br.limitErr, br.srcErr))
		}
	}
	if err != nil {
		return nil, err
	}
	s.staged = append(s.staged, b)
	s.in.Progress.addFile()
	if b.Size() != fi.Size() {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s %s changed size while it was being read", what, path)
	}
	mode := glassbox.ModeRegular
	if fi.Mode()&0o111 != 0 {
		mode = glassbox.ModeExecutable
	}
	return &glassbox.File{Path: name, Size: b.Size(), Mode: mode, Digest: b.Digest()}, nil
}

// adopt stages the file at path of size by moving it into the store, when
// the request gives its files up and the store can; otherwise it returns
// nil and no error, and the caller copies the file.
func (s *submission) adopt(path string, size int64, may bool) (glassbox.StagedBlob, error) {
	a, ok := s.in.Blobs.(Adopter)
	if !may || !s.consume || !ok {
		return nil, nil
	}
	b, err := a.Adopt(s.ctx, path)
	if errors.Is(err, syscall.EXDEV) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.budget.take(b.Size()); err != nil {
		b.Discard()
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", path, err)
	}
	s.in.Progress.addBytes(b.Size())
	return b, nil
}

func checkSBOM(data []byte) error {
	_, err := sbomFormat(data)
	return err
}

// digestFile hashes a whole open file from its start.
func digestFile(f *os.File) (glassbox.Digest, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return "", err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum), nil
}
