// Package standard judges a release against common security standards: it
// ships OSCAL catalogs of the EU Cyber Resilience Act's Annex I, ETSI EN 303
// 645 and the OpenSSF OSPS Baseline, maps the evaluation's automated checks
// onto their controls as data, and turns check results and evaluators'
// judgements into per-control statuses, an OSCAL assessment-results
// document and a printable report.
package standard

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"glassbox.dev"
)

//go:embed catalogs/*.json mappings/*.yaml
var builtinFiles embed.FS

// The catalogs glassbox ships, by id.
const (
	CRA  = "cra-annex-i"
	EN   = "en-303-645"
	OSPS = "osps-baseline"
)

var builtinIDs = []string{CRA, EN, OSPS}

// ospsLevels are the selections of the OSPS Baseline by maturity level:
// "osps-l2" is every requirement that applies at level 2 or below.
var ospsLevels = map[string]int{"osps-l1": 1, "osps-l2": 2, "osps-l3": 3}

// Library is the set of catalogs an assessment can use: the built-in ones
// and those a user added to a data directory, each with its mapping.
type Library struct {
	catalogs []*Catalog // built-in first, then user catalogs by id
	byID     map[string]*Catalog
	mappings map[string]*Mapping
	// MappingJSON is each mapping's file as read, for policy digests.
	mappingFiles map[string][]byte
}

var (
	builtinOnce sync.Once
	builtin     *Library
	builtinErr  error
)

// Builtin returns the library of the catalogs glassbox ships. Their
// validity is established by the package's tests; an error here means a
// broken build.
func Builtin() (*Library, error) {
	builtinOnce.Do(func() {
		l := &Library{byID: map[string]*Catalog{}, mappings: map[string]*Mapping{}, mappingFiles: map[string][]byte{}}
		for _, id := range builtinIDs {
			cb, err := builtinFiles.ReadFile("catalogs/" + id + ".json")
			if err == nil {
				var mb []byte
				if mb, err = builtinFiles.ReadFile("mappings/" + id + ".yaml"); err == nil {
					err = l.add(id, "catalogs/"+id+".json", cb, "mappings/"+id+".yaml", mb, true)
				}
			}
			if err != nil {
				builtinErr = fmt.Errorf("built-in catalog %s: %w", id, err)
				return
			}
		}
		builtin = l
	})
	return builtin, builtinErr
}

func (l *Library) add(id, catName string, cb []byte, mapName string, mb []byte, isBuiltin bool) error {
	c, err := ParseCatalog(catName, id, cb)
	if err != nil {
		return err
	}
	c.Builtin = isBuiltin
	m := &Mapping{Catalog: id, byID: map[string]*ControlMapping{}}
	if mb != nil {
		if m, err = ParseMapping(mapName, mb, c); err != nil {
			return err
		}
	}
	l.catalogs = append(l.catalogs, c)
	l.byID[id] = c
	l.mappings[id] = m
	l.mappingFiles[id] = mb
	return nil
}

// catalogDir is where a data directory kept user catalogs before they were
// shared: ID.json and, if one was given, ID.mapping.yaml.
func catalogDir(data string) string { return filepath.Join(data, "catalogs") }

// StoredCatalog is a user's catalog as stored: its id, the OSCAL catalog
// and the mapping of checks to its controls (none: every control manual),
// each with the name that names it in errors.
type StoredCatalog struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Catalog     []byte `json:"-"`
	MappingName string `json:"mapping_name,omitempty"`
	Mapping     []byte `json:"-"`
}

// NewLibrary returns the built-in catalogs and the stored ones. A stored
// catalog that no longer parses is an error that names it: an assessment
// must not silently lose a standard.
func NewLibrary(stored []StoredCatalog) (*Library, error) {
	b, err := Builtin()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%v", err)
	}
	l := &Library{byID: map[string]*Catalog{}, mappings: map[string]*Mapping{}, mappingFiles: map[string][]byte{}}
	for _, c := range b.catalogs {
		l.catalogs = append(l.catalogs, c)
		l.byID[c.ID] = c
		l.mappings[c.ID] = b.mappings[c.ID]
		l.mappingFiles[c.ID] = b.mappingFiles[c.ID]
	}
	stored = slices.Clone(stored)
	slices.SortFunc(stored, func(a, b StoredCatalog) int { return strings.Compare(a.ID, b.ID) })
	for _, sc := range stored {
		if _, dup := l.byID[sc.ID]; dup {
			return nil, glassbox.Errorf(glassbox.EINVALID, "stored catalog %s has the id of a built-in catalog or of another stored one; rename or remove it", sc.Name)
		}
		if err := l.add(sc.ID, sc.Name, sc.Catalog, sc.MappingName, sc.Mapping, false); err != nil {
			return nil, glassbox.Errorf(glassbox.ErrorCode(err), "stored catalog %s: %v", sc.Name, err)
		}
	}
	return l, nil
}

// ReadCatalogDir reads the catalogs a data directory kept in DATA/catalogs
// before they were shared; none if it has no such directory.
func ReadCatalogDir(data string) ([]StoredCatalog, error) {
	dir := catalogDir(data)
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "list %s: %w", dir, err)
	}
	sort.Strings(names)
	var out []StoredCatalog
	for _, name := range names {
		sc := StoredCatalog{ID: strings.TrimSuffix(filepath.Base(name), ".json"), Name: name}
		if sc.Catalog, err = os.ReadFile(name); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "read catalog %s: %w", name, err)
		}
		mapName := filepath.Join(dir, sc.ID+".mapping.yaml")
		mb, err := os.ReadFile(mapName)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "read mapping %s: %w", mapName, err)
		}
		if mb != nil {
			sc.MappingName, sc.Mapping = mapName, mb
		}
		out = append(out, sc)
	}
	return out, nil
}

// OpenLibrary returns the built-in catalogs and those a data directory
// kept in DATA/catalogs (ReadCatalogDir).
func OpenLibrary(data string) (*Library, error) {
	stored, err := ReadCatalogDir(data)
	if err != nil {
		return nil, err
	}
	return NewLibrary(stored)
}

// CheckNewCatalog checks a user's catalog (and its mapping, if any) for
// adding to l under id, and returns it parsed. A catalog is never
// replaced: when l holds the same bytes under id, it returns that catalog
// and stored true; other content under a stored id is an ECONFLICT, since
// past assessments name the catalog by id and version.
func CheckNewCatalog(l *Library, id, catName string, cb []byte, mapName string, mb []byte) (c *Catalog, stored bool, err error) {
	if _, ok := ospsLevels[id]; ok {
		return nil, false, glassbox.Errorf(glassbox.EINVALID, "catalog id %q is reserved for a selection of the OSPS Baseline; choose another with --id", id)
	}
	if c, ok := l.byID[id]; ok && c.Builtin {
		return nil, false, glassbox.Errorf(glassbox.EINVALID, "catalog id %q is a built-in catalog's; choose another with --id", id)
	}
	probe := &Library{byID: map[string]*Catalog{}, mappings: map[string]*Mapping{}, mappingFiles: map[string][]byte{}}
	if err := probe.add(id, catName, cb, mapName, mb, false); err != nil {
		return nil, false, err
	}
	if old, ok := l.byID[id]; ok {
		if string(old.JSON) == string(cb) && string(l.mappingFiles[id]) == string(mb) {
			return old, true, nil
		}
		return nil, false, ErrCatalogConflict(id)
	}
	return probe.byID[id], false, nil
}

// ErrCatalogConflict is the error of another catalog stored under id.
func ErrCatalogConflict(id string) error {
	return glassbox.Errorf(glassbox.ECONFLICT, "a different catalog (or mapping) is already stored as %q; a stored catalog is never replaced, because assessments name it — add the new one under another id with --id", id)
}

// CatalogIDFor proposes the id of a catalog read from a file: the value of
// its metadata's glassbox catalog-id prop, or else the file's name without
// extension, lower-cased with anything else turned into dashes.
func CatalogIDFor(file string, cb []byte) string {
	if id := catalogIDProp(cb); id != "" {
		return id
	}
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	var b strings.Builder
	for _, r := range base {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		} else if !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// Catalogs returns every catalog: the built-in ones, then the user's.
func (l *Library) Catalogs() []*Catalog { return slices.Clone(l.catalogs) }

// Catalog returns the catalog with this id.
func (l *Library) Catalog(id string) (*Catalog, bool) {
	c, ok := l.byID[id]
	return c, ok
}

// Mapping returns the evidence mapping of a catalog; a user catalog added
// without one maps every control to manual.
func (l *Library) Mapping(id string) *Mapping { return l.mappings[id] }

// Selection is one standard an assessment judges against: a catalog, or
// the part of it that applies up to a maturity level.
type Selection struct {
	ID       string // as selected: "cra-annex-i", "osps-l1"
	Catalog  *Catalog
	Mapping  *Mapping
	MaxLevel int // 0 for every control
}

// Title describes the selection.
func (s *Selection) Title() string {
	if s.MaxLevel > 0 {
		return fmt.Sprintf("%s, maturity level %d", s.Catalog.Title, s.MaxLevel)
	}
	return s.Catalog.Title
}

// Controls returns the controls the selection assesses, in catalog order.
func (s *Selection) Controls() []*Control {
	var out []*Control
	for _, c := range s.Catalog.Leaves() {
		if s.MaxLevel == 0 || (c.MinLevel() > 0 && c.MinLevel() <= s.MaxLevel) {
			out = append(out, c)
		}
	}
	return out
}

// Select resolves standard ids to selections: a catalog's id, or
// osps-l1, osps-l2, osps-l3 for the OSPS Baseline up to that maturity
// level. Unknown ids are an EINVALID error listing what exists.
func (l *Library) Select(ids []string) ([]*Selection, error) {
	if len(ids) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no standard selected; choose from %s", strings.Join(l.StandardIDs(), ", "))
	}
	var out []*Selection
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if seen[id] {
			continue
		}
		seen[id] = true
		sel := &Selection{ID: id}
		if lvl, ok := ospsLevels[id]; ok {
			sel.Catalog, sel.MaxLevel = l.byID[OSPS], lvl
		} else if c, ok := l.byID[id]; ok {
			sel.Catalog = c
		} else {
			return nil, glassbox.Errorf(glassbox.EINVALID, "unknown standard %q; choose from %s", id, strings.Join(l.StandardIDs(), ", "))
		}
		sel.Mapping = l.mappings[sel.Catalog.ID]
		out = append(out, sel)
	}
	return out, nil
}

// StandardIDs lists what Select accepts.
func (l *Library) StandardIDs() []string {
	var ids []string
	for _, c := range l.catalogs {
		ids = append(ids, c.ID)
		if c.ID == OSPS {
			for i := 1; i <= 3; i++ {
				ids = append(ids, "osps-l"+strconv.Itoa(i))
			}
		}
	}
	return ids
}

// FindControl looks a control up by id or label in the named catalog, or
// in every catalog when catalog is "". It returns an ENOTFOUND error
// naming the catalogs searched when no catalog has it, and an EINVALID one
// when several do.
func (l *Library) FindControl(catalog, ref string) (*Catalog, *Control, error) {
	search := l.catalogs
	if catalog != "" {
		if lvl, ok := ospsLevels[catalog]; ok && lvl > 0 {
			catalog = OSPS
		}
		c, ok := l.byID[catalog]
		if !ok {
			return nil, nil, glassbox.Errorf(glassbox.ENOTFOUND, "no catalog %q; the catalogs are %s", catalog, strings.Join(l.catalogIDs(), ", "))
		}
		search = []*Catalog{c}
	}
	var foundC []*Catalog
	var foundCtl []*Control
	for _, c := range search {
		if ctl, ok := c.Control(ref); ok {
			foundC, foundCtl = append(foundC, c), append(foundCtl, ctl)
		}
	}
	var names []string
	for _, c := range search {
		names = append(names, c.ID)
	}
	switch len(foundC) {
	case 0:
		return nil, nil, glassbox.Errorf(glassbox.ENOTFOUND, "no control %q in catalog %s", ref, strings.Join(names, ", "))
	case 1:
		if !foundCtl[0].Leaf {
			return nil, nil, glassbox.Errorf(glassbox.EINVALID, "control %q of %s has sub-controls, which are what is judged: name one of them", ref, foundC[0].ID)
		}
		if foundCtl[0].Withdrawn {
			return nil, nil, glassbox.Errorf(glassbox.EINVALID, "control %q of %s is withdrawn and no longer assessed", ref, foundC[0].ID)
		}
		return foundC[0], foundCtl[0], nil
	}
	var in []string
	for _, c := range foundC {
		in = append(in, c.ID)
	}
	return nil, nil, glassbox.Errorf(glassbox.EINVALID, "control %q is in more than one catalog (%s); say which with --catalog", ref, strings.Join(in, ", "))
}

func (l *Library) catalogIDs() []string {
	var ids []string
	for _, c := range l.catalogs {
		ids = append(ids, c.ID)
	}
	return ids
}
