package vuln

import (
	"slices"
	"sort"
	"strings"

	"glassbox.dev"
)

// SampleGoComponents makes n distinct Go components from the database,
// for benchmarks that need a realistic SBOM: module paths in sorted order,
// each at a version its records name — an introduced or fixed version, or
// a pseudo-version just below a fix — taking every module once before any
// module twice.
func SampleGoComponents(db *Database, n int) []glassbox.Component {
	versions := map[string][]string{}
	for _, r := range db.Records {
		for _, a := range r.Affected {
			if a.Package.Ecosystem != "Go" {
				continue
			}
			for _, rg := range a.Ranges {
				for _, e := range rg.Events {
					switch {
					case e.Introduced != "" && e.Introduced != "0":
						versions[a.Package.Name] = append(versions[a.Package.Name], e.Introduced)
					case e.Fixed != "":
						versions[a.Package.Name] = append(versions[a.Package.Name], e.Fixed)
						if !strings.Contains(e.Fixed, "-") {
							versions[a.Package.Name] = append(versions[a.Package.Name], e.Fixed+"-0.20200101000000-abcdefabcdef")
						}
					}
				}
			}
		}
	}
	names := make([]string, 0, len(versions))
	for name, vs := range versions {
		slices.Sort(vs)
		versions[name] = slices.Compact(vs)
		names = append(names, name)
	}
	sort.Strings(names)
	var out []glassbox.Component
	for round := 0; len(out) < n; round++ {
		added := false
		for _, name := range names {
			vs := versions[name]
			if len(out) == n {
				break
			}
			if round >= len(vs) {
				continue
			}
			v := vs[round]
			if name != "stdlib" && name != "toolchain" {
				v = "v" + v
			}
			out = append(out, glassbox.Component{Ecosystem: "Go", Name: name, Version: v, PURL: "pkg:golang/" + name + "@" + v, Source: "sample"})
			added = true
		}
		if !added {
			break
		}
	}
	return out
}
