package vuln

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"glassbox.dev/sbom"
)

// reachProgram calls a vulnerable function of golang.org/x/text
// (language.Parse, GO-2021-0113) and uses golang.org/x/net/html without
// calling any of its vulnerable functions (html.Parse and friends).
const reachProgram = `package main

import (
	"fmt"
	"os"

	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	tag, err := language.Parse(os.Args[0])
	fmt.Println(tag, err, html.EscapeString("<b>"))
}
`

const reachGoMod = `module example.com/reach

go 1.22

require (
	golang.org/x/net v0.0.0-20190620200207-3b0461eec859
	golang.org/x/text v0.3.0
)
`

// buildReachProgram builds the program with the Go tool and the module
// proxy, and returns its module directory and binary.
func buildReachProgram(t *testing.T) (dir, bin string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(reachGoMod), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(reachProgram), 0o644)
	bin = filepath.Join(dir, "reach")
	cmd := exec.Command("go", "build", "-mod=mod", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

// TestReachability: on a real binary, and on its source, govulncheck's
// analysis separates the called vulnerable symbol from the vulnerable
// package linked in but not called, and from the vulnerable package not
// used at all.
func TestReachability(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	db := loadZip(t, goZip)
	dir, bin := buildReachProgram(t)
	comps, err := sbom.FromBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"binary", "source"} {
		t.Run(mode, func(t *testing.T) {
			vulns, problems := db.Match(comps, MatchOptions{})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			path := bin
			if mode == "source" {
				path = dir
			}
			if err := db.Reach(t.Context(), vulns, ReachOptions{Path: path, Mode: mode}); err != nil {
				t.Fatal(err)
			}
			state := map[string]*Vulnerability{}
			for i := range vulns {
				state[vulns[i].ID] = &vulns[i]
			}
			// Called: language.Parse.
			v := state["GO-2021-0113"]
			if v == nil || v.Status != StatusAffected || !v.called() || !slices.Contains(v.Matches[0].Reachability.Symbols, "golang.org/x/text/language.Parse") {
				t.Errorf("GO-2021-0113 (language.Parse, called): %+v", v)
			}
			// Linked/imported, not called: x/net/html's Parse.
			v = state["GO-2021-0238"]
			if v == nil || v.Status != StatusNotAffected || v.Justification != JustificationNotReachable {
				t.Errorf("GO-2021-0238 (html.Parse, not called): %+v", v)
			}
			// Module present, vulnerable package unused: x/text's
			// encoding/unicode.
			v = state["GO-2020-0015"]
			if v == nil || v.Status != StatusNotAffected || v.Justification != JustificationNotPresent {
				t.Errorf("GO-2020-0015 (encoding/unicode, not used): %+v", v)
			}
			n := map[Status]int{}
			for _, v := range vulns {
				n[v.Status]++
				for _, m := range v.Matches {
					if m.Reachability == nil || m.Reachability.State == ReachUnknown {
						t.Errorf("%s %s: reachability unknown: %+v", v.ID, m.Component.Name, m.Reachability)
					}
				}
			}
			t.Logf("%s: %d vulnerabilities: %v", mode, len(vulns), n)
		})
	}
}
