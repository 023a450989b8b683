package standard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
)

// Coverage says how far the automated checks go towards deciding a control.
type Coverage string

const (
	// Automated: the mapped checks are sufficient. The control is
	// satisfied when every one of them has a result that satisfies it.
	Automated Coverage = "automated"
	// Supported: the mapped checks give evidence but cannot decide; a
	// failing check makes the control not satisfied, passing ones leave
	// it to an evaluator ("manual + supporting checks").
	Supported Coverage = "supported"
	// Manual: no check gives evidence; only an evaluator decides.
	Manual Coverage = "manual"
)

// MaxMappingSize bounds a mapping file.
const MaxMappingSize = 4 << 20

// Mapping says, for the controls of one catalog, which automated checks
// give evidence and how far that goes. Controls it does not name are
// manual.
type Mapping struct {
	Catalog  string           `yaml:"catalog" json:"catalog"`
	Controls []ControlMapping `yaml:"controls" json:"controls"`
	byID     map[string]*ControlMapping
}

// ControlMapping is the evidence for one control.
type ControlMapping struct {
	Control  string     `yaml:"control" json:"control"`
	Coverage Coverage   `yaml:"coverage" json:"coverage"`
	Checks   []CheckRef `yaml:"checks,omitempty" json:"checks,omitempty"`
	// Why says why the checks are sufficient, or what is left for an
	// evaluator: the reports show it.
	Why string `yaml:"why" json:"why"`
}

// CheckRef is one check mapped to a control and the outcomes that count
// in the control's favour.
type CheckRef struct {
	Check       string                 `yaml:"check" json:"check"`
	SatisfiedBy []glassbox.CheckStatus `yaml:"satisfied-by" json:"satisfied-by"`
}

// ParseMapping reads a mapping (YAML or JSON) for catalog c, checking that
// it names only controls of c that are assessed, only known checks, and
// each control at most once. name is the file name, for messages.
func ParseMapping(name string, b []byte, c *Catalog) (*Mapping, error) {
	if len(b) > MaxMappingSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %d bytes is more than the %d a mapping may have", name, len(b), MaxMappingSize)
	}
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: not a mapping: %v; want {catalog: ID, controls: [{control, coverage, checks: [{check, satisfied-by}], why}]}", name, err)
	}
	if m.Catalog == "" {
		m.Catalog = c.ID
	}
	if m.Catalog != c.ID {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s is a mapping for catalog %q, not %q", name, m.Catalog, c.ID)
	}
	m.byID = map[string]*ControlMapping{}
	for i := range m.Controls {
		cm := &m.Controls[i]
		if err := cm.check(c); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s: control %d (%q): %v", name, i+1, cm.Control, err)
		}
		ctl, _ := c.Control(cm.Control)
		cm.Control = ctl.ID // labels are accepted; the id is what is kept
		if _, dup := m.byID[ctl.ID]; dup {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s: control %q is mapped more than once", name, ctl.ID)
		}
		m.byID[ctl.ID] = cm
	}
	return &m, nil
}

func (cm *ControlMapping) check(c *Catalog) error {
	ctl, ok := c.Control(cm.Control)
	switch {
	case !ok:
		return fmt.Errorf("catalog %s has no control with this id or label", c.ID)
	case !ctl.Leaf:
		return fmt.Errorf("it has sub-controls, which are what is assessed: map those")
	case ctl.Withdrawn:
		return fmt.Errorf("the control is withdrawn")
	}
	switch cm.Coverage {
	case Automated, Supported:
		if len(cm.Checks) == 0 {
			return fmt.Errorf("coverage %s needs at least one check", cm.Coverage)
		}
	case Manual:
		if len(cm.Checks) != 0 {
			return fmt.Errorf("coverage manual takes no checks; use supported for checks that give evidence but cannot decide")
		}
	default:
		return fmt.Errorf("coverage %q: want automated, supported or manual", cm.Coverage)
	}
	if strings.TrimSpace(cm.Why) == "" {
		return fmt.Errorf("say why (the why field): the reports show it")
	}
	seen := map[string]bool{}
	for _, ref := range cm.Checks {
		if !slices.Contains(glassbox.Checks(), ref.Check) {
			return fmt.Errorf("unknown check %q; known checks: %s", ref.Check, strings.Join(glassbox.Checks(), ", "))
		}
		if seen[ref.Check] {
			return fmt.Errorf("check %s is named twice", ref.Check)
		}
		seen[ref.Check] = true
		if len(ref.SatisfiedBy) == 0 {
			return fmt.Errorf("check %s: satisfied-by lists no outcome", ref.Check)
		}
		for _, s := range ref.SatisfiedBy {
			if s != glassbox.CheckPass && s != glassbox.CheckNotApplicable {
				return fmt.Errorf("check %s: satisfied-by %q: only pass and not-applicable can count in a control's favour", ref.Check, s)
			}
		}
	}
	return nil
}

// For returns the mapping of a control: the one the file gives, or manual
// when the file does not name it.
func (m *Mapping) For(control string) *ControlMapping {
	if m != nil {
		if cm, ok := m.byID[control]; ok {
			return cm
		}
	}
	return &ControlMapping{Control: control, Coverage: Manual, Why: "No automated check gives evidence for this control; an evaluator decides."}
}

// Mapped reports whether the mapping names the control.
func (m *Mapping) Mapped(control string) bool {
	_, ok := m.byID[control]
	return ok
}
