package vuln

import (
	"testing"

	"glassbox.dev"
)

// FuzzParse: no input makes the parser panic, and a record it accepts
// can be matched without error or panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id": "GO-2020-0015", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.3"}]}]}]}`))
	f.Add([]byte(`{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "versions": ["1.0"], "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0a1"}, {"last_affected": "1.0.post2"}, {"limit": "2!0"}]}]}]}`))
	f.Add([]byte(`{"id": "X", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Maven", "name": "g:a"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0-alpha"}, {"fixed": "1.0.1"}]}]}]}`))
	f.Add([]byte(`{"id": "Y", "modified": "x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		l := NewLoader()
		l.AddRecord("fuzz.json", data)
		db := l.Database()
		for _, a := range r.Affected {
			for _, v := range []string{"0.0.1", "v1.0.0", "1.0", "go1.21.3", "1.0-SNAPSHOT"} {
				db.Match([]glassbox.Component{{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name, Version: v}}, MatchOptions{Resolved: true})
			}
		}
	})
}

// FuzzCompare: every ordering is antisymmetric and reflexive on what it
// parses, and never panics.
func FuzzCompare(f *testing.F) {
	for _, s := range [][2]string{{"1.0.0", "1.0.0-rc.1"}, {"v0.0.0-20190620200207-3b0461eec859", "v0.0.0-20190101000000-abcdefabcdef"}, {"1.0a1", "1.0.post1.dev2+local.7"}, {"1.0-alpha-1", "1.0.0.RELEASE"}, {"go1.21rc2", "go1.21.0"}, {"1!2.0", "2.0"}, {"1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, eco := range []string{"Go", "npm", "PyPI", "Maven"} {
			ab, err1 := Compare(eco, a, b)
			ba, err2 := Compare(eco, b, a)
			if err1 != nil || err2 != nil {
				continue
			}
			if ab != -ba {
				t.Errorf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", eco, a, b, ab, b, a, ba)
			}
			if c, _ := Compare(eco, a, a); c != 0 {
				t.Errorf("%s: %q is not equal to itself", eco, a)
			}
		}
	})
}
