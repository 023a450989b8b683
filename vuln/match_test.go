package vuln

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"glassbox.dev"
)

// goZip is the whole Go vulnerability database as OSV publishes it
// (testdata/osv/Go/SOURCE.txt says which commit, and its licence).
const goZip = "testdata/osv/Go/all.zip"

func loadZip(t testing.TB, path string) *Database {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoader()
	if err := l.AddZip(path, f, fi.Size()); err != nil {
		t.Fatal(err)
	}
	return l.Database()
}

// refRecord is what the reference matcher reads of a record: plain maps,
// decoded without any of the package's types.
type refRecord struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Upstream  []string `json:"upstream"`
	Withdrawn string   `json:"withdrawn"`
	Affected  []struct {
		Package  map[string]string `json:"package"`
		Versions []string          `json:"versions"`
		Ranges   []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

func readRefRecords(t testing.TB, path string) []refRecord {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []refRecord
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		var r refRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out = append(out, r)
	}
	return out
}

// refAffected is the reference evaluation, written differently from the
// package's sort-and-walk on purpose: v (a Go module version, "v"
// prefixed) is in a range when some introduced event is at or below it
// and no fixed event in [introduced, v] and no last_affected event in
// [introduced, v) ends it, and it is below a limit if there are limits.
func refAffected(v string, events []map[string]string) bool {
	sv := func(s string) string {
		if s == "0" {
			return "v0.0.0-0"
		}
		return "v" + s
	}
	var limits []string
	for _, e := range events {
		if l, ok := e["limit"]; ok {
			limits = append(limits, sv(l))
		}
	}
	if len(limits) > 0 && !slices.ContainsFunc(limits, func(l string) bool { return semver.Compare(v, l) < 0 }) {
		return false
	}
	for _, e := range events {
		in, ok := e["introduced"]
		if !ok || (in != "0" && semver.Compare(sv(in), v) > 0) {
			continue
		}
		ended := false
		for _, x := range events {
			if f, ok := x["fixed"]; ok && semver.Compare(sv(f), sv(in)) >= 0 && semver.Compare(sv(f), v) <= 0 {
				ended = true
			}
			if la, ok := x["last_affected"]; ok && semver.Compare(sv(la), sv(in)) >= 0 && semver.Compare(sv(la), v) < 0 {
				ended = true
			}
		}
		if !ended {
			return true
		}
	}
	return false
}

// refMatch returns, for each component, the sorted ids of the records the
// reference matcher finds affecting it.
func refMatch(records []refRecord, module, version string) []string {
	var ids []string
	for _, r := range records {
		if r.Withdrawn != "" {
			continue
		}
		hit := false
		for _, a := range r.Affected {
			if a.Package["ecosystem"] != "Go" || a.Package["name"] != module {
				continue
			}
			for _, lv := range a.Versions {
				if "v"+lv == version {
					hit = true
				}
			}
			for _, rg := range a.Ranges {
				if rg.Type == "SEMVER" && refAffected(version, rg.Events) {
					hit = true
				}
			}
		}
		if hit {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// refGroups merges ids through aliases and upstream until nothing
// changes, and returns the groups of record ids as sorted, joined strings.
func refGroups(records []refRecord, ids []string) []string {
	byID := map[string]refRecord{}
	for _, r := range records {
		byID[r.ID] = r
	}
	names := func(id string) map[string]bool {
		m := map[string]bool{id: true}
		for _, a := range byID[id].Aliases {
			m[a] = true
		}
		for _, a := range byID[id].Upstream {
			m[a] = true
		}
		return m
	}
	groups := [][]string{}
	for _, id := range ids {
		groups = append(groups, []string{id})
	}
	for changed := true; changed; {
		changed = false
	outer:
		for i := range groups {
			for j := i + 1; j < len(groups); j++ {
				share := false
				for _, a := range groups[i] {
					for _, b := range groups[j] {
						na, nb := names(a), names(b)
						for n := range na {
							if nb[n] {
								share = true
							}
						}
					}
				}
				if share {
					groups[i] = append(groups[i], groups[j]...)
					groups = append(groups[:j], groups[j+1:]...)
					changed = true
					break outer
				}
			}
		}
	}
	var out []string
	for _, g := range groups {
		sort.Strings(g)
		out = append(out, strings.Join(g, ","))
	}
	sort.Strings(out)
	return out
}

func ourGroups(vulns []Vulnerability) []string {
	var out []string
	for _, v := range vulns {
		out = append(out, strings.Join(v.Records, ","))
	}
	sort.Strings(out)
	return out
}

func goComponent(name, version string) glassbox.Component {
	return glassbox.Component{Ecosystem: "Go", Name: name, Version: version, PURL: "pkg:golang/" + name + "@" + version}
}

// TestKnownHistory is issue #6's check: a module set with a known history
// gets exactly the records the reference matcher finds in the same zip,
// with aliases merged the same way.
func TestKnownHistory(t *testing.T) {
	db := loadZip(t, goZip)
	records := readRefRecords(t, goZip)
	set := []glassbox.Component{
		goComponent("golang.org/x/text", "v0.3.0"),
		goComponent("golang.org/x/net", "v0.0.0-20190620200207-3b0461eec859"),
		goComponent("github.com/gin-gonic/gin", "v1.6.0"),
	}
	vulns, problems := db.Match(set, MatchOptions{})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	var want []string
	for _, c := range set {
		want = append(want, refMatch(records, c.Name, c.Version)...)
	}
	var got []string
	for _, v := range vulns {
		got = append(got, v.Records...)
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(want) < 10 {
		t.Fatalf("the reference found only %v; the module set should have a long history", want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n got %v\nwant %v", got, want)
	}
	if g, w := ourGroups(vulns), refGroups(records, want); !slices.Equal(g, w) {
		t.Errorf("groups:\n got %v\nwant %v", g, w)
	}
	for _, v := range vulns {
		if v.IDs[0] != v.ID || !strings.HasPrefix(v.ID, "GO-") {
			t.Errorf("%v: primary id %s should be the Go database's and first", v.IDs, v.ID)
		}
		if v.Status != StatusAffected {
			t.Errorf("%s: status %s without reachability, want affected", v.ID, v.Status)
		}
	}
	t.Logf("%d records in %d rows", len(got), len(vulns))
}

// TestWholeDatabaseAgainstReference matches every Go package of the
// database at every version its records name (and just around them) and
// compares with the reference matcher: hidden real cases are all of them.
func TestWholeDatabaseAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("whole database")
	}
	db := loadZip(t, goZip)
	records := readRefRecords(t, goZip)
	versions := map[string]map[string]bool{}
	for _, r := range records {
		for _, a := range r.Affected {
			name := a.Package["name"]
			if a.Package["ecosystem"] != "Go" {
				continue
			}
			if versions[name] == nil {
				versions[name] = map[string]bool{"v0.0.0-20000101000000-000000000000": true, "v99.0.0": true}
			}
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					for _, v := range e {
						if v == "0" {
							continue
						}
						versions[name]["v"+v] = true
						if !strings.Contains(v, "-") {
							versions[name]["v"+v+"-0.20200101000000-abcdefabcdef"] = true // a pseudo-version just below
						}
					}
				}
			}
		}
	}
	// The reference is quadratic per record; index records by package to
	// keep the test quick.
	byName := map[string][]refRecord{}
	for _, r := range records {
		seen := map[string]bool{}
		for _, a := range r.Affected {
			if n := a.Package["name"]; !seen[n] {
				seen[n] = true
				byName[n] = append(byName[n], r)
			}
		}
	}
	checked := 0
	for name, vs := range versions {
		for v := range vs {
			if !semver.IsValid(v) {
				continue
			}
			vulns, problems := db.Match([]glassbox.Component{goComponent(name, v)}, MatchOptions{})
			if len(problems) > 0 {
				t.Fatalf("%s@%s: %v", name, v, problems)
			}
			var got []string
			for _, x := range vulns {
				got = append(got, x.Records...)
			}
			sort.Strings(got)
			want := refMatch(byName[name], name, v)
			if !slices.Equal(got, want) {
				t.Errorf("%s@%s:\n got %v\nwant %v", name, v, got, want)
			}
			checked++
		}
	}
	t.Logf("%d module versions checked", checked)
}

// TestStdlib: the toolchain as sbom.FromBinary lists it ("v1.20.1"), as
// Go names it ("go1.20.1") and bare ("1.20.1") match the same records,
// those the reference matcher finds.
func TestStdlib(t *testing.T) {
	db := loadZip(t, goZip)
	records := readRefRecords(t, goZip)
	want := refMatch(records, "stdlib", "v1.20.1")
	if len(want) < 20 {
		t.Fatalf("reference found %d records for Go 1.20.1", len(want))
	}
	for _, v := range []string{"v1.20.1", "go1.20.1", "1.20.1"} {
		vulns, problems := db.Match([]glassbox.Component{{Ecosystem: "Go", Name: "stdlib", Version: v}}, MatchOptions{})
		var got []string
		for _, x := range vulns {
			got = append(got, x.Records...)
		}
		sort.Strings(got)
		if len(problems) > 0 || !slices.Equal(got, want) {
			t.Errorf("stdlib %s: %v\n got %v\nwant %v", v, problems, got, want)
		}
	}
}
