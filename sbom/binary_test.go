package sbom

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"glassbox.dev"
)

// linkedModules is a program with a known dependency history (issue #6):
// golang.org/x/text v0.3.0, golang.org/x/net at a 2019 pseudo-version and
// gin v1.6.0, each of them used so that the linker keeps them.
var linkedModules = map[string]string{
	"go.mod": `module example.com/linked

go 1.21

require (
	github.com/gin-gonic/gin v1.6.0
	golang.org/x/net v0.0.0-20190620200207-3b0461eec859
	golang.org/x/text v0.3.0
)

// gin's validator asks for x/text v0.3.2; the replacement keeps the
// version under test and checks that replacements are honoured.
replace golang.org/x/text => golang.org/x/text v0.3.0
`,
	"main.go": `package main

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(200, "ok") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	doc, err := html.Parse(strings.NewReader("<p>hello</p>"))
	fmt.Println(w.Code, doc != nil, err, language.Make("en-GB"))
}
`,
}

var (
	buildOnce sync.Once
	builtDir  string
	builtBin  string
	buildErr  error
)

// buildLinked builds linkedModules once per test binary with the real Go
// tool, fetching modules through the module proxy, and returns the module
// directory and the binary.
func buildLinked(t testing.TB) (dir, bin string) {
	t.Helper()
	buildOnce.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "sbom-linked-")
		if buildErr != nil {
			return
		}
		for name, text := range linkedModules {
			if buildErr = os.WriteFile(filepath.Join(builtDir, name), []byte(text), 0o644); buildErr != nil {
				return
			}
		}
		builtBin = filepath.Join(builtDir, "linked")
		for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", builtBin, "."}} {
			cmd := exec.Command("go", args...)
			cmd.Dir = builtDir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = &buildError{args: args, out: string(out), err: err}
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtDir, builtBin
}

type buildError struct {
	args []string
	out  string
	err  error
}

func (e *buildError) Error() string {
	return "go " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// TestBinaryMatchesGoMod is issue #6's "binary-derived SBOM equals the
// go.mod-derived one" on a real binary: every module linked into it is in
// go.mod at the same version with the same go.sum hash, and the three
// named modules are among them.
func TestBinaryMatchesGoMod(t *testing.T) {
	dir, bin := buildLinked(t)
	subject, fromBin, err := ReadBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	if subject.Name != "example.com/linked" {
		t.Errorf("subject %+v, want the main module example.com/linked", subject)
	}
	fromMod, err := Derive(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}

	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	stdlib := GoToolchainVersion(strings.TrimSpace(string(goVersion)))
	if _, ok := find(fromBin, "Go/stdlib@"+stdlib); !ok || stdlib == "" {
		t.Errorf("no stdlib@%s among %q", stdlib, ids(fromBin))
	}

	var linked []glassbox.Component
	for _, c := range fromBin {
		if c.Name != StdlibName {
			linked = append(linked, c)
		}
	}
	for _, want := range []string{"Go/github.com/gin-gonic/gin@v1.6.0", "Go/golang.org/x/net@v0.0.0-20190620200207-3b0461eec859", "Go/golang.org/x/text@v0.3.0"} {
		if _, ok := find(linked, want); !ok {
			t.Errorf("%s not linked: %q", want, ids(linked))
		}
	}
	// The binary's set, restricted to nothing, equals go.mod's set
	// restricted to what was linked: same names, versions and hashes.
	byName := make(map[string]glassbox.Component)
	for _, c := range fromMod {
		byName[c.Name] = c
	}
	var modLinked []string
	for _, c := range linked {
		m, ok := byName[c.Name]
		if !ok {
			t.Errorf("%s is linked but not in go.mod", id(c))
			continue
		}
		modLinked = append(modLinked, id(m))
		if !slices.Equal(m.Hashes, c.Hashes) || len(c.Hashes) != 1 || !strings.HasPrefix(c.Hashes[0], "h1:") {
			t.Errorf("%s: binary hashes %q, go.sum %q", id(c), c.Hashes, m.Hashes)
		}
		if c.PURL != m.PURL || c.Source != filepath.ToSlash(bin) {
			t.Errorf("%s: purl %q source %q; go.mod purl %q", id(c), c.PURL, c.Source, m.PURL)
		}
	}
	if got := ids(linked); !slices.Equal(got, modLinked) {
		t.Errorf("binary %q\ngo.mod %q", got, modLinked)
	}
	if f := CompareBinary(fromMod, fromBin, "go.mod", "linked"); len(f) != 0 {
		t.Errorf("CompareBinary found differences in a binary built from this go.mod: %+v", f)
	}

	doc, err := CycloneDX(subject, fromBin)
	if err != nil {
		t.Fatal(err)
	}
	validateCDX(t, doc)
}

func TestFromBinaryRefusesOthers(t *testing.T) {
	for _, p := range []string{"testdata/tree/go.mod", "testdata/missing"} {
		_, err := FromBinary(p)
		if err == nil || !strings.Contains(err.Error(), p) || glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("FromBinary(%s): %v", p, err)
		}
	}
}

// TestFromBinaryAgreesWithCyclonedxGomod checks FromBinary's modules
// against what cyclonedx-gomod v1.10.0 reads from the same binary (the
// linked program): the same package URLs, apart from how each names the
// standard library (cyclonedx-gomod: pkg:golang/std@go1.x.y).
func TestFromBinaryAgreesWithCyclonedxGomod(t *testing.T) {
	peerPath, err := exec.LookPath("cyclonedx-gomod")
	if err != nil {
		out, _ := exec.Command("go", "env", "GOPATH").Output()
		peerPath = filepath.Join(strings.TrimSpace(string(out)), "bin", "cyclonedx-gomod")
		if _, err := os.Stat(peerPath); err != nil {
			t.Skip("cyclonedx-gomod is not installed: go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0")
		}
	}
	_, self := buildLinked(t)
	out := filepath.Join(t.TempDir(), "peer.json")
	if b, err := exec.Command(peerPath, "bin", "-json", "-output", out, self).CombinedOutput(); err != nil {
		t.Fatalf("cyclonedx-gomod: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := Read(f, "peer.json")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	ours, err := FromBinary(self)
	if err != nil {
		t.Fatal(err)
	}
	var mine []glassbox.Component
	for _, c := range ours {
		if c.Name != StdlibName {
			mine = append(mine, c)
		}
	}
	if len(mine) < 10 {
		t.Fatalf("only %d modules in the linked program: %q", len(mine), ids(mine))
	}
	if f := Compare(mine, theirs, "FromBinary", "cyclonedx-gomod"); len(f) != 0 {
		for _, x := range f {
			t.Error(x.Message)
		}
	}
}
