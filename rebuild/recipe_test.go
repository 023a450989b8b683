package rebuild

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

func TestParseExample(t *testing.T) {
	r, err := Load(context.Background(), filepath.Join("..", "examples", "hello", "glassbox-recipe.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Recipe{
		Toolchain: ToolchainGo,
		Build:     []string{"CGO_ENABLED=0 go build -trimpath -o dist/hello ."},
		Artifacts: map[string]string{"hello": "dist/hello"},
		Run: []RunSpec{
			{Artifact: "hello", Args: []string{"--listen", "127.0.0.1:8080"}, Ports: []int{8080}, Duration: Duration(3 * time.Second)},
			{Artifact: "hello", Args: []string{"glassbox"}, Duration: Duration(2 * time.Second)},
		},
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v, want %+v", r, want)
	}
}

func TestParseFull(t *testing.T) {
	r, err := Parse([]byte(`
toolchain: go
build:
  - make
  - make dist
env: {GOEXPERIMENT: "", CFLAGS: -O2}
artifacts:
  tool: dist/tool
  tool.tar.gz: dist/tool.tar.gz
inputs:
  - name: gomodcache
    path: /var/lib/glassbox/inputs/mod
    mount: /gomodcache
    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
limits: {wall: 1h30m, memory: 512MiB, disk: 10GB, processes: 64}
stabilisers: [archive-order, timestamps]
`))
	if err != nil {
		t.Fatal(err)
	}
	wantLimits := Limits{Wall: Duration(90 * time.Minute), Memory: 512 << 20, Disk: 10e9, Processes: 64}
	if r.Limits != wantLimits {
		t.Errorf("limits %+v, want %+v", r.Limits, wantLimits)
	}
	if r.Limits.Wall.String() != "1h30m" || r.Limits.Memory.String() != "512MiB" || Size(4<<30).String() != "4GiB" || Duration(10*time.Minute).String() != "10m" {
		t.Errorf("limits print as %s %s", r.Limits.Wall, r.Limits.Memory)
	}
	if !reflect.DeepEqual(r.Stabilisers, []Stabiliser{StabiliseOrder, StabiliseTimestamps}) {
		t.Errorf("stabilisers %v", r.Stabilisers)
	}
	if len(r.Inputs) != 1 || r.Inputs[0].Mount != "/gomodcache" || r.Env["CFLAGS"] != "-O2" {
		t.Errorf("got %+v", r)
	}
	got := DefaultLimits().Override(r.Limits).Override(Limits{Processes: 32})
	if got.Processes != 32 || got.Memory != 512<<20 {
		t.Errorf("override: %+v", got)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", ``, "empty"},
		{"unknown field", "build: [make]\nartifacts: {a: a}\nstabilize: [tar]\n", "line 3: field stabilize not found at the top level"},
		{"unknown limit", "build: [make]\nartifacts: {a: a}\nlimits:\n  cpu: 2\n", "line 4: field cpu not found in limits"},
		{"unknown input field", "build: [make]\nartifacts: {a: a}\ninputs:\n  - name: x\n    sha: 00\n", "line 5: field sha not found in an input"},
		{"input not pinned", "build: [make]\nartifacts: {a: a}\ninputs:\n  - {name: x, path: /data, mount: /x}\n", "must be pinned by its tree digest"},
		{"no build", "artifacts: {a: a}\n", "no build commands"},
		{"empty command", "build: [make, '  ']\nartifacts: {a: a}\n", "line 1: build command 2 is empty"},
		{"no artifacts", "build: [make]\n", "no artifacts"},
		{"dotdot", "build: [make]\nartifacts:\n  a: dist/../../etc/passwd\n", "line 3: artifact \"a\": output path must be relative"},
		{"absolute", "build: [make]\nartifacts:\n  a: /etc/passwd\n", "line 3: artifact \"a\": output path must be relative"},
		{"unclean", "build: [make]\nartifacts:\n  a: ./dist/a\n", "not clean"},
		{"artifact name", "build: [make]\nartifacts:\n  a/b: dist/a\n", "must be a single file name"},
		{"toolchain", "toolchain: rust\nbuild: [make]\nartifacts: {a: a}\n", "line 1: toolchain \"rust\" is not known"},
		{"pinned env", "build: [make]\nartifacts: {a: a}\nenv:\n  SOURCE_DATE_EPOCH: 1\n", "line 4: SOURCE_DATE_EPOCH is pinned by glassbox"},
		{"pinned PATH", "build: [make]\nartifacts: {a: a}\nenv: {PATH: /evil}\n", "PATH is pinned by glassbox"},
		{"env name", "build: [make]\nartifacts: {a: a}\nenv: {'A B': x}\n", "environment variable name"},
		{"wall", "build: [make]\nartifacts: {a: a}\nlimits:\n  wall: forever\n", "line 4: \"forever\" is not a duration"},
		{"memory", "build: [make]\nartifacts: {a: a}\nlimits:\n  memory: lots\n", "line 4: \"lots\" is not a size"},
		{"negative processes", "build: [make]\nartifacts: {a: a}\nlimits: {processes: -1}\n", "must not be negative"},
		{"unknown stabiliser", "build: [make]\nartifacts: {a: a}\nstabilisers:\n  - timestamps\n  - everything\n", "line 5: unknown stabiliser \"everything\""},
		{"stabiliser twice", "build: [make]\nartifacts: {a: a}\nstabilisers: [owners, owners]\n", "declared twice"},
		{"two documents", "build: [make]\nartifacts: {a: a}\n---\nbuild: [rm]\n", "more than one YAML document"},
		{"input mount reserved", "build: [make]\nartifacts: {a: a}\ninputs:\n  - {name: x, path: /data, mount: /src/x}\n", "line 4: input \"x\": mount \"/src/x\" is at or under /src"},
		{"input path relative", "build: [make]\nartifacts: {a: a}\ninputs:\n  - {name: x, path: data, mount: /x}\n", "must be an absolute, clean host path"},
		{"input twice", "build: [make]\nartifacts: {a: a}\ninputs:\n  - {name: x, path: /a, mount: /x, digest: sha256:0000000000000000000000000000000000000000000000000000000000000000}\n  - {name: x, path: /b, mount: /y, digest: sha256:0000000000000000000000000000000000000000000000000000000000000000}\n", "declared twice"},
		{"input overlap", "build: [make]\nartifacts: {a: a}\ninputs:\n  - {name: x, path: /a, mount: /x, digest: sha256:0000000000000000000000000000000000000000000000000000000000000000}\n  - {name: y, path: /b, mount: /x/y, digest: sha256:0000000000000000000000000000000000000000000000000000000000000000}\n", "overlaps input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Errorf("code %q, want %q", glassbox.ErrorCode(err), glassbox.EINVALID)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "nope.yaml"))
	if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultGoRecipe(t *testing.T) {
	r, err := DefaultGoRecipe("example.com/tool/v2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Toolchain != ToolchainGo || !reflect.DeepEqual(r.Build, []string{"go build -trimpath -o dist/tool ."}) || r.Artifacts["tool"] != "dist/tool" {
		t.Errorf("one artefact: %+v", r)
	}
	r, err = DefaultGoRecipe("example.com/suite", []string{"server", "client"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"go build -trimpath -o dist/server ./cmd/server", "go build -trimpath -o dist/client ./cmd/client"}
	if !reflect.DeepEqual(r.Build, want) || r.Artifacts["client"] != "dist/client" {
		t.Errorf("two artefacts: %+v", r)
	}
	if _, err := DefaultGoRecipe("example.com/x", []string{"../evil"}); err == nil {
		t.Error("an artefact name with .. was accepted")
	}
}

// TestRecipeDocExamples parses every YAML example in docs/recipe.md, so the
// documentation cannot drift from the parser.
func TestRecipeDocExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "recipe.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) < 3 {
		t.Fatalf("found %d YAML examples in docs/recipe.md", len(blocks))
	}
	for i, b := range blocks {
		if _, err := Parse(b[1]); err != nil {
			t.Errorf("example %d: %v\n%s", i+1, err, b[1])
		}
	}
}

// TestRecipeRunSection: the run section names the recipe's own artefacts,
// keeps configuration files out of what the sandbox provides, and bounds
// ports and durations; each refusal names the line.
func TestRecipeRunSection(t *testing.T) {
	const head = "build:\n  - make\nartifacts:\n  srv: dist/srv\n"
	good := head + "run:\n  - artifact: srv\n    args: [\"-c\", \"/etc/srv.conf\"]\n    env: {MODE: prod}\n    files:\n      /etc/srv.conf: \"port 8080\\n\"\n    ports: [8080]\n    duration: 10s\n"
	r, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Run) != 1 || r.Run[0].Ports[0] != 8080 || time.Duration(r.Run[0].Duration) != 10*time.Second || r.Run[0].Files["/etc/srv.conf"] != "port 8080\n" {
		t.Errorf("parsed %+v", r.Run)
	}
	for _, tc := range []struct{ run, want string }{
		{"  - artifact: other\n", `line 6: run 1: artifact "other" is not one of the recipe's artifacts`},
		{"  - artifact: srv\n    files:\n      etc/x: y\n", "must be absolute"},
		{"  - artifact: srv\n    files:\n      /etc/passwd: \"root::0:0::/:/bin/sh\"\n", "glassbox provides itself"},
		{"  - artifact: srv\n    files:\n      /usr/bin/srv: x\n", "glassbox provides itself"},
		{"  - artifact: srv\n    files:\n      /etc/../proc/x: x\n", "clean"},
		{"  - artifact: srv\n    ports: [0]\n", "port 0 is not a TCP port"},
		{"  - artifact: srv\n    ports: [70000]\n", "port 70000"},
		{"  - artifact: srv\n    duration: 1h\n", "duration 1h must be between 0 (the default, 5s) and 5m"},
		{"  - artifact: srv\n    env: {\"A-B\": x}\n", "environment variable \"A-B\""},
		{"  - artifact: srv\n    unknown: 1\n", "field unknown not found"},
		{"  - artifact: srv\n    files:\n      /etc/nsswitch.conf: \"hosts: files\"\n", "glassbox provides itself"},
		{"  - artifact: srv\n    files:\n      /etc/resolv.conf: \"nameserver 8.8.8.8\"\n", "glassbox provides itself"},
		{"  - artifact: srv\n    files:\n      /app/srv: x\n", "where the run stage puts the program"},
		{"  - artifact: srv\n    env: {RES_OPTIONS: \"attempts:0\"}\n", "RES_OPTIONS is glassbox's to leave unset"},
	} {
		_, err := Parse([]byte(head + "run:\n" + tc.run))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run section %q: error %v, want %q", tc.run, err, tc.want)
		}
	}
}
