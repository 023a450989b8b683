package vuln

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"glassbox.dev"
)

// DefaultMaxAge is how old the vulnerability data may be before a check
// against it says nothing: OSV's larger ecosystems publish advisories
// every few days, so data a week old has probably missed some.
const DefaultMaxAge = 7 * 24 * time.Hour

// Coverage says what a match could speak for: how many records the
// database holds for each ecosystem of the components, which ecosystems
// it holds none for, and how old its data is. A match that is silent
// about an ecosystem, or that used stale data, establishes nothing.
type Coverage struct {
	// Components counts the components matched per ecosystem ("C/C++"
	// for vendored libraries no OSV ecosystem names).
	Components map[string]int `json:"components"`
	// Records counts the database's records per ecosystem, all of them.
	Records map[string]int `json:"records"`
	// Uncovered are the components' ecosystems with no record.
	Uncovered []string `json:"uncovered,omitempty"`
	// DataAsOf is the newest modified or published time of any record:
	// the data is at least that recent, and no more can be proven.
	DataAsOf *time.Time `json:"data_as_of,omitempty"`
	// At is when the coverage was judged; Age is At - DataAsOf.
	At     time.Time     `json:"at"`
	Age    time.Duration `json:"age_ns"`
	MaxAge time.Duration `json:"max_age_ns"`
}

// EcosystemLabel names a component's ecosystem in reports: OSV's name, or
// "C/C++" for a vendored library no OSV ecosystem covers.
func EcosystemLabel(e string) string {
	if e == "" {
		return "C/C++"
	}
	return baseEcosystem(e)
}

// Coverage judges what matching components against the snapshot can
// establish at time now, with data no older than maxAge (DefaultMaxAge if
// zero or negative).
func (s *Snapshot) Coverage(components []glassbox.Component, now time.Time, maxAge time.Duration) Coverage {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	c := Coverage{Components: map[string]int{}, Records: map[string]int{}, At: now.UTC(), MaxAge: maxAge}
	for e, n := range s.Ecosystems {
		c.Records[e] = n
	}
	for _, x := range components {
		c.Components[EcosystemLabel(x.Ecosystem)]++
	}
	for e := range c.Components {
		if c.Records[e] == 0 {
			c.Uncovered = append(c.Uncovered, e)
		}
	}
	sort.Strings(c.Uncovered)
	for _, t := range []*time.Time{s.NewestModified, s.NewestPublished} {
		if t != nil && !t.IsZero() && (c.DataAsOf == nil || t.After(*c.DataAsOf)) {
			u := t.UTC()
			c.DataAsOf = &u
		}
	}
	if c.DataAsOf != nil {
		c.Age = c.At.Sub(*c.DataAsOf)
	}
	return c
}

// Gaps lists why a match under this coverage cannot declare the
// components free of known vulnerabilities; none means it can.
func (c Coverage) Gaps() []string {
	var gaps []string
	if len(c.Components) == 0 {
		gaps = append(gaps, "the release names no component (no manifest, no build information), so nothing could be matched")
	}
	for _, e := range c.Uncovered {
		if e == "C/C++" {
			gaps = append(gaps, fmt.Sprintf("%d C/C++ components (known by their headers' version macros) belong to no OSV ecosystem, so no imported advisory can name them", c.Components[e]))
			continue
		}
		gaps = append(gaps, fmt.Sprintf("the database holds no %s advisories for the %d %s components (import OSV's %s/all.zip)", e, c.Components[e], e, e))
	}
	switch {
	case c.DataAsOf == nil:
		gaps = append(gaps, "the database's records carry no modified or published time, so its age is unknown")
	case c.Age > c.MaxAge:
		gaps = append(gaps, fmt.Sprintf("the database's newest record is from %s, %s old, over the allowed %s (import a current OSV export)",
			c.DataAsOf.Format("2006-01-02"), days(c.Age), days(c.MaxAge)))
	}
	return gaps
}

// String says what was covered, in one line.
func (c Coverage) String() string {
	var parts []string
	for _, e := range sortedKeys(c.Components) {
		parts = append(parts, fmt.Sprintf("%s: %d components, %d advisories", e, c.Components[e], c.Records[e]))
	}
	s := "ecosystems " + strings.Join(parts, "; ")
	if len(parts) == 0 {
		s = "no components"
	}
	if c.DataAsOf != nil {
		s += fmt.Sprintf("; data as of %s (%s old, %s allowed)", c.DataAsOf.Format("2006-01-02"), days(c.Age), days(c.MaxAge))
	} else {
		s += "; data of unknown age"
	}
	return s
}

// days writes a duration in days, the unit an advisory feed's age is
// thought of in.
func days(d time.Duration) string {
	n := d.Hours() / 24
	if n < 1 {
		return fmt.Sprintf("%.0f hours", d.Hours())
	}
	return fmt.Sprintf("%.0f days", n)
}
