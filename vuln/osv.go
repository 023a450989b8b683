// Package vuln matches components against a database of OSV records: it
// loads OSV's per-ecosystem zips or directories of OSV JSON into an
// immutable snapshot, evaluates affected ranges exactly as the OSV schema
// specifies, merges aliases so one vulnerability is one row, and adds
// govulncheck's reachability for Go.
package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record is one OSV record (schema 1.x). Fields glassbox does not read are
// kept in the raw JSON the record was parsed from.
type Record struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`

	// Raw is the record as it was read, for handing it on unchanged (the
	// Go vulnerability database govulncheck reads is made of these).
	Raw json.RawMessage `json:"-"`

	hasModified bool
	// where the record was read from: a source's name and its zip entry
	source, entry string
}

// Severity is a scored severity: a CVSS vector or an Ubuntu priority.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names one package and the versions of it a record affects.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package identifies a package within an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is a list of events over one version ordering.
type Range struct {
	Type   string  `json:"type"` // SEMVER, ECOSYSTEM or GIT
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`

	// Filled in by Parse, so that matching never parses a version of
	// the database again: the ordering (nil for GIT and unknown
	// ecosystems), the events sorted as the spec says, and the limits.
	ord    ordering
	sorted []sortedEvent
	limits []key
}

// Event is one point in a range: exactly one of its fields is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Range types.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// event kinds, in the order the spec's sort puts events of equal version.
const (
	kindIntroduced = iota
	kindFixed
	kindLastAffected
	kindLimit
)

func (e Event) kind() (int, string) {
	switch {
	case e.Introduced != "":
		return kindIntroduced, e.Introduced
	case e.Fixed != "":
		return kindFixed, e.Fixed
	case e.LastAffected != "":
		return kindLastAffected, e.LastAffected
	default:
		return kindLimit, e.Limit
	}
}

// UnmarshalJSON reads an event and refuses one with none or more than one
// of introduced, fixed, last_affected and limit ({} and {"introduced":
// "0", "fixed": "1"}), as the schema's oneOf does.
func (e *Event) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("an event must be an object: %w", err)
	}
	n := 0
	for k, raw := range m {
		var dst *string
		switch k {
		case "introduced":
			dst = &e.Introduced
		case "fixed":
			dst = &e.Fixed
		case "last_affected":
			dst = &e.LastAffected
		case "limit":
			dst = &e.Limit
		default:
			continue
		}
		n++
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("event %s must be a string", k)
		}
		if *dst == "" {
			return fmt.Errorf("event %s has an empty version", k)
		}
	}
	if n != 1 {
		return fmt.Errorf("an event must have exactly one of introduced, fixed, last_affected or limit (this one has %d)", n)
	}
	return nil
}

// UnmarshalJSON reads a record, noting whether it has a modified time at
// all: time.Time's zero value is also what "0001-01-01T00:00:00Z" (the
// Go database's "unknown") decodes to.
func (r *Record) UnmarshalJSON(b []byte) error {
	type plain Record
	aux := struct {
		*plain
		Modified *time.Time `json:"modified"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.hasModified = aux.Modified != nil
	if aux.Modified != nil {
		r.Modified = *aux.Modified
	}
	return nil
}

// Parse reads one OSV record. name is the file the record came from; every
// error names it and says what is wrong. A record is refused when it is not
// JSON, lacks id or modified, or has an affected entry or range the schema
// forbids, or whose versions its ecosystem's ordering cannot read (such a
// record would be matched wrongly, which is worse than not at all).
func Parse(name string, data []byte) (*Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: not a valid OSV record: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the OSV record", name)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%s: OSV record %q: %w", name, r.ID, err)
	}
	r.Raw = json.RawMessage(data)
	return &r, nil
}

func (r *Record) validate() error {
	if r.ID == "" {
		return fmt.Errorf("no id")
	}
	if strings.ContainsAny(r.ID, "/\\ \t\r\n") {
		return fmt.Errorf("id contains a slash or white space")
	}
	if !r.hasModified {
		return fmt.Errorf("no modified time")
	}
	for i := range r.Affected {
		a := &r.Affected[i]
		if a.Package.Name == "" && a.Package.Ecosystem == "" && a.Package.PURL == "" {
			// The schema allows an affected entry without a package only
			// for GIT ranges; such an entry matches no component.
			for _, rg := range a.Ranges {
				if rg.Type != RangeGit {
					return fmt.Errorf("affected[%d] has a %s range but no package", i, rg.Type)
				}
			}
		} else if a.Package.Name == "" || a.Package.Ecosystem == "" {
			return fmt.Errorf("affected[%d].package needs both ecosystem and name (has %q, %q)", i, a.Package.Ecosystem, a.Package.Name)
		}
		for j := range a.Ranges {
			if err := compileRange(a.Package.Ecosystem, &a.Ranges[j]); err != nil {
				return fmt.Errorf("affected[%d].ranges[%d]: %w", i, j, err)
			}
		}
	}
	return nil
}

// compileRange checks a range and parses and sorts its events with the
// ecosystem's ordering.
func compileRange(ecosystem string, rg *Range) error {
	switch rg.Type {
	case RangeSemver, RangeEcosystem, RangeGit:
	default:
		return fmt.Errorf("unknown range type %q (want SEMVER, ECOSYSTEM or GIT)", rg.Type)
	}
	if len(rg.Events) == 0 {
		return fmt.Errorf("no events")
	}
	if rg.Type == RangeGit && rg.Repo == "" {
		return fmt.Errorf("GIT range without repo")
	}
	introduced, fixed, lastAffected := false, false, false
	for _, e := range rg.Events {
		switch kind, _ := e.kind(); kind {
		case kindIntroduced:
			introduced = true
		case kindFixed:
			fixed = true
		case kindLastAffected:
			lastAffected = true
		}
	}
	if !introduced {
		return fmt.Errorf("no introduced event")
	}
	if fixed && lastAffected {
		return fmt.Errorf("fixed and last_affected events in one range (the schema forbids it)")
	}
	if rg.Type == RangeGit {
		return nil
	}
	rg.ord = orderingFor(rg.Type, ecosystem)
	if rg.ord == nil {
		return nil // an ecosystem glassbox cannot order: matched by its versions list only
	}
	sorted, limits, err := sortEvents(rg.ord, rg.Events)
	if err != nil {
		return err
	}
	rg.sorted, rg.limits = sorted, limits
	return nil
}
