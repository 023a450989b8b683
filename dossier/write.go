package dossier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"glassbox.dev"
)

// WriteOptions say how a dossier directory is written.
type WriteOptions struct {
	// Force replaces a directory that exists and is not empty.
	Force bool
	// NoPDF writes the HTML and JSON without the PDF.
	NoPDF bool
	// Chromium is the browser that prints the PDF; empty to look for one.
	Chromium string
	// Progress, if set, is told as each part is written.
	Progress func(step string)
}

// File is one file of a written dossier.
type File struct {
	Name   string          `json:"name"` // relative to the directory, slash-separated
	Digest glassbox.Digest `json:"digest"`
	Size   int64           `json:"size"`
}

// Result is a written dossier.
type Result struct {
	Dir   string `json:"dir"`
	Files []File `json:"files"`
}

// Write writes the technical file into dir: technical-file.html, .pdf and
// .json, a copy of every document it refers to under evidence/, and
// SHA256SUMS listing every other file. It builds the whole directory
// beside dir and renames it into place, so dir is never left half
// written. A dir that exists and is not empty is refused unless o.Force.
//
// Without a Chromium (and without o.NoPDF) the directory is written
// without the PDF and the error says the PDF needs Chromium.
func Write(ctx context.Context, src Sources, tf *TechnicalFile, dir string, o WriteOptions) (*Result, error) {
	progress := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	dir = filepath.Clean(dir)
	existing, err := checkTarget(dir, o.Force)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "a directory beside %s: %w", dir, err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}

	progress(fmt.Sprintf("copying %d evidence documents", len(tf.Evidence)))
	if err := copyEvidence(ctx, src.Blobs, tf, tmp); err != nil {
		return nil, err
	}
	progress("rendering " + HTMLFile)
	page, err := HTML(tf)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(tmp, HTMLFile), page); err != nil {
		return nil, err
	}
	doc, err := JSON(tf)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(tmp, JSONFile), doc); err != nil {
		return nil, err
	}
	var pdfErr error
	if !o.NoPDF {
		progress("printing " + PDFFile + " with Chromium")
		pdf, err := PDF(ctx, o.Chromium, filepath.Join(tmp, HTMLFile), FooterOf(tf))
		switch {
		case errors.Is(err, ErrNoChromium):
			pdfErr = err // the rest is written; the error says what is missing
		case err != nil:
			return nil, err
		default:
			if err := writeFile(filepath.Join(tmp, PDFFile), pdf); err != nil {
				return nil, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files, err := sums(tmp)
	if err != nil {
		return nil, err
	}
	if err := commit(tmp, dir, existing); err != nil {
		return nil, err
	}
	committed = true
	return &Result{Dir: dir, Files: files}, pdfErr
}

// FooterOf is the footer of the technical file's pages: the release id and
// the first verdict receipt.
func FooterOf(tf *TechnicalFile) Footer {
	f := Footer{Release: tf.Release.ID}
	if len(tf.Receipts) > 0 {
		f.Receipt = tf.Receipts[0].Ref()
		if n := len(tf.Receipts); n > 1 {
			f.Receipt += fmt.Sprintf(" and %d more", n-1)
		}
	}
	return f
}

// checkTarget refuses a dir that exists and is not empty, unless force;
// it reports whether dir exists.
func checkTarget(dir string, force bool) (exists bool, err error) {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", dir, err)
	case !fi.IsDir():
		return false, glassbox.Errorf(glassbox.ECONFLICT, "%s exists and is not a directory; choose another --out", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", dir, err)
	}
	if len(entries) > 0 && !force {
		return false, glassbox.Errorf(glassbox.ECONFLICT, "%s exists and is not empty; choose another --out, or give --force to replace it", dir)
	}
	return true, nil
}

// commit renames the finished directory into place. An existing dir is
// first moved aside, then removed, so that either it or the new one is
// always whole at dir.
func commit(tmp, dir string, existing bool) error {
	if !existing {
		if err := os.Rename(tmp, dir); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "move the technical file into %s: %w", dir, err)
		}
		return syncDir(filepath.Dir(dir))
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "move %s aside: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return glassbox.Errorf(glassbox.EINTERNAL, "move the technical file into %s: %w", dir, err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func writeFile(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", p, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return glassbox.Errorf(glassbox.EINTERNAL, "write %s: %w", p, err)
	}
	return f.Close()
}

// extensions name a copied document's format by its kind.
var extensions = []struct{ kind, ext string }{
	{"release/manifest", ".json"},
	{"release/sbom", ".json"},
	{"release/recipe", ".txt"},
	{"release/archive", ".archive"},
	{"rebuild/log", ".log"},
	{"evaluation/report-html", ".html"},
	{"evaluation/vsa-receipt", ".receipt.json"},
	{"attestation/", ".dsse.json"},
	{"/sarif", ".sarif"},
	{"/cyclonedx-vex", ".cdx.json"},
	{"/cyclonedx", ".cdx.json"},
}

func extension(kind string) string {
	for _, e := range extensions {
		if kind == e.kind || (strings.HasSuffix(e.kind, "/") && strings.HasPrefix(kind, e.kind)) ||
			(strings.HasPrefix(e.kind, "/") && strings.HasSuffix(kind, e.kind)) {
			return e.ext
		}
	}
	// The reports, records, ICS and assessment results are JSON.
	return ".json"
}

// copyEvidence copies every document the file refers to into
// tmp/evidence, checked against its digest as the store reads it, and
// names the copy in the reference.
func copyEvidence(ctx context.Context, blobs glassbox.BlobStore, tf *TechnicalFile, tmp string) error {
	if err := os.Mkdir(filepath.Join(tmp, EvidenceDir), 0o755); err != nil {
		return err
	}
	for _, r := range tf.Evidence {
		name := EvidenceDir + "/" + r.Digest.Hex() + extension(r.Kind)
		if err := copyBlob(ctx, blobs, r.Digest, filepath.Join(tmp, filepath.FromSlash(name))); err != nil {
			return err
		}
		r.File = name
	}
	return nil
}

func copyBlob(ctx context.Context, blobs glassbox.BlobStore, d glassbox.Digest, p string) error {
	rc, err := blobs.Open(ctx, d)
	if err != nil {
		return fmt.Errorf("copy the evidence %s: %w", d, err)
	}
	defer rc.Close()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), rc); err != nil {
		f.Close()
		return fmt.Errorf("copy the evidence %s: %w", d, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d.Hex() {
		return glassbox.Errorf(glassbox.ECORRUPT, "the evidence %s read back as sha256:%s", d, got)
	}
	return nil
}

// sums writes SHA256SUMS (sha256sum's format, every other file of the
// directory, by path) and returns the files with their digests,
// SHA256SUMS last.
func sums(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f, err := digestFile(p)
		if err != nil {
			return err
		}
		f.Name = filepath.ToSlash(rel)
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", f.Digest.Hex(), f.Name)
	}
	p := filepath.Join(dir, SumsFile)
	if err := writeFile(p, []byte(b.String())); err != nil {
		return nil, err
	}
	f, err := digestFile(p)
	if err != nil {
		return nil, err
	}
	f.Name = SumsFile
	return append(files, f), nil
}

func digestFile(p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Digest: glassbox.Digest(glassbox.DigestPrefix + hex.EncodeToString(h.Sum(nil))), Size: n}, nil
}
