package evaluate

import (
	"context"
	"encoding/json"
	"io"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// CurrentICS returns the newest implementation conformance statement the
// vendor submitted for a release (evidence of kind standard.KindICS),
// checked again against the catalog it answers; nil when there is none.
func CurrentICS(ctx context.Context, blobs glassbox.BlobStore, store EvidenceFinder, lib *standard.Library, release glassbox.Digest) (*standard.ICS, error) {
	ds, err := store.FindEvidence(ctx, release, standard.KindICS)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	d := ds[len(ds)-1]
	rc, err := blobs.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, standard.MaxICSSize+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the ICS %s: %w", d, err)
	}
	c, ok := lib.Catalog(standard.EN)
	var probe struct {
		Standard string `json:"standard"`
	}
	if err := json.Unmarshal(b, &probe); err == nil && probe.Standard != "" {
		c, ok = lib.Catalog(probe.Standard)
	}
	if !ok {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the ICS %s of release %s answers a catalog the centre does not have", d, release)
	}
	ics, err := standard.ParseICS(string(d), b, c)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.ErrorCode(err), "the ICS of release %s no longer fits catalog %s %s (%v); submit it again with glassbox ics submit", release, c.ID, c.Version, err)
	}
	if ics.Digest != d {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the ICS %s of release %s is not in canonical form", d, release)
	}
	return ics, nil
}
