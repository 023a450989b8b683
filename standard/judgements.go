package standard

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
)

// MaxJudgementsFile bounds a file of judgements.
const MaxJudgementsFile = 4 << 20

// JudgementEntry is one verdict in a file of judgements: an evaluator's
// worksheet recorded in one go (glassbox judge RELEASE --from FILE).
type JudgementEntry struct {
	Catalog   string `yaml:"catalog,omitempty" json:"catalog,omitempty"` // optional when one catalog has the control
	Control   string `yaml:"control" json:"control"`                     // id or label
	Satisfied *bool  `yaml:"satisfied" json:"satisfied"`
	Note      string `yaml:"note" json:"note"`
}

// ParseJudgements reads a YAML (or JSON) list of judgements and resolves
// each control in the library, so that a file with one mistake records
// nothing. It returns judgements without release, evaluator or time, which
// the caller sets.
func (l *Library) ParseJudgements(name string, b []byte) ([]glassbox.Judgement, error) {
	entries, err := ReadJudgements(name, b)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		cat, ctl, err := l.FindControl(e.Catalog, e.Control)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ErrorCode(err), "%s: judgement %d: %v", name, i+1, err)
		}
		entries[i].Catalog, entries[i].Control = cat.ID, ctl.ID
	}
	return entries, nil
}

// ReadJudgements reads a YAML (or JSON) list of judgements, each with a
// control, satisfied: true|false and a note, without resolving the
// controls: a remote centre resolves them in its own catalogs.
func ReadJudgements(name string, b []byte) ([]glassbox.Judgement, error) {
	if len(b) > MaxJudgementsFile {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %d bytes is more than the %d a file of judgements may have", name, len(b), MaxJudgementsFile)
	}
	var entries []JudgementEntry
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&entries); err != nil && !errors.Is(err, io.EOF) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: not a list of judgements: %v; want a list of {catalog, control, satisfied: true|false, note}", name, err)
	}
	if len(entries) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s holds no judgements", name)
	}
	out := make([]glassbox.Judgement, 0, len(entries))
	for i, e := range entries {
		if strings.TrimSpace(e.Control) == "" {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s: judgement %d: name the control", name, i+1)
		}
		if e.Satisfied == nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s: judgement %d (%s): say satisfied: true or satisfied: false", name, i+1, e.Control)
		}
		if strings.TrimSpace(e.Note) == "" {
			return nil, glassbox.Errorf(glassbox.EINVALID, "%s: judgement %d (%s): the note is required: say what was examined", name, i+1, e.Control)
		}
		out = append(out, glassbox.Judgement{Catalog: e.Catalog, Control: e.Control, Satisfied: *e.Satisfied, Note: strings.TrimSpace(e.Note)})
	}
	return out, nil
}
