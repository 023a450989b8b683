package centre

import (
	"strings"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// The catalogs are files in the data directory (the built-in ones and
// DATA/catalogs/), not rows in the database: these functions take the data
// directory, so that listing them opens nothing else.

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
func Catalogs(data string) ([]CatalogSummary, []string, error) {
	l, err := standard.OpenLibrary(data)
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
func Catalog(data, id string) (*CatalogView, error) {
	l, err := standard.OpenLibrary(data)
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
// schema) under id in DATA/catalogs/, with its mapping of checks to
// controls (YAML or JSON; none leaves every control manual). An empty id
// is the catalog's catalog-id property, or else its file name. A stored
// catalog is never replaced: another catalog under the id is refused.
// The names name the inputs in errors.
func AddCatalog(data, id, catalogName string, catalog []byte, mappingName string, mapping []byte) (*CatalogSummary, error) {
	if id == "" {
		id = standard.CatalogIDFor(catalogName, catalog)
	}
	c, err := standard.AddCatalog(data, id, catalogName, catalog, mappingName, mapping)
	if err != nil {
		return nil, err
	}
	l, err := standard.OpenLibrary(data)
	if err != nil {
		return nil, err
	}
	s := summarise(l, c)
	return &s, nil
}
