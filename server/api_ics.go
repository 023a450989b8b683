package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// The vendor's implementation conformance statement (ICS) of a release:
// PUT by the vendor that owns the product (or an administrator), read as
// the release's other evidence is, on the access record.

// ICSStored is the answer to PUT /api/v1/releases/{release}/ics: the
// statement as the centre keeps it.
type ICSStored struct {
	Release  glassbox.Digest `json:"release"`
	Standard string          `json:"standard"`
	// Digest names the statement's canonical JSON, as stored; GET …/ics
	// serves exactly those bytes.
	Digest   glassbox.Digest `json:"digest"`
	Kind     string          `json:"kind"`     // standard.KindICS
	Answered int             `json:"answered"` // provisions answered
	Of       int             `json:"of"`       // provisions the catalog has
}

// icsMediaTypes are the bodies PUT …/ics takes; package standard tells
// JSON from YAML by the content, so the type only has to be one of these.
var icsMediaTypes = map[string]bool{
	"application/json": true, "application/yaml": true, "application/x-yaml": true, "text/yaml": true, "text/x-yaml": true,
}

// ICSName is how the statement sent is named in the parser's messages.
const ICSName = "the ICS sent"

// ICSKind is the kind of read the access record files an ICS under, and
// icsPath the name it is read by.
const (
	ICSKind = "report"
	icsPath = "vendor-ics"
)

// StoreICS keeps p's ICS b as evidence of rel (Backend.SubmitICS) and says
// what was stored.
func (b *Backend) StoreICS(ctx context.Context, p *glassbox.Principal, rel *glassbox.Release, name string, body []byte) (*standard.ICS, *ICSStored, error) {
	if b.SubmitICS == nil {
		return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no conformance statements")
	}
	ics, cat, err := b.SubmitICS(ctx, p, rel, name, body)
	if err != nil {
		return nil, nil, err
	}
	return ics, &ICSStored{Release: rel.ID, Standard: ics.Standard, Digest: ics.Digest, Kind: standard.KindICS,
		Answered: len(ics.Provisions), Of: len(cat.Leaves())}, nil
}

// CurrentICS returns rel's newest ICS and its catalog, or ENOTFOUND saying
// how the vendor submits one.
func (b *Backend) CurrentICS(ctx context.Context, rel *glassbox.Release) (*standard.ICS, *standard.Catalog, error) {
	if b.ICS == nil {
		return nil, nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no conformance statements")
	}
	ics, cat, err := b.ICS(ctx, rel)
	if err != nil {
		return nil, nil, err
	}
	if ics == nil {
		return nil, nil, glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has no ICS: its vendor submits one with PUT /api/v1/releases/{release}/ics, glassbox ics submit, or the workspace's ICS page",
			rel.Manifest.Product, rel.Manifest.Version)
	}
	return ics, cat, nil
}

// ICSFile is the stored statement as a read of it names it on the access
// record, with its canonical JSON.
func ICSFile(ics *standard.ICS) (glassbox.File, []byte, error) {
	canon, err := ics.Canonical()
	if err != nil {
		return glassbox.File{}, nil, glassbox.Errorf(glassbox.EINTERNAL, "the ICS %s: %w", ics.Digest, err)
	}
	return glassbox.File{Path: icsPath, Size: int64(len(canon)), Digest: ics.Digest}, canon, nil
}

// putICS checks the vendor's ICS against the catalog and keeps it; a
// statement refused says why, naming the provision, and nothing is kept.
func (a *API) putICS(w http.ResponseWriter, r *http.Request, _ string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if !icsMediaTypes[mt] {
		return glassbox.Errorf(glassbox.EINVALID, "Content-Type %q: send the ICS as application/yaml or application/json", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, standard.MaxICSSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return glassbox.Errorf(glassbox.EINVALID, "the ICS is over %d bytes, more than an answer to every provision takes: %w", standard.MaxICSSize, err)
		}
		return glassbox.Errorf(glassbox.EINVALID, "read the ICS: %v", err)
	}
	p := PrincipalFrom(r.Context())
	_, out, err := a.b.StoreICS(r.Context(), p, rel, ICSName, body)
	if err != nil {
		return err
	}
	slog.Info("ICS stored", "release", rel.ID, "digest", out.Digest, "by", Evaluator(p))
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getICS serves the release's newest ICS as canonical JSON, once the read
// is on the access record, as the release's other evidence is.
func (a *API) getICS(w http.ResponseWriter, r *http.Request, grant string) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	ics, _, err := a.b.CurrentICS(r.Context(), rel)
	if err != nil {
		return err
	}
	file, canon, err := ICSFile(ics)
	if err != nil {
		return err
	}
	if err := a.b.RecordRead(r.Context(), PrincipalFrom(r.Context()), grant, rel, ICSKind, file); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(canon)))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Digest", "sha-256="+string(ics.Digest))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(canon); err != nil {
		// The response has started: it can no longer be an error.
		slog.Warn("ICS cut short", "release", rel.ID, "err", err)
	}
	return nil
}
