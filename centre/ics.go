package centre

import (
	"context"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/standard"
)

// SubmitICS checks a vendor's implementation conformance statement (name
// is its file's, for messages) against the centre's EN 303 645 catalog
// and keeps it, in canonical JSON, as the release's vendor/ics evidence:
// the next evaluation weighs it. A statement that does not parse or fit
// the catalog is refused and nothing is stored.
func (c *Centre) SubmitICS(ctx context.Context, rel *glassbox.Release, name string, b []byte) (*standard.ICS, *standard.Catalog, error) {
	cat, err := c.ICSCatalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	ics, err := standard.ParseICS(name, b, cat)
	if err != nil {
		return nil, nil, err
	}
	canon, err := ics.Canonical()
	if err != nil {
		return nil, nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %v", name, err)
	}
	d, err := c.Blobs.Put(ctx, canon)
	if err != nil {
		return nil, nil, err
	}
	ics.Digest = d
	if err := c.Store.RecordEvidence(ctx, rel.ID, standard.KindICS, d); err != nil {
		return nil, nil, err
	}
	return ics, cat, nil
}

// ICSCatalog returns the catalog a new ICS answers: the centre's
// EN 303 645, whose provisions and conditions a form lists.
func (c *Centre) ICSCatalog(ctx context.Context) (*standard.Catalog, error) {
	l, err := c.Library(ctx)
	if err != nil {
		return nil, err
	}
	cat, ok := l.Catalog(standard.EN)
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the centre has no %s catalog", standard.EN)
	}
	return cat, nil
}

// ICS returns the newest ICS of a release and the catalog it answers, or
// nil when the vendor submitted none.
func (c *Centre) ICS(ctx context.Context, rel *glassbox.Release) (*standard.ICS, *standard.Catalog, error) {
	l, err := c.Library(ctx)
	if err != nil {
		return nil, nil, err
	}
	ics, err := evaluate.CurrentICS(ctx, c.Blobs, c.Store, l, rel.ID)
	if err != nil || ics == nil {
		return nil, nil, err
	}
	cat, _ := l.Catalog(ics.Standard)
	return ics, cat, nil
}
