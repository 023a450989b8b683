// Command catalogen writes the OSCAL catalogs glassbox ships, from the
// sources beside them: the OpenSSF OSPS Baseline's own YAML, converted
// keeping every id, level, mapping and text, and glassbox's summaries of the
// CRA's Annex I and ETSI EN 303 645. `go generate` in package standard
// runs it; the output is deterministic, so a regenerated catalog differs
// from the committed one only when its source did.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"glassbox.dev/standard/oscal"
)

func main() {
	osps := flag.String("osps", "", "`directory` of the OSPS Baseline YAML (metadata.yaml, OSPS-*.yaml)")
	simple := flag.String("simple", "", "glassbox catalog source `file` (YAML)")
	version := flag.String("version", "", "catalog version (with -osps)")
	modified := flag.String("modified", "", "last-modified time, RFC 3339 (with -osps)")
	out := flag.String("out", "", "output `file`")
	flag.Parse()
	var doc *oscal.CatalogDocument
	var err error
	switch {
	case *osps != "" && *out != "":
		doc, err = convertOSPS(*osps, *version, *modified)
	case *simple != "" && *out != "":
		doc, err = convertSimple(*simple)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err == nil {
		err = write(*out, doc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalogen:", err)
		os.Exit(1)
	}
}

func write(path string, doc *oscal.CatalogDocument) error {
	b, err := encode(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// encode is the one byte form of a generated catalog.
func encode(doc *oscal.CatalogDocument) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// uuid5 derives a UUID from its name, as package standard derives the
// UUIDs of what it writes.
func uuid5(name string) string { return oscal.UUID(name) }

// clean folds the line breaks of YAML block text into spaces, keeping
// paragraph breaks, and trims it.
func clean(s string) string {
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// The OSPS Baseline's YAML, as far as the conversion reads it.
type ospsMetadata struct {
	Title    string `yaml:"title"`
	Metadata struct {
		ID                string `yaml:"id"`
		Description       string `yaml:"description"`
		ApplicabilityGrps []struct {
			ID          string `yaml:"id"`
			Title       string `yaml:"title"`
			Description string `yaml:"description"`
		} `yaml:"applicability-groups"`
		MappingReferences []struct {
			ID          string `yaml:"id"`
			Title       string `yaml:"title"`
			Version     string `yaml:"version"`
			URL         string `yaml:"url"`
			Description string `yaml:"description"`
		} `yaml:"mapping-references"`
	} `yaml:"metadata"`
}

type ospsFamily struct {
	Groups []struct {
		ID          string `yaml:"id"`
		Title       string `yaml:"title"`
		Description string `yaml:"description"`
	} `yaml:"groups"`
	Controls []struct {
		ID         string `yaml:"id"`
		Title      string `yaml:"title"`
		Objective  string `yaml:"objective"`
		Group      string `yaml:"group"`
		Guidelines []struct {
			ReferenceID string `yaml:"reference-id"`
			Entries     []struct {
				ReferenceID string `yaml:"reference-id"`
			} `yaml:"entries"`
		} `yaml:"guidelines"`
		Requirements []struct {
			ID             string   `yaml:"id"`
			Text           string   `yaml:"text"`
			Applicability  []string `yaml:"applicability"`
			Recommendation string   `yaml:"recommendation"`
			State          string   `yaml:"state"`
		} `yaml:"assessment-requirements"`
	} `yaml:"controls"`
}

const ospsAttribution = `Converted by glassbox from the OpenSSF Open Source Project Security Baseline ` +
	`(github.com/ossf/security-baseline, baseline/*.yaml), © the OSPS Baseline Authors, ` +
	`licensed under the Apache License 2.0 (LICENSE beside the source in standard/catalogs/src/osps-baseline). ` +
	`Control and requirement ids, texts, maturity levels and guideline mappings are the Baseline's, unchanged; ` +
	`the OSCAL structure is glassbox's: each control's assessment requirements are its sub-controls, ` +
	`maturity levels are "maturity-level" props, mappings to other frameworks are "guideline-mapping" props ` +
	`whose value is the framework's id (see back-matter) and the entry.`

func convertOSPS(dir, version, modified string) (*oscal.CatalogDocument, error) {
	if version == "" || modified == "" {
		return nil, fmt.Errorf("-osps needs -version and -modified")
	}
	var meta ospsMetadata
	if err := readYAML(filepath.Join(dir, "metadata.yaml"), &meta); err != nil {
		return nil, err
	}
	source, err := os.ReadFile(filepath.Join(dir, "SOURCE.txt"))
	if err != nil {
		return nil, err
	}
	cat := &oscal.Catalog{
		UUID: uuid5("catalog\x00osps-baseline\x00" + version),
		Metadata: oscal.Metadata{
			Title:        strings.TrimSpace(meta.Title),
			LastModified: modified,
			Version:      version,
			OSCALVersion: oscal.Version,
			Props: []oscal.Prop{
				{Name: "catalog-id", NS: oscal.Namespace, Value: "osps-baseline"},
				{Name: "license", NS: oscal.Namespace, Value: "Apache-2.0"},
			},
			Links:   []oscal.Link{{Href: "https://github.com/ossf/security-baseline", Rel: "source", Text: "OpenSSF OSPS Baseline"}},
			Roles:   []oscal.Role{{ID: "creator", Title: "Author of the Baseline"}},
			Parties: []oscal.Party{{UUID: uuid5("party\x00OSPS Baseline Authors"), Type: "organization", Name: "OSPS Baseline Authors"}},
			Remarks: ospsAttribution + "\n\n" + strings.TrimSpace(string(source)) + "\n\n" + clean(meta.Metadata.Description),
		},
	}
	cat.Metadata.Responsible = []oscal.RespPt{{RoleID: "creator", PartyUUIDs: []string{cat.Metadata.Parties[0].UUID}}}
	for _, ag := range meta.Metadata.ApplicabilityGrps {
		cat.Metadata.Props = append(cat.Metadata.Props, oscal.Prop{Name: "maturity-level-definition", NS: oscal.Namespace,
			Value: ag.ID, Remarks: clean(ag.Title + ": " + ag.Description)})
	}
	bm := &oscal.BackMatter{}
	for _, r := range meta.Metadata.MappingReferences {
		res := oscal.Resource{
			UUID:        uuid5("osps-mapping-reference\x00" + r.ID),
			Title:       clean(r.Title),
			Description: clean(r.Description),
			Props: []oscal.Prop{
				{Name: "reference-id", NS: oscal.Namespace, Value: r.ID},
			},
		}
		if v := clean(r.Version); v != "" {
			res.Props = append(res.Props, oscal.Prop{Name: "version", NS: oscal.Namespace, Value: v})
		}
		if r.URL != "" {
			res.RLinks = []oscal.RLink{{Href: strings.TrimSpace(r.URL)}}
		}
		bm.Resources = append(bm.Resources, res)
	}
	cat.BackMatter = bm

	files, err := filepath.Glob(filepath.Join(dir, "OSPS-*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		var fam ospsFamily
		if err := readYAML(f, &fam); err != nil {
			return nil, err
		}
		if len(fam.Groups) != 1 {
			return nil, fmt.Errorf("%s: want one group, found %d", f, len(fam.Groups))
		}
		g := oscal.Group{
			ID:    "osps-" + strings.ToLower(fam.Groups[0].ID),
			Title: clean(fam.Groups[0].Title),
			Props: []oscal.Prop{{Name: "label", Value: fam.Groups[0].ID}},
			Parts: []oscal.Part{{Name: "overview", Prose: clean(fam.Groups[0].Description)}},
		}
		for _, c := range fam.Controls {
			if c.Group != fam.Groups[0].ID {
				return nil, fmt.Errorf("%s: control %s is in group %q, not the file's %q", f, c.ID, c.Group, fam.Groups[0].ID)
			}
			oc := oscal.Control{ID: c.ID, Title: clean(c.Title)}
			oc.Props = []oscal.Prop{{Name: "label", Value: c.ID}}
			for _, gl := range c.Guidelines {
				for _, e := range gl.Entries {
					// The Baseline has an empty placeholder mapping or two.
					v := strings.Join(strings.Fields(gl.ReferenceID+" "+e.ReferenceID), " ")
					if strings.TrimSpace(gl.ReferenceID) == "" || strings.TrimSpace(e.ReferenceID) == "" {
						continue
					}
					oc.Props = append(oc.Props, oscal.Prop{Name: "guideline-mapping", NS: oscal.Namespace, Value: v})
				}
			}
			oc.Parts = []oscal.Part{{ID: c.ID + "_obj", Name: "objective", Prose: clean(c.Objective)}}
			for _, r := range c.Requirements {
				title := clean(c.Title) + " — requirement " + strings.TrimPrefix(r.ID, c.ID+".")
				req := oscal.Control{ID: r.ID, Title: title, Props: []oscal.Prop{{Name: "label", Value: r.ID}}}
				for _, a := range r.Applicability {
					n, ok := strings.CutPrefix(a, "maturity-")
					if _, err := strconv.Atoi(n); !ok || err != nil {
						return nil, fmt.Errorf("%s: requirement %s: applicability %q is not maturity-N", f, r.ID, a)
					}
					req.Props = append(req.Props, oscal.Prop{Name: "maturity-level", NS: oscal.Namespace, Value: n})
				}
				if r.State != "" {
					status := strings.ToLower(r.State)
					if status == "retired" {
						status = "withdrawn"
					}
					req.Props = append(req.Props, oscal.Prop{Name: "status", Value: status, Remarks: "OSPS Baseline state: " + r.State})
				}
				req.Parts = []oscal.Part{{ID: r.ID + "_smt", Name: "statement", Prose: clean(r.Text)}}
				if g := clean(r.Recommendation); g != "" {
					req.Parts = append(req.Parts, oscal.Part{ID: r.ID + "_gdn", Name: "guidance", Prose: g})
				}
				oc.Controls = append(oc.Controls, req)
			}
			g.Controls = append(g.Controls, oc)
		}
		cat.Groups = append(cat.Groups, g)
	}
	return &oscal.CatalogDocument{Catalog: cat}, nil
}

// simpleSource is the YAML glassbox writes its own catalogs in.
type simpleSource struct {
	ID           string       `yaml:"id"`
	Title        string       `yaml:"title"`
	Version      string       `yaml:"version"`
	LastModified string       `yaml:"last-modified"`
	Remarks      string       `yaml:"remarks"`
	Links        []oscal.Link `yaml:"links"`
	// Props are the catalog's own, in glassbox's namespace: EN 303 645
	// defines its conditions and features here.
	Props  []simpleProp `yaml:"props"`
	Groups []struct {
		ID       string          `yaml:"id"`
		Label    string          `yaml:"label"`
		Title    string          `yaml:"title"`
		Overview string          `yaml:"overview"`
		Controls []simpleControl `yaml:"controls"`
	} `yaml:"groups"`
}

type simpleControl struct {
	ID        string `yaml:"id"`
	Label     string `yaml:"label"`
	Title     string `yaml:"title"`
	Statement string `yaml:"statement"`
	Guidance  string `yaml:"guidance"`
	// Status is an Annex B style status ("M", "RF (g)", "MCF (14, e)"):
	// it writes the status, obligation, conditional, feature-dependent,
	// condition and feature props.
	Status string `yaml:"status"`
	// TestGroup names the test that assesses the control, as a
	// "test-group" prop.
	TestGroup string       `yaml:"test-group"`
	Props     []simpleProp `yaml:"props"`
	Links     []oscal.Link `yaml:"links"`
}

// simpleProp is a prop in glassbox's namespace.
type simpleProp struct {
	Name    string `yaml:"name"`
	Value   string `yaml:"value"`
	Remarks string `yaml:"remarks"`
}

func (sp simpleProp) prop() oscal.Prop {
	return oscal.Prop{Name: sp.Name, NS: oscal.Namespace, Value: sp.Value, Remarks: clean(sp.Remarks)}
}

// statusRE is an Annex B status: M or R, then C (conditional) and F
// (feature-dependent) if they apply, then the conditions (numbers) and
// features (letters) in parentheses.
var statusRE = regexp.MustCompile(`^([MR])(C?)(F?)(?: \(([0-9a-z]+(?:, [0-9a-z]+)*)\))?$`)

// statusProps turns an Annex B status into props.
func statusProps(status string) ([]oscal.Prop, error) {
	m := statusRE.FindStringSubmatch(status)
	if m == nil {
		return nil, fmt.Errorf("status %q: want M or R, then C and/or F, then the conditions and features in parentheses, as \"MCF (14, e)\"", status)
	}
	obligation := map[string]string{"M": "mandatory", "R": "recommended"}[m[1]]
	var conds, feats []string
	if m[4] != "" {
		for _, k := range strings.Split(m[4], ", ") {
			if _, err := strconv.Atoi(k); err == nil {
				conds = append(conds, k)
			} else {
				feats = append(feats, k)
			}
		}
	}
	if (m[2] == "C") != (len(conds) > 0) || (m[3] == "F") != (len(feats) > 0) {
		return nil, fmt.Errorf("status %q: C needs numbered conditions and F lettered features, and each needs its letter", status)
	}
	ps := []oscal.Prop{
		{Name: "status", NS: oscal.Namespace, Value: status},
		{Name: "obligation", NS: oscal.Namespace, Value: obligation},
		{Name: "conditional", NS: oscal.Namespace, Value: strconv.FormatBool(len(conds) > 0)},
		{Name: "feature-dependent", NS: oscal.Namespace, Value: strconv.FormatBool(len(feats) > 0)},
	}
	for _, k := range conds {
		ps = append(ps, oscal.Prop{Name: "condition", NS: oscal.Namespace, Value: k})
	}
	for _, k := range feats {
		ps = append(ps, oscal.Prop{Name: "feature", NS: oscal.Namespace, Value: k})
	}
	return ps, nil
}

func convertSimple(path string) (*oscal.CatalogDocument, error) {
	var src simpleSource
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// glassbox's own sources are read strictly: a misspelt field would
	// silently drop a control's status.
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&src); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cat := &oscal.Catalog{
		UUID: uuid5("catalog\x00" + src.ID + "\x00" + src.Version),
		Metadata: oscal.Metadata{
			Title:        clean(src.Title),
			LastModified: src.LastModified,
			Version:      src.Version,
			OSCALVersion: oscal.Version,
			Props:        []oscal.Prop{{Name: "catalog-id", NS: oscal.Namespace, Value: src.ID}},
			Links:        src.Links,
			Remarks:      clean(src.Remarks),
		},
	}
	for _, sp := range src.Props {
		cat.Metadata.Props = append(cat.Metadata.Props, sp.prop())
	}
	for _, sg := range src.Groups {
		g := oscal.Group{ID: sg.ID, Title: clean(sg.Title)}
		if sg.Label != "" {
			g.Props = []oscal.Prop{{Name: "label", Value: sg.Label}}
		}
		if o := clean(sg.Overview); o != "" {
			g.Parts = []oscal.Part{{Name: "overview", Prose: o}}
		}
		for _, sc := range sg.Controls {
			label := sc.Label
			if label == "" {
				label = sc.ID
			}
			oc := oscal.Control{ID: sc.ID, Title: clean(sc.Title), Props: []oscal.Prop{{Name: "label", Value: label}}, Links: sc.Links}
			if sc.Status != "" {
				ps, err := statusProps(sc.Status)
				if err != nil {
					return nil, fmt.Errorf("%s: control %s: %w", path, sc.ID, err)
				}
				oc.Props = append(oc.Props, ps...)
			}
			if sc.TestGroup != "" {
				oc.Props = append(oc.Props, oscal.Prop{Name: "test-group", NS: oscal.Namespace, Value: sc.TestGroup})
			}
			for _, sp := range sc.Props {
				oc.Props = append(oc.Props, sp.prop())
			}
			oc.Parts = []oscal.Part{{ID: sc.ID + "_smt", Name: "statement", Prose: clean(sc.Statement)}}
			if gd := clean(sc.Guidance); gd != "" {
				oc.Parts = append(oc.Parts, oscal.Part{ID: sc.ID + "_gdn", Name: "guidance", Prose: gd})
			}
			g.Controls = append(g.Controls, oc)
		}
		cat.Groups = append(cat.Groups, g)
	}
	return &oscal.CatalogDocument{Catalog: cat}, nil
}

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
