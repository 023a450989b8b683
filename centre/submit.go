package centre

import (
	"context"

	"glassbox.dev/ingest"
	"glassbox.dev/internal/datadir"
	"glassbox.dev/rebuild"
)

// Submit stores a release from the files req names: its source (a
// directory, an archive or a git commit), recipe, artefacts and SBOM.
// Every hostile-input defence is ingest's, and a refused submission leaves
// the data directory as it was. The same content is the same release:
// submitted again, nothing new is stored (Result.Created is false); a
// version whose content differs is ECONFLICT. progress, if not nil, counts
// what is read as it is read.
func (c *Centre) Submit(ctx context.Context, req ingest.Request, progress *ingest.Progress) (*ingest.Result, error) {
	// A recipe is checked as rebuild will read it, so that a malformed
	// one is refused now, not stored to fail later.
	if req.Recipe != "" {
		if _, err := rebuild.Load(ctx, req.Recipe); err != nil {
			return nil, err
		}
	}
	// The data directory is never part of a release, even when a source
	// directory holds it.
	req.Exclude = append(req.Exclude[:len(req.Exclude):len(req.Exclude)], c.Data)
	in := &ingest.Ingester{Blobs: c.Blobs, Releases: c.Store, Progress: progress}
	res, err := in.Submit(ctx, req)
	if err != nil {
		return nil, err
	}
	// The first release stored anchors the database to this directory.
	if err := datadir.Remember(c.Data, res.Release.ID); err != nil {
		return nil, err
	}
	return res, nil
}
