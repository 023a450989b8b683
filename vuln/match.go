package vuln

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"glassbox.dev"
)

// affects reports whether version v is affected according to one affected
// entry, evaluating it as the OSV schema specifies: v is affected when it
// is in the versions list or in any SEMVER or ECOSYSTEM range. GIT ranges
// name commits, which components do not carry; they are ignored (and so
// are ranges of an ecosystem glassbox cannot order).
//
// It also reports whether v is at or past a fixed event of a range v is
// not affected by (the record names the package and this version is
// resolved), and the fixed versions of the entry.
func (a *Affected) affects(v string, keys versionKeys) (affected, resolved bool, err error) {
	for _, lv := range a.Versions {
		if versionEqual(a.Package.Ecosystem, lv, v) {
			return true, false, nil
		}
	}
	for i := range a.Ranges {
		rg := &a.Ranges[i]
		if rg.ord == nil {
			continue // GIT, or an ecosystem without an ordering
		}
		kv, err := keys.get(rg.ord, v)
		if err != nil {
			return false, false, fmt.Errorf("installed version: %w", err)
		}
		in, past := includedInRange(kv, rg.sorted, rg.limits)
		if in {
			return true, false, nil
		}
		resolved = resolved || past
	}
	return false, resolved, nil
}

// unordered reports whether an entry has ranges but none that glassbox
// can evaluate (GIT ranges, or ECOSYSTEM ranges of an ecosystem without
// an ordering): such an entry is judged by its versions list alone.
func (a *Affected) unordered() bool {
	for i := range a.Ranges {
		if a.Ranges[i].ord != nil {
			return false
		}
	}
	return len(a.Ranges) > 0
}

// versionKeys caches an installed version parsed by each ordering, so
// that a component is parsed once, not once per range.
type versionKeys map[ordering]parsedKey

type parsedKey struct {
	k   key
	err error
}

func (c versionKeys) get(o ordering, v string) (key, error) {
	if p, ok := c[o]; ok {
		return p.k, p.err
	}
	k, err := o.parse(v)
	c[o] = parsedKey{k, err}
	return k, err
}

// versionEqual compares an entry of a versions list with an installed
// version: as keys of the ecosystem's ordering where it has one (so Go's
// "v1.2.3" equals the record's "1.2.3"), as strings otherwise.
func versionEqual(ecosystem, listed, v string) bool {
	if listed == v {
		return true
	}
	ord := orderingFor(RangeEcosystem, ecosystem)
	if ord == nil {
		return false
	}
	a, err1 := ord.parse(listed)
	b, err2 := ord.parse(v)
	return err1 == nil && err2 == nil && a.cmp(b) == 0
}

// sortedEvent is an event with its version parsed; zero marks
// introduced "0", which sorts before every version.
type sortedEvent struct {
	kind int
	zero bool
	v    key
}

// sortEvents parses a range's events and sorts them as the OSV schema's
// evaluation does: by version, introduced "0" first, and at one version
// introduced before fixed before last_affected. Limits are kept apart.
func sortEvents(ord ordering, events []Event) ([]sortedEvent, []key, error) {
	evs := make([]sortedEvent, 0, len(events))
	var limits []key
	for k, e := range events {
		kind, s := e.kind()
		se := sortedEvent{kind: kind}
		if kind == kindIntroduced && s == "0" {
			se.zero = true
		} else {
			v, err := ord.parse(s)
			if err != nil {
				return nil, nil, fmt.Errorf("events[%d]: %w", k, err)
			}
			se.v = v
		}
		if kind == kindLimit {
			limits = append(limits, se.v)
			continue
		}
		evs = append(evs, se)
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.zero || b.zero {
			return a.zero && !b.zero
		}
		if c := a.v.cmp(b.v); c != 0 {
			return c < 0
		}
		return a.kind < b.kind
	})
	return evs, limits, nil
}

// includedInRange is the OSV schema's evaluation over sorted events: walk
// them — introduced at or below v makes v affected, fixed at or below v
// and last_affected below v make it not — and finally v must be below
// some limit if the range has limits. past is true when v is not affected
// and a fixed or last_affected event at or below v ended an affected
// interval.
func includedInRange(v key, evs []sortedEvent, limits []key) (in, past bool) {
	for _, e := range evs {
		switch {
		case e.kind == kindIntroduced && (e.zero || v.cmp(e.v) >= 0):
			in = true
		case e.kind == kindFixed && v.cmp(e.v) >= 0:
			past = past || in
			in = false
		case e.kind == kindLastAffected && v.cmp(e.v) > 0:
			past = past || in
			in = false
		}
	}
	if in && len(limits) > 0 {
		below := false
		for _, l := range limits {
			if v.cmp(l) < 0 {
				below = true
			}
		}
		in = below
	}
	return in, past && !in
}

// fixedVersions lists the fixed events of an entry's ranges that are
// above v (the versions that would resolve it), in ascending order.
func (a *Affected) fixedVersions(v string) []string {
	var out []string
	for i := range a.Ranges {
		rg := &a.Ranges[i]
		if rg.ord == nil {
			continue
		}
		kv, err := rg.ord.parse(v)
		if err != nil {
			continue
		}
		for _, e := range rg.Events {
			if e.Fixed == "" {
				continue
			}
			kf, err := rg.ord.parse(e.Fixed)
			if f := goSpelling(a.Package.Ecosystem, e.Fixed); err == nil && kf.cmp(kv) > 0 && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// goSpelling writes a fixed version as its ecosystem's tools take it: the
// Go database's records write "2.2.8", go get and go.mod "v2.2.8".
func goSpelling(ecosystem, v string) string {
	if baseEcosystem(ecosystem) == "Go" && v != "" && !strings.HasPrefix(v, "v") {
		return "v" + v
	}
	return v
}

// Status is a vulnerability's VEX state for a release, in CycloneDX's
// words.
type Status string

// Statuses.
const (
	StatusAffected    Status = "affected"     // the vulnerable code is present and reachable, or reachability is unknown
	StatusNotAffected Status = "not_affected" // present in a dependency but not reachable (Justification says why)
	StatusResolved    Status = "resolved"     // the record names the component, and the installed version is past the fix
)

// Match is one component one record says is affected (or resolved).
type Match struct {
	Component glassbox.Component `json:"component"`
	Record    string             `json:"record"` // the OSV id of the record that matched
	Fixed     []string           `json:"fixed,omitempty"`
	Status    Status             `json:"status"`
	// Reachability is filled in for Go by Reach; nil means unknown.
	Reachability *Reachability `json:"reachability,omitempty"`
}

// Vulnerability is one row of a report: the records that describe one
// vulnerability (joined through their ids and aliases), and the components
// it matched.
type Vulnerability struct {
	// ID is the primary id: the ecosystem database's own (GO-, RUSTSEC-,
	// PYSEC-), else a GHSA, else the smallest, so that the choice is the
	// same from run to run.
	ID       string   `json:"id"`
	IDs      []string `json:"ids"`     // every id and alias, primary first, then sorted
	Records  []string `json:"records"` // the ids of the matched records, sorted
	Summary  string   `json:"summary,omitempty"`
	Severity Rating   `json:"severity"`
	Matches  []Match  `json:"matches"`
	// Status sums the matches up: affected if any is, else not_affected
	// if any is, else resolved.
	Status        Status      `json:"status"`
	Justification string      `json:"justification,omitempty"`
	Detail        string      `json:"detail,omitempty"`
	Published     string      `json:"published,omitempty"`
	Modified      string      `json:"modified,omitempty"`
	References    []Reference `json:"references,omitempty"`
}

// MatchOptions tunes Match.
type MatchOptions struct {
	// Resolved also lists, as resolved, records that name a component
	// whose installed version is past their fix.
	Resolved bool
}

// Problem is a component that could not be matched, and why.
type Problem struct {
	Component glassbox.Component `json:"component"`
	Record    string             `json:"record,omitempty"`
	Problem   string             `json:"problem"`
}

// Match returns the vulnerabilities of components, one row per
// vulnerability with aliases merged, sorted by primary id; and the
// components it could not judge (a version the ecosystem's ordering
// cannot read), which must not be taken for clean.
func (db *Database) Match(components []glassbox.Component, o MatchOptions) ([]Vulnerability, []Problem) {
	var matches []Match
	var problems []Problem
	records := map[string]*Record{}
	for _, c := range components {
		pkey, ok := componentKey(c)
		if !ok {
			continue
		}
		version := c.Version
		keys := versionKeys{}
		for _, ref := range db.index[pkey] {
			r := db.Records[ref.record]
			if r.Withdrawn != nil {
				continue
			}
			a := &r.Affected[ref.affected]
			aff, res, err := a.affects(version, keys)
			if err != nil {
				problems = append(problems, Problem{Component: c, Record: r.ID, Problem: err.Error()})
				continue
			}
			if !aff && a.unordered() {
				problems = append(problems, Problem{Component: c, Record: r.ID, Problem: "the record names this package only with GIT ranges (commits) or ranges of an ecosystem glassbox cannot order; only its versions list was checked"})
			}
			switch {
			case aff:
				matches = append(matches, Match{Component: c, Record: r.ID, Fixed: a.fixedVersions(version), Status: StatusAffected})
			case res && o.Resolved:
				matches = append(matches, Match{Component: c, Record: r.ID, Status: StatusResolved})
			default:
				continue
			}
			records[r.ID] = r
		}
	}
	return group(matches, records), problems
}

// group merges matches whose records share an id or alias (or name one
// another as upstream) into one Vulnerability each.
func group(matches []Match, records map[string]*Record) []Vulnerability {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		root := find(p)
		parent[x] = root
		return root
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			if ra < rb {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	for id, r := range records {
		find(id)
		for _, a := range r.Aliases {
			union(id, a)
		}
		for _, u := range r.Upstream {
			union(id, u)
		}
	}
	byRoot := map[string]*Vulnerability{}
	for _, m := range matches {
		root := find(m.Record)
		v := byRoot[root]
		if v == nil {
			v = &Vulnerability{}
			byRoot[root] = v
		}
		dup := false
		for _, old := range v.Matches {
			if old.Record == m.Record && sameComponent(old.Component, m.Component) {
				dup = true
			}
		}
		if !dup {
			v.Matches = append(v.Matches, m)
		}
	}
	out := make([]Vulnerability, 0, len(byRoot))
	for _, v := range byRoot {
		ids := map[string]bool{}
		recs := map[string]bool{}
		for _, m := range v.Matches {
			recs[m.Record] = true
		}
		for id := range recs {
			r := records[id]
			ids[id] = true
			for _, a := range r.Aliases {
				ids[a] = true
			}
			for _, u := range r.Upstream {
				ids[u] = true
			}
		}
		v.Records = sortedKeys(recs)
		v.ID = primaryID(v.Records)
		v.IDs = []string{v.ID}
		for _, id := range sortedKeys(ids) {
			if id != v.ID {
				v.IDs = append(v.IDs, id)
			}
		}
		// The primary record speaks for the row; the others add severity.
		pr := records[v.ID]
		v.Summary = pr.Summary
		if v.Summary == "" {
			v.Summary = firstLine(pr.Details)
		}
		if pr.Published != nil {
			v.Published = pr.Published.UTC().Format("2006-01-02T15:04:05Z")
		}
		if !pr.Modified.IsZero() {
			v.Modified = pr.Modified.UTC().Format("2006-01-02T15:04:05Z")
		}
		v.References = pr.References
		for _, id := range v.Records {
			v.Severity = maxRating(v.Severity, recordRating(records[id]))
		}
		sort.Slice(v.Matches, func(i, j int) bool {
			a, b := v.Matches[i], v.Matches[j]
			if a.Component.Name != b.Component.Name {
				return a.Component.Name < b.Component.Name
			}
			if a.Component.Version != b.Component.Version {
				return a.Component.Version < b.Component.Version
			}
			if a.Component.Source != b.Component.Source {
				return a.Component.Source < b.Component.Source
			}
			return a.Record < b.Record
		})
		v.summarise()
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// summarise sets the row's status from its matches.
func (v *Vulnerability) summarise() {
	v.Status, v.Justification, v.Detail = StatusResolved, "", ""
	for _, m := range v.Matches {
		if m.Status == StatusResolved {
			continue
		}
		st, just, detail := m.vex()
		switch {
		case st == StatusAffected:
			v.Status, v.Justification, v.Detail = st, "", detail
			return
		case v.Status == StatusResolved:
			v.Status, v.Justification, v.Detail = st, just, detail
		}
	}
	if v.Status == StatusResolved {
		v.Detail = "the installed version is past the fix"
	}
}

// Affects reports whether the match leaves its component affected: its
// VEX state, after reachability, is affected.
func (m Match) Affects() bool {
	st, _, _ := m.vex()
	return st == StatusAffected
}

// vex is a match's VEX state, justification and a sentence saying why.
func (m Match) vex() (Status, string, string) {
	if m.Status == StatusResolved {
		return StatusResolved, "", "the installed version is past the fix"
	}
	r := m.Reachability
	if r == nil {
		return StatusAffected, "", "reachability unknown: no symbol-level analysis for this component"
	}
	switch r.State {
	case ReachCalled:
		return StatusAffected, "", "vulnerable symbol called: " + strings.Join(r.Symbols, ", ")
	case ReachImported:
		return StatusNotAffected, JustificationNotReachable, "a vulnerable package is " + r.how() + " but no vulnerable symbol is called"
	case ReachRequired:
		return StatusNotAffected, JustificationNotPresent, "the module is required but no vulnerable package is " + r.how()
	}
	return StatusAffected, "", "reachability unknown: " + r.Note
}

// CycloneDX justifications glassbox uses.
const (
	JustificationNotReachable = "code_not_reachable"
	JustificationNotPresent   = "code_not_present"
)

// primaryID picks the row's id among its records' ids.
func primaryID(ids []string) string {
	rank := func(id string) int {
		for i, p := range []string{"GO-", "RUSTSEC-", "PYSEC-", "GHSA-"} {
			if strings.HasPrefix(id, p) {
				return i
			}
		}
		if strings.HasPrefix(id, "CVE-") {
			return 6
		}
		return 5
	}
	best := ids[0]
	for _, id := range ids[1:] {
		if rank(id) < rank(best) || rank(id) == rank(best) && id < best {
			best = id
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// packageKey is how the index names a package: PyPI names are
// normalised (PEP 503), as pip compares them; others are exact.
func packageKey(ecosystem, name string) string {
	if baseEcosystem(ecosystem) == "PyPI" {
		name = strings.ToLower(name)
		name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
		for strings.Contains(name, "--") {
			name = strings.ReplaceAll(name, "--", "-")
		}
	}
	return ecosystem + "\x00" + name
}

// fromPURL reads the ecosystem and name of a package URL, for components
// that carry only one.
func fromPURL(purl string) (ecosystem, name string) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "", ""
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[:i]
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok {
		return "", ""
	}
	path = strings.NewReplacer("%40", "@", "%2F", "/", "%2f", "/").Replace(path)
	switch strings.ToLower(typ) {
	case "golang":
		return "Go", path
	case "npm":
		return "npm", path
	case "pypi":
		return "PyPI", path
	case "cargo":
		return "crates.io", path
	case "maven":
		return "Maven", strings.Replace(path, "/", ":", 1)
	}
	return "", ""
}

func sameComponent(a, b glassbox.Component) bool {
	return a.Ecosystem == b.Ecosystem && a.Name == b.Name && a.Version == b.Version && a.Source == b.Source
}
