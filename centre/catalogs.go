package centre

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// The catalogs are the built-in ones and those added to the centre, kept
// in the shared stores so that every server and worker of a deployment
// judges against the same: each added catalog's OSCAL JSON, its mapping
// and a record naming both are blobs in the evidence store, and the
// pointer catalog/ID in the database names the record. The pointer is
// never moved: a stored catalog is never replaced.

// CatalogSummary describes a catalog of controls: what it is and how many
// of its assessed controls the checks decide.
type CatalogSummary struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Version   string          `json:"version"`
	Builtin   bool            `json:"builtin"`
	Digest    glassbox.Digest `json:"digest"`
	Controls  int             `json:"controls"` // the controls that are assessed
	Automated int             `json:"automated"`
	Supported int             `json:"supported"`
	Manual    int             `json:"manual"`
}

func summarise(l *standard.Library, c *standard.Catalog) CatalogSummary {
	s := CatalogSummary{ID: c.ID, Title: c.Title, Version: c.Version, Builtin: c.Builtin, Digest: c.Digest()}
	m := l.Mapping(c.ID)
	for _, ctl := range c.Leaves() {
		s.Controls++
		switch m.For(ctl.ID).Coverage {
		case standard.Automated:
			s.Automated++
		case standard.Supported:
			s.Supported++
		default:
			s.Manual++
		}
	}
	return s
}

// Catalogs lists the catalogs of the data directory, built-in and added,
// and the ids of the standards a release can be evaluated against.
func (c *Centre) Catalogs(ctx context.Context) ([]CatalogSummary, []string, error) {
	l, err := c.Library(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows := []CatalogSummary{}
	for _, c := range l.Catalogs() {
		rows = append(rows, summarise(l, c))
	}
	return rows, l.StandardIDs(), nil
}

// CatalogControl is one control of a catalog and the checks that give
// evidence for it.
type CatalogControl struct {
	ID       string              `json:"id"`
	Label    string              `json:"label"`
	Title    string              `json:"title"`
	Group    string              `json:"group,omitempty"`
	Levels   []int               `json:"maturity_levels,omitempty"`
	Coverage standard.Coverage   `json:"coverage"`
	Checks   []standard.CheckRef `json:"checks,omitempty"`
	Why      string              `json:"why"`
}

// CatalogView is a catalog, or a selection of one (osps-l1), with the
// controls an assessment judges.
type CatalogView struct {
	CatalogSummary
	Selection string           `json:"selection"`
	Policy    string           `json:"policy"`
	Controls  []CatalogControl `json:"controls"`
	// SelectionTitle is the selection's title; OSCAL is the catalog's
	// OSCAL JSON as stored.
	SelectionTitle string `json:"-"`
	OSCAL          []byte `json:"-"`
}

// Catalog describes the catalog or selection id: ENOTFOUND if there is
// none.
func (c *Centre) Catalog(ctx context.Context, id string) (*CatalogView, error) {
	l, err := c.Library(ctx)
	if err != nil {
		return nil, err
	}
	sels, err := l.Select([]string{id})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "%v", err)
	}
	sel := sels[0]
	v := &CatalogView{CatalogSummary: summarise(l, sel.Catalog), Selection: sel.ID, SelectionTitle: sel.Title(), OSCAL: sel.Catalog.JSON}
	// A selection without a policy has none to show.
	if p, err := l.Policy([]string{sel.ID}); err == nil {
		v.Policy = p.URI
	}
	for _, ctl := range sel.Controls() {
		cm := sel.Mapping.For(ctl.ID)
		v.Controls = append(v.Controls, CatalogControl{ID: ctl.ID, Label: ctl.Label, Title: ctl.Title, Group: ctl.Group, Levels: ctl.Levels,
			Coverage: cm.Coverage, Checks: cm.Checks, Why: strings.TrimSpace(cm.Why)})
	}
	return v, nil
}

// AddCatalog stores an OSCAL 1.0.6 catalog (JSON, checked against NIST's
// schema) under id in the shared stores, with its mapping of checks to
// controls (YAML or JSON; none leaves every control manual). An empty id
// is the catalog's catalog-id property, or else its file name. A stored
// catalog is never replaced: another catalog under the id is refused,
// whichever process stored it. The names name the inputs in errors.
func (c *Centre) AddCatalog(ctx context.Context, id, catalogName string, catalog []byte, mappingName string, mapping []byte) (*CatalogSummary, error) {
	if id == "" {
		id = standard.CatalogIDFor(catalogName, catalog)
	}
	l, err := c.Library(ctx)
	if err != nil {
		return nil, err
	}
	cat, stored, err := standard.CheckNewCatalog(l, id, catalogName, catalog, mappingName, mapping)
	if err != nil {
		return nil, err
	}
	if !stored {
		if err := c.storeCatalog(ctx, standard.StoredCatalog{ID: id, Name: catalogName, Catalog: catalog, MappingName: mappingName, Mapping: mapping}); err != nil {
			return nil, err
		}
		if l, err = c.Library(ctx); err != nil {
			return nil, err
		}
	}
	s := summarise(l, cat)
	return &s, nil
}

// catalogRecord is a stored catalog's record: its id and the blobs of its
// catalog and mapping.
type catalogRecord struct {
	standard.StoredCatalog
	CatalogDigest glassbox.Digest `json:"catalog"`
	MappingDigest glassbox.Digest `json:"mapping,omitempty"`
}

const catalogPointer = "catalog/"

// maxCatalogRecord bounds a catalog record read back.
const maxCatalogRecord = 64 << 10

// storeCatalog writes a catalog's blobs, then its record, then points
// catalog/ID to the record: a catalog is visible only whole.
func (c *Centre) storeCatalog(ctx context.Context, sc standard.StoredCatalog) error {
	rec := catalogRecord{StoredCatalog: sc}
	var err error
	if rec.CatalogDigest, err = c.Blobs.Put(ctx, sc.Catalog); err != nil {
		return err
	}
	if sc.Mapping != nil {
		if rec.MappingDigest, err = c.Blobs.Put(ctx, sc.Mapping); err != nil {
			return err
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "encode the catalog record: %w", err)
	}
	d, err := c.Blobs.Put(ctx, b)
	if err != nil {
		return err
	}
	if err := c.Store.CreatePointer(ctx, catalogPointer+sc.ID, d); err != nil {
		if glassbox.ErrorCode(err) == glassbox.ECONFLICT {
			return standard.ErrCatalogConflict(sc.ID)
		}
		return err
	}
	return nil
}

// Library is the centre's catalogs as they are now: the built-in ones and
// every stored one. Catalogs a data directory kept in DATA/catalogs before
// they were shared are adopted into the shared stores on first use.
func (c *Centre) Library(ctx context.Context) (*standard.Library, error) {
	ptrs, err := c.Store.Pointers(ctx, catalogPointer)
	if err != nil {
		return nil, err
	}
	legacy, err := standard.ReadCatalogDir(c.Data)
	if err != nil {
		return nil, err
	}
	lib, err := c.storedLibrary(ctx, ptrs)
	if err != nil || len(legacy) == 0 {
		return lib, err
	}
	// Adopted only once checked as an added catalog is: a pointer never
	// moves, and a catalog that does not parse would break every process.
	adopted := false
	for _, sc := range legacy {
		if d, ok := ptrs[catalogPointer+sc.ID]; ok {
			if cur, _ := lib.Catalog(sc.ID); cur == nil || string(cur.JSON) != string(sc.Catalog) {
				slog.Warn("a catalog of this data directory differs from the shared one of its id; the shared one is used", "file", sc.Name, "id", sc.ID, "shared_record", d)
			}
			continue
		}
		if _, _, err := standard.CheckNewCatalog(lib, sc.ID, sc.Name, sc.Catalog, sc.MappingName, sc.Mapping); err != nil {
			return nil, fmt.Errorf("adopt %s into the shared stores: %w", sc.Name, err)
		}
		if err := c.storeCatalog(ctx, sc); err != nil && glassbox.ErrorCode(err) != glassbox.ECONFLICT {
			return nil, fmt.Errorf("adopt %s into the shared stores: %w", sc.Name, err)
		}
		adopted = true
	}
	if !adopted {
		return lib, nil
	}
	if ptrs, err = c.Store.Pointers(ctx, catalogPointer); err != nil {
		return nil, err
	}
	return c.storedLibrary(ctx, ptrs)
}

// storedLibrary is the built-in catalogs and those the pointers name.
func (c *Centre) storedLibrary(ctx context.Context, ptrs map[string]glassbox.Digest) (*standard.Library, error) {
	stored := make([]standard.StoredCatalog, 0, len(ptrs))
	for name, d := range ptrs {
		var rec catalogRecord
		b, err := c.readBlob(ctx, d, maxCatalogRecord)
		if err == nil && json.Unmarshal(b, &rec) != nil {
			err = glassbox.Errorf(glassbox.ECORRUPT, "the record %s of catalog %s is not a catalog record", d, name)
		}
		if err == nil && rec.ID != name[len(catalogPointer):] {
			err = glassbox.Errorf(glassbox.ECORRUPT, "the record %s of catalog %s names catalog %q", d, name, rec.ID)
		}
		if err == nil {
			rec.Catalog, err = c.readBlob(ctx, rec.CatalogDigest, standard.MaxCatalogSize)
		}
		if err == nil && rec.MappingDigest != "" {
			rec.Mapping, err = c.readBlob(ctx, rec.MappingDigest, standard.MaxCatalogSize)
		}
		if err != nil {
			return nil, fmt.Errorf("stored catalog %s: %w", name[len(catalogPointer):], err)
		}
		stored = append(stored, rec.StoredCatalog)
	}
	return standard.NewLibrary(stored)
}

// readBlob reads a whole blob of at most limit bytes.
func (c *Centre) readBlob(ctx context.Context, d glassbox.Digest, limit int64) ([]byte, error) {
	rc, err := c.Blobs.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "read %s: %w", d, err)
	}
	if int64(len(b)) > limit {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "%s is larger than %d bytes", d, limit)
	}
	return b, nil
}
