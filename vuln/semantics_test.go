package vuln

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
)

// record builds a record for one Go module from the JSON of its affected
// entry's ranges and versions.
func record(t *testing.T, id, ecosystem, name, rest string) *Record {
	t.Helper()
	js := fmt.Sprintf(`{"id": %q, "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": %q, "name": %q}%s}]}`, id, ecosystem, name, rest)
	r, err := Parse(id+".json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dbOf(rs ...*Record) *Database {
	l := NewLoader()
	for _, r := range rs {
		l.AddRecord(r.ID, r.Raw)
	}
	return l.Database()
}

// TestEventSemantics is the OSV schema's evaluation, case by case.
func TestEventSemantics(t *testing.T) {
	cases := []struct {
		name, ranges string
		affected     []string
		not          []string
	}{
		{"introduced 0 with no end affects everything", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]`,
			[]string{"v0.0.0-20190101000000-abcdefabcdef", "v0.0.1", "v9.9.9"}, nil},
		{"fixed is exclusive", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.0"}]}]`,
			[]string{"v1.0.0", "v1.1.9", "v1.2.0-rc.1"}, []string{"v0.9.0", "v1.0.0-rc.1", "v1.2.0", "v2.0.0"}},
		{"last_affected is inclusive", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}]}]`,
			[]string{"v1.0.0", "v1.2.0"}, []string{"v1.2.1", "v1.2.1-0.20200101000000-abcdefabcdef", "v0.1.0"}},
		{"limit bounds an open range", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "2.0.0"}]}]`,
			[]string{"v1.9.9"}, []string{"v2.0.0", "v3.0.0"}},
		{"multiple intervals in one range, events out of order", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"fixed": "1.5.0"}, {"introduced": "1.0.0"}, {"fixed": "2.3.0"}]}]`,
			[]string{"v1.0.0", "v1.4.9", "v2.0.0", "v2.2.0"}, []string{"v0.9.0", "v1.5.0", "v1.9.9", "v2.3.0"}},
		{"multiple ranges are a union", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}, {"type": "SEMVER", "events": [{"introduced": "3.0.0"}, {"fixed": "3.1.0"}]}]`,
			[]string{"v0.5.0", "v3.0.5"}, []string{"v1.0.0", "v2.0.0", "v3.1.0"}},
		{"versions list alone", `"versions": ["1.0.0", "1.0.1"]`,
			[]string{"v1.0.0", "v1.0.1"}, []string{"v1.0.2", "v0.9.0"}},
		{"versions list and a range", `"versions": ["5.0.0"], "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]`,
			[]string{"v5.0.0", "v0.1.0"}, []string{"v1.0.0", "v5.0.1"}},
		{"GIT ranges are ignored", `"ranges": [{"type": "GIT", "repo": "https://example.com/r", "events": [{"introduced": "0"}]}]`,
			nil, []string{"v1.0.0"}},
		{"introduced and fixed at the same version is empty", `"ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.0"}]}]`,
			nil, []string{"v1.0.0", "v0.1.0"}},
	}
	for _, c := range cases {
		db := dbOf(record(t, "GO-2024-0001", "Go", "example.com/m", ", "+c.ranges))
		for _, v := range c.affected {
			if vulns, p := db.Match([]glassbox.Component{goComponent("example.com/m", v)}, MatchOptions{}); len(vulns) != 1 || len(p) > 0 {
				t.Errorf("%s: %s should be affected (%v)", c.name, v, p)
			}
		}
		for _, v := range c.not {
			vulns, p := db.Match([]glassbox.Component{goComponent("example.com/m", v)}, MatchOptions{})
			// Only GIT ranges: not affected, with a note saying so.
			gitOnly := strings.HasPrefix(c.name, "GIT")
			if len(vulns) != 0 || (len(p) > 0) != gitOnly {
				t.Errorf("%s: %s should not be affected (problems %v)", c.name, v, p)
			}
		}
	}
}

func TestWithdrawnSkipped(t *testing.T) {
	js := `{"id": "GO-2024-0002", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}`
	l := NewLoader()
	l.AddRecord("w.json", []byte(js))
	db := l.Database()
	if vulns, _ := db.Match([]glassbox.Component{goComponent("example.com/m", "v1.0.0")}, MatchOptions{}); len(vulns) != 0 {
		t.Errorf("a withdrawn record matched: %+v", vulns)
	}
	if db.Stats().Withdrawn != 1 {
		t.Errorf("withdrawn not counted")
	}
}

// TestAliasesMerged: the Go record and a GHSA that share a CVE are one
// row, with the Go id primary and every id listed; an unrelated record
// stays its own row.
func TestAliasesMerged(t *testing.T) {
	ev := `, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]`
	goRec := record(t, "GO-2024-0003", "Go", "example.com/m", ev)
	goRec.Aliases = []string{"CVE-2024-1111"}
	ghsa := record(t, "GHSA-aaaa-bbbb-cccc", "Go", "example.com/m", ev)
	ghsa.Aliases = []string{"CVE-2024-1111"}
	other := record(t, "GHSA-dddd-eeee-ffff", "Go", "example.com/m", ev)
	// Rewrite Raw so the loader sees the aliases.
	for _, r := range []*Record{goRec, ghsa} {
		var m map[string]any
		json.Unmarshal(r.Raw, &m)
		m["aliases"] = r.Aliases
		r.Raw, _ = json.Marshal(m)
	}
	db := dbOf(goRec, ghsa, other)
	vulns, _ := db.Match([]glassbox.Component{goComponent("example.com/m", "v0.5.0")}, MatchOptions{})
	if len(vulns) != 2 {
		t.Fatalf("%d rows, want 2: %+v", len(vulns), vulns)
	}
	// Rows sort by primary id: GHSA-dddd… before GO-2024-0003.
	v := vulns[1]
	if v.ID != "GO-2024-0003" || !slices.Equal(v.IDs, []string{"GO-2024-0003", "CVE-2024-1111", "GHSA-aaaa-bbbb-cccc"}) || len(v.Matches) != 2 {
		t.Errorf("merged row %+v", v)
	}
	if slices.Equal(v.Matches[0].Fixed, []string{"v1.0.0"}) == false { // spelled as Go's tools take it
		t.Errorf("fixed %v", v.Matches[0].Fixed)
	}
	if vulns[0].ID != "GHSA-dddd-eeee-ffff" {
		t.Errorf("first row %s", vulns[0].ID)
	}
	// Resolved: past the fix, listed only when asked.
	if vulns, _ := db.Match([]glassbox.Component{goComponent("example.com/m", "v1.0.0")}, MatchOptions{Resolved: true}); len(vulns) != 2 || vulns[0].Status != StatusResolved {
		t.Errorf("resolved rows %+v", vulns)
	}
}

func TestSeverity(t *testing.T) {
	for vector, want := range map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": 9.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H": 7.5,
		"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N": 6.4,
		"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N": 1.8,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H": 10,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N": 0,
	} {
		if got, ok := cvss3Score(vector); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", vector, got, ok, want)
		}
	}
	if _, ok := cvss3Score("CVSS:3.1/AV:X"); ok {
		t.Error("a broken vector scored")
	}
	r := &Record{Severity: []Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}, DatabaseSpecific: json.RawMessage(`{"severity": "MODERATE"}`)}
	if rt := recordRating(r); rt.Level != glassbox.SeverityHigh || rt.Score != 7.5 {
		t.Errorf("rating %+v", rt)
	}
	r = &Record{DatabaseSpecific: json.RawMessage(`{"severity": "CRITICAL"}`)}
	if rt := recordRating(r); rt.Level != glassbox.SeverityCritical {
		t.Errorf("rating %+v", rt)
	}
}

// TestOrderings lists versions in ascending order per ecosystem; every
// pair must compare as its positions do.
func TestOrderings(t *testing.T) {
	cases := map[string][]string{
		"Go":    {"v0.0.0-20190101000000-abcdefabcdef", "v0.0.1", "v1.0.0-rc.1", "v1.0.0", "1.0.1", "v1.2.3-0.20200101000000-abcdefabcdef", "v1.2.3", "v2.0.0+incompatible", "v10.0.0"},
		"npm":   {"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.10.0"},
		"PyPI":  {"0.9", "1.0.dev0", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0+local.1", "1.0.post1.dev0", "1.0.post1", "1.1", "1!0.1"},
		"Maven": {"1-alpha", "1.0-alpha1", "1.0-beta-1", "1.0-milestone-1", "1.0-rc1", "1.0-SNAPSHOT", "1.0", "1.0-sp1", "1.0-whatever", "1.0.1", "1.1", "2.0"},
	}
	for eco, vs := range cases {
		for i := range vs {
			for j := range vs {
				c, err := Compare(eco, vs[i], vs[j])
				if err != nil {
					t.Fatalf("%s %s vs %s: %v", eco, vs[i], vs[j], err)
				}
				if want := cmpInt(i, j); c != want {
					t.Errorf("%s: Compare(%s, %s) = %d, want %d", eco, vs[i], vs[j], c, want)
				}
			}
		}
	}
	equal := map[string][][2]string{
		"PyPI":  {{"1.0", "1.0.0"}, {"1.0alpha1", "1.0a1"}, {"1.0-1", "1.0.post1"}, {"1.0c1", "1.0rc1"}, {"V1.0", "1.0"}},
		"Maven": {{"1.0", "1"}, {"1.0.0", "1"}, {"1.0-ga", "1"}, {"1.0-final", "1"}, {"1a1", "1-alpha-1"}, {"1.0-CR1", "1.0-rc1"}},
		"Go":    {{"go1.21.3", "v1.21.3"}, {"go1.21", "1.21.0"}, {"go1.22rc1", "1.22.0-rc.1"}},
	}
	for eco, pairs := range equal {
		for _, p := range pairs {
			if c, err := Compare(eco, p[0], p[1]); err != nil || c != 0 {
				t.Errorf("%s: %s and %s should be equal (%d, %v)", eco, p[0], p[1], c, err)
			}
		}
	}
	for eco, bad := range map[string]string{"Go": "v1.2", "npm": "1.0.0-", "PyPI": "1.0-foo", "Maven": ""} {
		if _, err := Compare(eco, bad, bad); err == nil {
			t.Errorf("%s: %q should not parse", eco, bad)
		}
	}
	if _, err := Compare("Debian", "1", "2"); err == nil {
		t.Error("an ecosystem without an ordering compared")
	}
}

// TestOtherEcosystemsUseVersionsLists: for an ecosystem glassbox cannot
// order, the versions list still matches and the range is not guessed.
func TestOtherEcosystemsUseVersionsLists(t *testing.T) {
	db := dbOf(record(t, "OSV-2024-1", "Packagist", "vendor/pkg", `, "versions": ["1.2.3"], "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]`))
	if v, _ := db.Match([]glassbox.Component{{Ecosystem: "Packagist", Name: "vendor/pkg", Version: "1.2.3"}}, MatchOptions{}); len(v) != 1 {
		t.Error("the versions list did not match")
	}
	if v, p := db.Match([]glassbox.Component{{Ecosystem: "Packagist", Name: "vendor/pkg", Version: "1.2.4"}}, MatchOptions{}); len(v) != 0 || len(p) != 1 || !strings.Contains(p[0].Problem, "only its versions list") {
		t.Errorf("an unordered range: %v, problems %v (want a note that only the versions list was checked)", v, p)
	}
	// A PyPI component by purl, with a non-normalised name.
	db = dbOf(record(t, "PYSEC-2024-1", "PyPI", "Django_Rest", `, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]`))
	if v, _ := db.Match([]glassbox.Component{{PURL: "pkg:pypi/django-rest@1.9", Version: "1.9"}}, MatchOptions{}); len(v) != 1 {
		t.Error("PyPI by purl with a normalised name did not match")
	}
	db = dbOf(record(t, "GHSA-2024-mvn1-aaaa", "Maven", "org.example:lib", `, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.9.10.1"}]}]`))
	if v, _ := db.Match([]glassbox.Component{{Ecosystem: "Maven", Name: "org.example:lib", Version: "2.9.10"}}, MatchOptions{}); len(v) != 1 {
		t.Error("Maven range did not match")
	}
}

// TestMavenComparableVersion runs the orderings and equalities of Maven's
// own ComparableVersionTest.
func TestMavenComparableVersion(t *testing.T) {
	for _, vs := range [][]string{
		{"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123"},
		{"2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m"},
	} {
		for i := range vs {
			for j := range vs {
				if c, err := Compare("Maven", vs[i], vs[j]); err != nil || c != cmpInt(i, j) {
					t.Errorf("Compare(%s, %s) = %d, %v; want %d", vs[i], vs[j], c, err, cmpInt(i, j))
				}
			}
		}
	}
	for _, p := range [][2]string{
		{"1", "1.0"}, {"1", "1.0.0"}, {"1.0", "1.0.0"}, {"1", "1-0"}, {"1", "1.0-0"}, {"1.0", "1.0-0"},
		{"1a", "1-a"}, {"1a", "1.0-a"}, {"1a", "1.0.0-a"}, {"1.0a", "1-a"}, {"1.0.0a", "1-a"},
		{"1x", "1-x"}, {"1x", "1.0-x"}, {"1x", "1.0.0-x"}, {"1.0x", "1-x"}, {"1.0.0x", "1-x"},
		{"1ga", "1"}, {"1release", "1"}, {"1final", "1"}, {"1cr", "1rc"},
		{"1a1", "1-alpha-1"}, {"1b2", "1-beta-2"}, {"1m3", "1-milestone-3"},
		{"1X", "1x"}, {"1A", "1a"}, {"1RELEASE", "1release"}, {"1FINAL", "1final"}, {"1Cr", "1Rc"},
	} {
		if c, err := Compare("Maven", p[0], p[1]); err != nil || c != 0 {
			t.Errorf("%s and %s should be equal: %d, %v", p[0], p[1], c, err)
		}
	}
}

// TestPEP440Ordering is the ordering example of PEP 440 itself.
func TestPEP440Ordering(t *testing.T) {
	vs := []string{"1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
		"1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1"}
	for i := range vs {
		for j := range vs {
			if c, err := Compare("PyPI", vs[i], vs[j]); err != nil || c != cmpInt(i, j) {
				t.Errorf("Compare(%s, %s) = %d, %v; want %d", vs[i], vs[j], c, err, cmpInt(i, j))
			}
		}
	}
}

// TestFixAdviceIsUsableWithGoGet: the Go database writes fixed versions
// without Go's "v" ("2.2.8"); the advice glassbox gives spells them as
// go get and go.mod take them, gopkg.in/yaml.v2@v2.2.8.
func TestFixAdviceIsUsableWithGoGet(t *testing.T) {
	rec := record(t, "GO-2099-0301", "Go", "gopkg.in/yaml.v2", `, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.2.8"}]}]`)
	vulns, _ := dbOf(rec).Match([]glassbox.Component{goComponent("gopkg.in/yaml.v2", "v2.2.7")}, MatchOptions{})
	if len(vulns) != 1 || !slices.Equal(vulns[0].Matches[0].Fixed, []string{"v2.2.8"}) {
		t.Fatalf("matches %+v, want one fixed in v2.2.8", vulns)
	}
	var b strings.Builder
	if err := WriteCycloneDX(&b, &Report{Target: "t", Components: []glassbox.Component{goComponent("gopkg.in/yaml.v2", "v2.2.7")}, Vulnerabilities: vulns}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "upgrade to a fixed version: gopkg.in/yaml.v2@v2.2.8") {
		t.Errorf("the VEX's recommendation is not go get's spelling:\n%s", b.String())
	}
}
