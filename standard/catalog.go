package standard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/standard/oscal"
)

// Limits on a catalog read from a file. NIST's own SP 800-53 catalog, the
// largest in common use, is about 10 MiB and nests five levels deep.
const (
	MaxCatalogSize  = 32 << 20
	maxCatalogDepth = 64 // JSON nesting: far beyond any real catalog, far below what recursion can take
)

// Props glassbox reads from a catalog's controls. "label" and "status" are
// OSCAL's own; "maturity-level" is glassbox's, written by the OSPS
// conversion and honoured in any catalog.
const (
	propLabel    = "label"
	propStatus   = "status"
	propMaturity = "maturity-level"
	propGuide    = "guideline-mapping"
	propCatalog  = "catalog-id"
	// A provision's grading, as EN 303 645's Annex B gives it: the
	// status in glassbox's namespace ("MF (a)"; OSCAL's own status prop
	// says whether a control is withdrawn), whether it is mandatory, and
	// the conditions and features it depends on. The catalog's metadata
	// defines each condition and feature.
	propObligation = "obligation"
	propCondition  = "condition"
	propFeature    = "feature"
	propTestGroup  = "test-group"
	propCondDef    = "condition-definition"
	propFeatDef    = "feature-definition"
)

// Catalog is an OSCAL catalog of controls, with an index of its controls.
type Catalog struct {
	ID      string // short id: "cra-annex-i", or a user catalog's
	Title   string
	Version string
	Builtin bool
	// JSON is the catalog exactly as shipped or stored; its digest names
	// the catalog in policies.
	JSON     []byte
	Doc      *oscal.Catalog
	Controls []*Control // every control and sub-control, in document order
	// Keys are the conditions and features the catalog's provisions
	// depend on (EN 303 645: "12", "a"), each with its definition from
	// the catalog's metadata ("" when the catalog gives none).
	Keys    map[string]string
	byID    map[string]*Control
	byLabel map[string][]*Control
}

// Control is one control of a catalog, as the assessment sees it.
type Control struct {
	ID        string `json:"id"`    // the OSCAL id, unique in the catalog
	Label     string `json:"label"` // how the standard numbers it ("5.1"), or the id
	Title     string `json:"title"`
	Statement string `json:"statement,omitempty"`       // what the control requires, in prose
	Group     string `json:"group,omitempty"`           // the title of the group it is in
	Parent    string `json:"parent,omitempty"`          // the id of the control it refines, if any
	Levels    []int  `json:"maturity_levels,omitempty"` // maturity levels it applies at, if the catalog has levels
	Withdrawn bool   `json:"withdrawn,omitempty"`       // kept for its id, no longer assessed
	Leaf      bool   `json:"-"`                         // has no sub-controls: the unit that is assessed
	// Provision is the control's grading, in a catalog that grades its
	// provisions as EN 303 645 does; nil otherwise.
	Provision *Provision `json:"provision,omitempty"`
	// TestGroup names the test that assesses the control, when the
	// catalog says ("TS 103 701 test group 5.1-1").
	TestGroup string `json:"test_group,omitempty"`
}

// Provision is how a standard grades one of its provisions, as EN 303 645's
// implementation conformance table (Annex B) does: mandatory or
// recommended, and conditional on numbered conditions or dependent on
// lettered features of the product.
type Provision struct {
	Status     string   `json:"status"` // as the standard writes it: "MCF (14, e)"
	Mandatory  bool     `json:"mandatory"`
	Conditions []string `json:"conditions,omitempty"`
	Features   []string `json:"features,omitempty"`
}

// Keys returns the conditions and then the features the provision depends
// on.
func (p *Provision) Keys() []string { return append(slices.Clone(p.Conditions), p.Features...) }

// Unconditional reports whether the provision applies to every product:
// it depends on no condition or feature.
func (p *Provision) Unconditional() bool { return len(p.Conditions) == 0 && len(p.Features) == 0 }

// MinLevel returns the lowest maturity level the control applies at, or 0
// when the catalog has no levels.
func (c *Control) MinLevel() int {
	if len(c.Levels) == 0 {
		return 0
	}
	return slices.Min(c.Levels)
}

var catalogIDRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// ValidateCatalogID checks a catalog's short id: lower-case letters and
// digits in dash-separated words, starting with a letter, at most 64 bytes.
func ValidateCatalogID(id string) error {
	if len(id) > 64 || !catalogIDRE.MatchString(id) {
		return glassbox.Errorf(glassbox.EINVALID, "catalog id %q: use lower-case letters and digits in words separated by single dashes, starting with a letter, at most 64 characters", id)
	}
	return nil
}

// ParseCatalog reads an OSCAL catalog document, checking it against the
// OSCAL 1.0.6 catalog schema and that its control ids are unique. name is
// the file name, for messages; id the short id the catalog gets.
func ParseCatalog(name, id string, b []byte) (*Catalog, error) {
	if err := ValidateCatalogID(id); err != nil {
		return nil, err
	}
	if len(b) > MaxCatalogSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %d bytes is more than the %d a catalog may have", name, len(b), MaxCatalogSize)
	}
	if err := checkDepth(b, maxCatalogDepth); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", name, err)
	}
	if err := ValidateCatalog(b); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is not an OSCAL 1.0.6 catalog (checked against NIST's JSON schema): %v; fix the document, or convert it with NIST's OSCAL tools, and add it again", name, oneLine(err))
	}
	var doc oscal.CatalogDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", name, err)
	}
	if doc.Catalog == nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: no catalog", name)
	}
	c := &Catalog{
		ID:      id,
		Title:   doc.Catalog.Metadata.Title,
		Version: doc.Catalog.Metadata.Version,
		JSON:    b,
		Doc:     doc.Catalog,
		Keys:    map[string]string{},
		byID:    map[string]*Control{},
		byLabel: map[string][]*Control{},
	}
	var walkControls func(group, parent string, cs []oscal.Control) error
	walkControls = func(group, parent string, cs []oscal.Control) error {
		for i := range cs {
			oc := &cs[i]
			if _, dup := c.byID[oc.ID]; dup {
				return glassbox.Errorf(glassbox.EINVALID, "%s: control id %q appears more than once; ids must be unique in a catalog", name, oc.ID)
			}
			ctl, err := newControl(oc, group, parent)
			if err != nil {
				return glassbox.Errorf(glassbox.EINVALID, "%s: control %q: %v", name, oc.ID, err)
			}
			c.Controls = append(c.Controls, ctl)
			if ctl.Provision != nil {
				for _, k := range ctl.Provision.Keys() {
					c.Keys[k] = ""
				}
			}
			c.byID[ctl.ID] = ctl
			c.byLabel[ctl.Label] = append(c.byLabel[ctl.Label], ctl)
			if err := walkControls(group, oc.ID, oc.Controls); err != nil {
				return err
			}
		}
		return nil
	}
	var walkGroups func(gs []oscal.Group) error
	walkGroups = func(gs []oscal.Group) error {
		for i := range gs {
			if err := walkControls(gs[i].Title, "", gs[i].Controls); err != nil {
				return err
			}
			if err := walkGroups(gs[i].Groups); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walkControls("", "", doc.Catalog.Controls); err != nil {
		return nil, err
	}
	if err := walkGroups(doc.Catalog.Groups); err != nil {
		return nil, err
	}
	if len(c.Controls) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: the catalog has no controls, so there is nothing to assess", name)
	}
	for _, p := range doc.Catalog.Metadata.Props {
		if _, used := c.Keys[p.Value]; used && p.NS == oscal.Namespace && (p.Name == propCondDef || p.Name == propFeatDef) {
			c.Keys[p.Value] = strings.TrimSpace(p.Remarks)
		}
	}
	return c, nil
}

func newControl(oc *oscal.Control, group, parent string) (*Control, error) {
	ctl := &Control{ID: oc.ID, Label: oc.ID, Title: strings.TrimSpace(oc.Title), Group: group, Parent: parent, Leaf: len(oc.Controls) == 0}
	var prov Provision
	for _, p := range oc.Props {
		if p.NS == oscal.Namespace {
			switch p.Name {
			case propStatus:
				prov.Status = p.Value
			case propObligation:
				prov.Mandatory = p.Value == "mandatory"
			case propCondition:
				prov.Conditions = append(prov.Conditions, p.Value)
			case propFeature:
				prov.Features = append(prov.Features, p.Value)
			case propTestGroup:
				ctl.TestGroup = p.Value
			}
		}
		switch p.Name {
		case propLabel:
			ctl.Label = p.Value
		case propStatus:
			if p.NS != oscal.Namespace {
				ctl.Withdrawn = p.Value == "withdrawn"
			}
		case propMaturity:
			n, err := strconv.Atoi(p.Value)
			if err != nil || n < 1 || n > 9 {
				return nil, fmt.Errorf("prop %s %q: want a level from 1 to 9", propMaturity, p.Value)
			}
			if !slices.Contains(ctl.Levels, n) {
				ctl.Levels = append(ctl.Levels, n)
			}
		}
	}
	slices.Sort(ctl.Levels)
	if prov.Status != "" {
		ctl.Provision = &prov
	}
	for _, name := range []string{"statement", "overview", "objective"} {
		for _, p := range oc.Parts {
			if p.Name == name && ctl.Statement == "" {
				ctl.Statement = strings.TrimSpace(p.Prose)
			}
		}
	}
	return ctl, nil
}

// Control finds a control by its id or, failing that, by its label when
// exactly one control has it.
func (c *Catalog) Control(ref string) (*Control, bool) {
	if ctl, ok := c.byID[ref]; ok {
		return ctl, true
	}
	if cs := c.byLabel[ref]; len(cs) == 1 {
		return cs[0], true
	}
	return nil, false
}

// Leaves returns the controls that are assessed: those without
// sub-controls that are not withdrawn.
func (c *Catalog) Leaves() []*Control {
	var out []*Control
	for _, ctl := range c.Controls {
		if ctl.Leaf && !ctl.Withdrawn {
			out = append(out, ctl)
		}
	}
	return out
}

// Digest returns the digest of the catalog's JSON.
func (c *Catalog) Digest() glassbox.Digest { return glassbox.DigestOf(c.JSON) }

// checkDepth refuses JSON nested deeper than max, before anything recurses
// into it.
func checkDepth(b []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return fmt.Errorf("JSON nested more than %d levels deep", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// oneLine folds a multi-line error (the schema validator lists every
// violation on its own line) into one line, at most a few violations long.
func oneLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	if len(lines) > 6 {
		lines = append(lines[:6], fmt.Sprintf("… and %d more", len(lines)-6))
	}
	return strings.Join(lines, "; ")
}

// marshalIndent is how glassbox writes JSON documents: two-space indent,
// no HTML escaping (the documents are data, not HTML), a final newline.
func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// catalogIDProp returns the value of the glassbox catalog-id prop of a
// catalog document's metadata, or "".
func catalogIDProp(b []byte) string {
	var doc struct {
		Catalog struct {
			Metadata struct {
				Props []oscal.Prop `json:"props"`
			} `json:"metadata"`
		} `json:"catalog"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return ""
	}
	for _, p := range doc.Catalog.Metadata.Props {
		if p.Name == propCatalog && p.NS == oscal.Namespace {
			return p.Value
		}
	}
	return ""
}
