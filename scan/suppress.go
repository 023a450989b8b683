package scan

import (
	"bytes"
	"context"
	"strings"

	"gopkg.in/yaml.v3"

	"glassbox.dev/internal/input"

	"glassbox.dev"
)

// Suppression accepts one finding, named by its fingerprint, for a stated
// reason. Suppressed findings stay in the result and in the SARIF (as
// suppressions with their justification): an auditor sees what was
// excused, why and by whom.
type Suppression struct {
	Fingerprint string `json:"fingerprint" yaml:"fingerprint"`
	Reason      string `json:"reason" yaml:"reason"`
	By          string `json:"by,omitempty" yaml:"by,omitempty"`
}

// suppressionFile is the file's other accepted shape, a mapping with the
// list under "suppressions", which leaves room for more keys later.
type suppressionFile struct {
	Suppressions []Suppression `yaml:"suppressions"`
}

// MaxSuppressionsFile bounds a suppressions file: 4 MiB is tens of
// thousands of entries.
const MaxSuppressionsFile = 4 << 20

// LoadSuppressions reads a suppressions file: YAML (or JSON, which YAML
// reads too) holding either a list of {fingerprint, reason, by} entries or a
// mapping with that list under "suppressions". Every entry must have a
// fingerprint and a reason.
func LoadSuppressions(ctx context.Context, name string) ([]Suppression, error) {
	b, err := input.ReadFile(ctx, name, "suppressions file", MaxSuppressionsFile)
	if err != nil {
		return nil, err
	}
	s, err := ParseSuppressions(b)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "suppressions %s: %w", name, err)
	}
	return s, nil
}

// ParseSuppressions parses the content of a suppressions file (see
// LoadSuppressions) and checks every entry.
func ParseSuppressions(b []byte) ([]Suppression, error) {
	var list []Suppression
	if len(bytes.TrimSpace(b)) > 0 {
		var node yaml.Node
		if err := yaml.Unmarshal(b, &node); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%w", err)
		}
		// Unknown keys are refused: a misspelt "reason" must not pass as
		// a suppression without one.
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		var err error
		if len(node.Content) > 0 && node.Content[0].Kind == yaml.SequenceNode {
			err = dec.Decode(&list)
		} else {
			var f suppressionFile
			err = dec.Decode(&f)
			list = f.Suppressions
		}
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%w", err)
		}
	}
	if _, err := indexSuppressions(list); err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Fingerprint = strings.ToLower(strings.TrimSpace(list[i].Fingerprint))
	}
	return list, nil
}

// indexSuppressions checks suppressions and indexes them by fingerprint.
func indexSuppressions(list []Suppression) (map[string]*Suppression, error) {
	idx := make(map[string]*Suppression, len(list))
	for i := range list {
		s := &list[i]
		fp := strings.ToLower(strings.TrimSpace(s.Fingerprint))
		switch {
		case fp == "":
			return nil, glassbox.Errorf(glassbox.EINVALID, "suppression %d has no fingerprint", i+1)
		case len(fp) != 32 || strings.Trim(fp, "0123456789abcdef") != "":
			return nil, glassbox.Errorf(glassbox.EINVALID, "suppression %d: fingerprint %q is not 32 hex digits, as scan output gives it", i+1, s.Fingerprint)
		case strings.TrimSpace(s.Reason) == "":
			return nil, glassbox.Errorf(glassbox.EINVALID, "suppression %d (fingerprint %s) has no reason: every suppression must say why the finding is acceptable", i+1, fp)
		}
		if _, dup := idx[fp]; dup {
			return nil, glassbox.Errorf(glassbox.EINVALID, "suppression %d: fingerprint %s is suppressed twice", i+1, fp)
		}
		c := *s
		c.Fingerprint = fp
		idx[fp] = &c
	}
	return idx, nil
}
