package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"glassbox.dev"
)

// Confidential downloads other than single source files: the release's
// source archive, a shipped artefact, and the documents the centre's jobs
// keep about a release (findings, SBOM, vulnerability report, rebuild and
// provenance reports, the evaluation's report and OSCAL results). Each is
// put on the access record before its first byte is served, as a source
// file is.

// EvidenceKinds are the documents GET …/evidence/{kind} serves, with the
// kind of read the access record files each under and its media type.
var EvidenceKinds = map[string]struct{ Read, MediaType string }{
	"scan/sarif":          {"finding", "application/sarif+json"},
	"scan/result":         {"finding", "application/json"},
	"exercise/report":     {"finding", "application/json"},
	"exercise/sarif":      {"finding", "application/sarif+json"},
	"sbom/cyclonedx":      {"sbom", "application/vnd.cyclonedx+json"},
	"sbom/comparison":     {"sbom", "application/json"},
	"vulns/report":        {"report", "application/json"},
	"vulns/cyclonedx-vex": {"report", "application/vnd.cyclonedx+json"},
	"vulns/sarif":         {"report", "application/sarif+json"},
	"rebuild/report":      {"report", "application/json"},
	"provenance/report":   {"diff", "application/json"},
	"practice/report":     {"report", "application/json"},
	"hardening/report":    {"report", "application/json"},
	"evaluation/report":   {"report", "text/html; charset=utf-8"},
	"evaluation/oscal":    {"report", "application/json"},
}

// AccessEntries lists the recorded reads of rel, each with its proof.
func (b *Backend) AccessEntries(ctx context.Context, rel *glassbox.Release) ([]AccessEntry, error) {
	if b.Access == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no access record")
	}
	return b.Access.List(ctx, rel)
}

// ReadRecorded opens one stored file of rel for p to read under grant,
// once the read is on the access record: a read that cannot be recorded
// is refused (EUNAVAILABLE). kind is what is read (source-file, archive,
// artifact, finding, …).
func (b *Backend) ReadRecorded(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, kind string, file glassbox.File) (io.ReadCloser, error) {
	if b.Access == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no access record, so it serves no confidential content")
	}
	// Open before recording, so a read that cannot be served is not
	// recorded as made; record before the first byte leaves.
	rc, err := b.Blobs.Open(ctx, file.Digest)
	if err != nil {
		return nil, err
	}
	if err := b.RecordRead(ctx, p, grant, rel, kind, file); err != nil {
		rc.Close()
		return nil, err
	}
	return rc, nil
}

// RecordRead puts p's read of content of rel (kind: source-file, diff, …;
// each file names what is served and its digest) on the access record. A
// read that cannot be recorded must be refused: the error says so.
func (b *Backend) RecordRead(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, kind string, files ...glassbox.File) error {
	if b.Access == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no access record, so it serves no confidential content")
	}
	if err := b.Access.Record(ctx, p, grant, rel, kind, files); err != nil {
		if glassbox.ErrorCode(err) == glassbox.EINTERNAL {
			err = glassbox.Errorf(glassbox.EUNAVAILABLE, "the read could not be put on the record, so it is refused; retry later: %w", err)
		}
		return err
	}
	return nil
}

// Read is one read to put on the access record: its kind and what it
// serves.
type Read struct {
	Kind  string
	Files []glassbox.File
}

// RecordReads puts several reads of rel by p on the access record at once,
// each its own statement: the log integrates them together, so a page
// that shows two kinds of content waits for the log once, not twice. Any
// read not recorded refuses them all.
func (b *Backend) RecordReads(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, reads ...Read) error {
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, rd := range reads {
		wg.Go(func() { errs[i] = b.RecordRead(ctx, p, grant, rel, rd.Kind, rd.Files...) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// serveRecorded serves one stored file of rel, after recording the read.
func (a *API) serveRecorded(w http.ResponseWriter, r *http.Request, grant string, rel *glassbox.Release, kind string, file glassbox.File, mediaType string) error {
	rc, err := a.b.ReadRecorded(r.Context(), PrincipalFrom(r.Context()), grant, rel, kind, file)
	if err != nil {
		return err
	}
	defer rc.Close()
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", mediaType)
	if file.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(file.Size, 10))
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(file.Path)+`"`)
	w.Header().Set("Digest", "sha-256="+string(file.Digest))
	if _, err := io.Copy(w, rc); err != nil {
		// The response has started: it can no longer be an error; the
		// client sees a body shorter than Content-Length.
		slog.Warn("download cut short", "release", rel.ID, "file", file.Path, "err", err)
	}
	return nil
}

// readArchive serves the source archive exactly as the vendor submitted it.
func (a *API) readArchive(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	if rel.Manifest.Source.Archive == nil {
		return glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s was submitted as a %s, not an archive; read its files one by one", rel.Manifest.Product, rel.Manifest.Version, rel.Manifest.Source.Kind)
	}
	return a.serveRecorded(w, r, grant, rel, "archive", *rel.Manifest.Source.Archive, "")
}

// readArtifact serves a shipped artefact by its file name.
func (a *API) readArtifact(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	for _, f := range rel.Manifest.Artifacts {
		if f.Path == name {
			return a.serveRecorded(w, r, grant, rel, "artifact", f, "")
		}
	}
	return glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s ships no artefact %q", rel.Manifest.Product, rel.Manifest.Version, name)
}

// readEvidence serves the newest document of a kind the centre keeps about
// the release.
func (a *API) readEvidence(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	kind := r.PathValue("kind")
	k, ok := EvidenceKinds[kind]
	if !ok {
		var known []string
		for n := range EvidenceKinds {
			known = append(known, n)
		}
		return glassbox.Errorf(glassbox.EINVALID, "evidence kind %q: want one of %s", kind, strings.Join(sortedStrings(known), ", "))
	}
	if a.b.Evidence == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre serves no evidence documents")
	}
	d, err := a.b.Evidence(r.Context(), rel, kind)
	if err != nil {
		return err
	}
	size, err := a.b.Blobs.Stat(r.Context(), d)
	if err != nil {
		return err
	}
	name := strings.ReplaceAll(kind, "/", "-")
	return a.serveRecorded(w, r, grant, rel, k.Read, glassbox.File{Path: name, Size: size, Digest: d}, k.MediaType)
}

func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}
