package sbom

import (
	"bytes"
	"strings"
	"testing"

	"glassbox.dev"
)

// checkComponents holds what every parser promises of a component it
// returns, whatever the input: a name, the source it was given, and a
// package URL that parses back to the same ecosystem.
func checkComponents(t *testing.T, rel string, cs []glassbox.Component) {
	t.Helper()
	for _, c := range cs {
		if c.Name == "" {
			t.Fatalf("component without a name: %+v", c)
		}
		if c.Source != rel {
			t.Fatalf("component %+v has source %q, want %q", c, c.Source, rel)
		}
		eco, _, _, err := ParsePURL(c.PURL)
		if err != nil {
			t.Fatalf("component %+v: its purl does not parse: %v", c, err)
		}
		if eco != c.Ecosystem {
			t.Fatalf("component %+v: purl ecosystem %q", c, eco)
		}
	}
}

// checkError holds what every parser promises of an error: it names the
// file.
func checkError(t *testing.T, rel string, err error) {
	t.Helper()
	if err != nil && !strings.Contains(err.Error(), rel) {
		t.Fatalf("error %q does not name %s", err, rel)
	}
}

func fuzzParser(f *testing.F, rel string, parse parser) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := parse(rel, data)
		checkError(t, rel, err)
		if err == nil {
			checkComponents(t, rel, cs)
		}
	})
}

func FuzzGoMod(f *testing.F) {
	f.Fuzz(func(t *testing.T, mod, sum []byte) {
		cs, err := parseGoMod("go.mod", mod, sum)
		if err != nil {
			if !strings.Contains(err.Error(), "go.mod") && !strings.Contains(err.Error(), "go.sum") {
				t.Fatalf("error %q names neither go.mod nor go.sum", err)
			}
			return
		}
		checkComponents(t, "go.mod", cs)
	})
}

func FuzzPackageLock(f *testing.F)  { fuzzParser(f, "web/package-lock.json", parsePackageLock) }
func FuzzRequirements(f *testing.F) { fuzzParser(f, "requirements.txt", parseRequirements) }
func FuzzPoetryLock(f *testing.F)   { fuzzParser(f, "poetry.lock", parsePoetryLock) }
func FuzzPipfileLock(f *testing.F)  { fuzzParser(f, "Pipfile.lock", parsePipfileLock) }
func FuzzCargoLock(f *testing.F)    { fuzzParser(f, "Cargo.lock", parseCargoLock) }
func FuzzPOM(f *testing.F)          { fuzzParser(f, "java/pom.xml", parsePOM) }

func FuzzCHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		checkComponents(t, path, parseCHeader(path, data))
	})
}

func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := Read(bytes.NewReader(data), "vendor.sbom.json")
		checkError(t, "vendor.sbom.json", err)
		if err == nil {
			for _, c := range cs {
				if c.Name == "" || c.Source != "vendor.sbom.json" {
					t.Fatalf("component %+v", c)
				}
			}
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	f.Fuzz(func(t *testing.T, purl string) {
		eco, name, version, err := ParsePURL(purl)
		if err != nil {
			return
		}
		// What parses can be written again, and the written form parses
		// to the same component.
		eco2, name2, version2, err := ParsePURL(PURL(eco, name, version))
		if err != nil {
			t.Fatalf("PURL(%q, %q, %q) does not parse: %v", eco, name, version, err)
		}
		if eco2 != eco || version2 != version || (name2 != name && eco != EcosystemMaven) {
			t.Fatalf("%q: (%q %q %q) then (%q %q %q)", purl, eco, name, version, eco2, name2, version2)
		}
	})
}
