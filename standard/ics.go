package standard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
)

// ICS is a vendor's implementation conformance statement for one release:
// what the product is and is for, which of a standard's conditions and
// features apply to it, and, provision by provision, whether the vendor
// says it is supported and how. EN 303 645's Annex B is the pro forma it
// follows. Its answers are evidence an evaluator checks; a "no" to a
// provision that applies decides against it, since the vendor says so.
type ICS struct {
	// Standard is the catalog the statement answers (EN, "en-303-645").
	Standard string     `yaml:"standard" json:"standard"`
	Product  ICSProduct `yaml:"product" json:"product"`
	// Features says which of the standard's conditions and features the
	// product has, by their Annex B keys: "a" (passwords are used), "12"
	// (an update mechanism is implemented)…
	Features map[string]bool `yaml:"features,omitempty" json:"features,omitempty"`
	// Provisions are the answers by provision label ("5.1-1").
	Provisions map[string]ICSAnswer `yaml:"provisions" json:"provisions"`
	// Digest names the statement's canonical form (Canonical), as stored:
	// set by ParseICS, not part of the statement.
	Digest glassbox.Digest `yaml:"-" json:"-"`
}

// ICSProduct describes the product, as a technical file and a declaration
// of conformity name it.
type ICSProduct struct {
	Name         string          `yaml:"name" json:"name"`
	Model        string          `yaml:"model,omitempty" json:"model,omitempty"`
	Description  string          `yaml:"description" json:"description"`
	IntendedUse  string          `yaml:"intended-use" json:"intended_use"`
	Manufacturer ICSManufacturer `yaml:"manufacturer" json:"manufacturer"`
	// SupportUntil is the end of the support period (CRA Art. 13(8)), a
	// date as YYYY-MM-DD.
	SupportUntil string `yaml:"support-until,omitempty" json:"support_until,omitempty"`
	// SecurityContact is where vulnerabilities are reported (CRA Annex
	// II 2): an e-mail address or an https URL.
	SecurityContact string `yaml:"security-contact,omitempty" json:"security_contact,omitempty"`
}

// ICSManufacturer is who places the product on the market.
type ICSManufacturer struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address"`
	Contact string `yaml:"contact,omitempty" json:"contact,omitempty"`
}

// ICSAnswer is the vendor's answer for one provision.
type ICSAnswer struct {
	Support ICSSupport `yaml:"support" json:"support"`
	// Detail says how the provision is implemented, or why it does not
	// apply: the evaluator checks it.
	Detail string `yaml:"detail,omitempty" json:"detail,omitempty"`
}

// ICSSupport is whether a provision is supported.
type ICSSupport string

// Answers.
const (
	ICSYes           ICSSupport = "yes"
	ICSNo            ICSSupport = "no"
	ICSNotApplicable ICSSupport = "not-applicable"
)

// KindICS is the evidence kind of a release's ICS, stored as canonical JSON.
const KindICS = "vendor/ics"

// MaxICSSize bounds an ICS file: EN 303 645's 78 provisions with a
// paragraph each take a few tens of KiB.
const MaxICSSize = 1 << 20

// ParseICS reads a vendor's ICS (YAML or JSON) for catalog c and checks it
// against the catalog: the standard is c, every provision is one of c's,
// every answer is yes, no or not-applicable and agrees with the features
// the statement declares, and the product and manufacturer are named.
// name is the file name, for messages. The ICS returned has its canonical
// form's digest.
func ParseICS(name string, b []byte, c *Catalog) (*ICS, error) {
	if len(b) > MaxICSSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %d bytes is more than the %d an ICS may have", name, len(b), MaxICSSize)
	}
	var s ICS
	if err := decodeICS(b, &s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s is empty; start from 'glassbox ics template'", name)
		}
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", name, err)
	}
	if err := s.check(c); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", name, err)
	}
	canon, err := s.Canonical()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %v", name, err)
	}
	s.Digest = glassbox.DigestOf(canon)
	return &s, nil
}

// decodeICS reads JSON (the stored canonical form, keys as its json tags)
// or YAML (as the template writes it), refusing unknown fields and
// anything after the one document.
func decodeICS(b []byte, s *ICS) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(s); err != nil {
			return fmt.Errorf("not an ICS in JSON: %v; start from 'glassbox ics template'", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return fmt.Errorf("more follows the JSON document; an ICS is one")
		}
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		if errors.Is(err, io.EOF) {
			return err
		}
		return fmt.Errorf("not an ICS: %v; start from 'glassbox ics template'", oneLine(err))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("holds more than one YAML document; an ICS is one")
	}
	return nil
}

func (s *ICS) check(c *Catalog) error {
	if s.Standard != c.ID {
		return fmt.Errorf("standard %q: this statement must answer %s (standard: %s)", s.Standard, c.ID, c.ID)
	}
	p := &s.Product
	for _, f := range []struct{ field, v string }{
		{"product.name", p.Name}, {"product.description", p.Description}, {"product.intended-use", p.IntendedUse},
		{"product.manufacturer.name", p.Manufacturer.Name}, {"product.manufacturer.address", p.Manufacturer.Address},
	} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%s is required: the declaration of conformity names it", f.field)
		}
	}
	if p.SupportUntil != "" {
		if _, err := time.Parse(time.DateOnly, p.SupportUntil); err != nil {
			return fmt.Errorf("product.support-until %q: want the last day of support as YYYY-MM-DD", p.SupportUntil)
		}
	}
	if p.SecurityContact != "" && !validContact(p.SecurityContact) {
		return fmt.Errorf("product.security-contact %q: want an e-mail address or an https:// URL where vulnerabilities are reported", p.SecurityContact)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Features)) {
		if _, ok := c.Keys[k]; !ok {
			return fmt.Errorf("features: %q is not a condition or feature of %s; the keys are %s", k, c.ID, strings.Join(sortedKeys(c.Keys), ", "))
		}
	}
	if len(s.Provisions) == 0 {
		return fmt.Errorf("no provisions answered; list them under provisions, as 'glassbox ics template' does")
	}
	for _, label := range slices.Sorted(maps.Keys(s.Provisions)) {
		ans := s.Provisions[label]
		ctl, ok := c.Control(label)
		if !ok || ctl.Label != label || !ctl.Leaf || ctl.Withdrawn {
			return fmt.Errorf("provision %q is not a provision of %s; use the labels 'glassbox ics template' lists (5.1-1, 5.3-4A …)", label, c.ID)
		}
		if err := ans.check(s, ctl, c); err != nil {
			return fmt.Errorf("provision %s: %v", label, err)
		}
	}
	return nil
}

func (a ICSAnswer) check(s *ICS, ctl *Control, c *Catalog) error {
	switch a.Support {
	case ICSYes, ICSNo, ICSNotApplicable:
	default:
		return fmt.Errorf("support %q: answer yes, no or not-applicable", a.Support)
	}
	if a.Support != ICSYes && strings.TrimSpace(a.Detail) == "" {
		return fmt.Errorf("answered %s without a detail: say why (EN 303 645 5.0-1 asks for the justification)", a.Support)
	}
	prov := ctl.Provision
	if prov == nil || prov.Unconditional() {
		if a.Support == ICSNotApplicable && (prov == nil || prov.Mandatory) {
			return fmt.Errorf("is mandatory for every product and cannot be not-applicable; answer yes or no")
		}
		return nil
	}
	for _, k := range prov.Keys() {
		if _, ok := s.Features[k]; !ok {
			return fmt.Errorf("depends on %s; say under features whether the product has it (%s: true or false)", describeKey(c, k), quoteKey(k))
		}
	}
	applies, absent := s.applies(prov)
	switch {
	case a.Support == ICSNotApplicable && applies:
		return fmt.Errorf("is answered not-applicable, but the features say the product has everything it depends on (%s); answer yes or no, or correct the features", strings.Join(prov.Keys(), ", "))
	case a.Support != ICSNotApplicable && !applies:
		return fmt.Errorf("is answered %s, but the features say the product lacks %s, so it does not apply: answer not-applicable, or correct the features", a.Support, describeKey(c, absent))
	}
	return nil
}

// applies reports whether the statement says the product has every
// condition and feature the provision depends on; when not, absent is one
// it lacks. A key the statement does not declare counts as present.
func (s *ICS) applies(p *Provision) (applies bool, absent string) {
	for _, k := range p.Keys() {
		if has, ok := s.Features[k]; ok && !has {
			return false, k
		}
	}
	return true, ""
}

// Answer returns the statement's answer for a control, if it gives one.
func (s *ICS) Answer(ctl *Control) (ICSAnswer, bool) {
	if s == nil {
		return ICSAnswer{}, false
	}
	a, ok := s.Provisions[ctl.Label]
	return a, ok
}

// Canonical returns the statement as RFC 8785 canonical JSON, the form in
// which it is stored and named by its digest.
func (s *ICS) Canonical() ([]byte, error) {
	return jcs.Marshal(s)
}

func validContact(v string) bool {
	if a, err := mail.ParseAddress(v); err == nil && a.Address == v && a.Name == "" {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

func describeKey(c *Catalog, k string) string {
	kind := "feature"
	if _, err := strconv.Atoi(k); err == nil {
		kind = "condition"
	}
	if d := c.Keys[k]; d != "" {
		return fmt.Sprintf("%s %s (%s)", kind, k, d)
	}
	return kind + " " + k
}

// quoteKey writes a key as YAML must: numbers quoted, so that they are
// map keys of strings.
func quoteKey(k string) string {
	if _, err := strconv.Atoi(k); err == nil {
		return strconv.Quote(k)
	}
	return k
}

func sortedKeys(m map[string]string) []string {
	return slices.SortedFunc(maps.Keys(m), CompareKeys)
}

// CompareKeys orders conditions (numbers, numerically) before features
// (letters: a … z, then aa), as the standard lists them.
func CompareKeys(a, b string) int {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na - nb
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	case len(a) != len(b):
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// ICSTemplate returns a commented YAML ICS for catalog c for the vendor to
// fill in: the product, the conditions and features, and every provision
// with its status and the test that assesses it.
func ICSTemplate(c *Catalog) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Implementation conformance statement (ICS) for %s\n", c.Title)
	fmt.Fprintf(&b, "# (catalog %s version %s).\n", c.ID, c.Version)
	b.WriteString(`#
# Fill in the product, say which conditions and features it has, and answer
# every provision: support yes, no or not-applicable, and a detail saying how
# it is implemented or, for no and not-applicable, why (required). A
# mandatory provision that applies to every product (status M) cannot be
# not-applicable; one that depends on conditions or features is
# not-applicable exactly when the product lacks one of them. Evaluators check
# every answer; a "no" to a provision that applies makes it not satisfied.
# Submit it with: glassbox ics submit RELEASE FILE
`)
	fmt.Fprintf(&b, "standard: %s\n", c.ID)
	b.WriteString(`product:
  name: ""
  model: ""
  description: ""
  intended-use: ""
  manufacturer:
    name: ""
    address: ""
    contact: ""
  support-until: ""      # last day of security support, YYYY-MM-DD
  security-contact: ""   # where vulnerabilities are reported: an e-mail address or an https:// URL
`)
	if len(c.Keys) > 0 {
		b.WriteString("# true when the product has it, false when not: the provisions that\n# depend on a condition or feature it lacks are not-applicable.\nfeatures:\n")
		for _, k := range sortedKeys(c.Keys) {
			fmt.Fprintf(&b, "  %s: true   # %s\n", quoteKey(k), oneLineText(c.Keys[k], describeKey(c, k)))
		}
	}
	b.WriteString("provisions:\n")
	group := ""
	for _, ctl := range c.Leaves() {
		if ctl.Group != group {
			group = ctl.Group
			fmt.Fprintf(&b, "  # %s\n", oneLineText(group, "controls"))
		}
		fmt.Fprintf(&b, "  %s:   # %s", strconv.Quote(ctl.Label), oneLineText(ctl.Title, ctl.ID))
		if p := ctl.Provision; p != nil {
			fmt.Fprintf(&b, " — %s", p.Status)
		}
		if ctl.TestGroup != "" {
			fmt.Fprintf(&b, " — %s", ctl.TestGroup)
		}
		b.WriteString("\n")
		if st := oneLineText(ctl.Statement, ""); st != "" {
			fmt.Fprintf(&b, "    # %s\n", st)
		}
		b.WriteString("    support: \"\"   # yes | no | not-applicable\n    detail: \"\"\n")
	}
	return []byte(b.String())
}
