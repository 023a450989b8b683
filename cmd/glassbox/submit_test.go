package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"glassbox.dev"
	"glassbox.dev/internal/centretest"
)

// backends returns the metadata databases the CLI tests run against: SQLite
// always, and PostgreSQL when GLASSBOX_TEST_POSTGRES names a server.
func backends(t *testing.T) map[string]func(t *testing.T) []string {
	b := map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string { return nil },
	}
	if url := os.Getenv("GLASSBOX_TEST_POSTGRES"); url != "" {
		b["postgres"] = func(t *testing.T) []string { return []string{"--db", freshSchema(t, url)} }
	}
	return b
}

// freshSchema makes a PostgreSQL schema for one test, drops it afterwards,
// and returns a URL whose connections use it.
func freshSchema(t *testing.T, url string) string {
	return centretest.PostgresSchema(t, url)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestSubmitShowCat(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			g := append([]string{"--data", data}, db(t)...)
			src := filepath.Join(dir, "src")
			writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
			writeFile(t, filepath.Join(src, "lib", "util.c"), []byte("int util(void) { return 1; }\n"))
			os.Symlink("lib/util.c", filepath.Join(src, "util.c"))
			writeFile(t, filepath.Join(src, ".git", "HEAD"), []byte("ref: refs/heads/main\n"))
			fw := writeFile(t, filepath.Join(dir, "dist", "firmware.bin"), []byte("\x7fELF firmware"))
			os.Chmod(fw, 0o755)
			recipe := writeFile(t, filepath.Join(dir, "glassbox.yaml"), []byte("build: [make]\nartifacts:\n  firmware.bin: firmware.bin\n"))
			sbom := writeFile(t, filepath.Join(dir, "bom.json"), []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`))
			submit := append(append([]string{}, g...), "submit", "--product", "acme/router", "--version", "2.1.0",
				"--source", src, "--recipe", recipe, "--artifact", fw, "--sbom", sbom)

			code, out, errOut := glassboxRun(t, submit...)
			if code != exitOK {
				t.Fatalf("submit: exit %d: %s", code, errOut)
			}
			id := strings.TrimSpace(out)
			if _, err := glassbox.ParseDigest(id); err != nil {
				t.Fatalf("submit printed %q, not a release id", out)
			}
			if !strings.Contains(errOut, "skipped .git") {
				t.Errorf("submit did not say it skipped .git: %s", errOut)
			}

			// The same content again: the same id, nothing new stored.
			before := listing(t, filepath.Join(data, "evidence"))
			code, out2, errOut := glassboxRun(t, submit...)
			if code != exitOK || strings.TrimSpace(out2) != id || !strings.Contains(errOut, "nothing new stored") {
				t.Fatalf("second submit: exit %d, id %q (want %s): %s", code, out2, id, errOut)
			}
			if after := listing(t, filepath.Join(data, "evidence")); !reflect.DeepEqual(before, after) {
				t.Errorf("a repeated submit changed the evidence store")
			}

			// The manifest printed by --json hashes, in canonical form, to the id.
			var m glassbox.Manifest
			if err := json.Unmarshal([]byte(mustRun(t, append(submit, "--json")...)), &m); err != nil {
				t.Fatal(err)
			}
			manifest := mustRun(t, append(append([]string{}, g...), "cat", id, "manifest")...)
			if "sha256:"+sha256Hex([]byte(manifest)) != id {
				t.Errorf("the stored manifest does not hash to the release id")
			}
			if m.Product != "acme/router" || len(m.Source.Files) != 3 || len(m.Artifacts) != 1 || m.Artifacts[0].Mode != glassbox.ModeExecutable {
				t.Errorf("manifest: %+v", m)
			}

			for ref, want := range map[string]string{id: "main.c", id[7:19]: "lib/util.c", "acme/router@2.1.0": "artifacts/firmware.bin"} {
				got := mustRun(t, append(append([]string{}, g...), "cat", ref, want)...)
				wantBytes, _ := os.ReadFile(map[string]string{"main.c": filepath.Join(src, "main.c"), "lib/util.c": filepath.Join(src, "lib", "util.c"), "artifacts/firmware.bin": fw}[want])
				if got != string(wantBytes) {
					t.Errorf("cat %s %s = %q", ref, want, got)
				}
			}
			if got := mustRun(t, append(append([]string{}, g...), "cat", id, "util.c")...); got != "lib/util.c" {
				t.Errorf("cat of a symlink = %q, want its target", got)
			}
			show := mustRun(t, append(append([]string{}, g...), "show", "--files", "acme/router@2.1.0")...)
			for _, want := range []string{id, "acme/router", "2.1.0", "firmware.bin", "glassbox.yaml", "bom.json", "util.c -> lib/util.c"} {
				if !strings.Contains(show, want) {
					t.Errorf("show does not mention %q:\n%s", want, show)
				}
			}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(mustRun(t, append(append([]string{}, g...), "releases", "--json", "--product", "acme/router")...)), &rows); err != nil || len(rows) != 1 || rows[0]["id"] != id {
				t.Errorf("releases --json = %v, %v", rows, err)
			}

			// A version's content cannot change.
			writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 1; }\n"))
			code, _, errOut = glassboxRun(t, submit...)
			if code != exitRefused || !strings.Contains(errOut, "already release "+id) {
				t.Errorf("resubmitting changed content under the same version: exit %d: %s", code, errOut)
			}

			// Asking for what does not exist is refused input, not a crash.
			for _, a := range [][]string{{"show", "nosuch@1.0"}, {"cat", id, "nosuch.c"}, {"show", "abcdef"}} {
				if code, _, errOut := glassboxRun(t, append(append([]string{}, g...), a...)...); code != exitRefused {
					t.Errorf("%v: exit %d, want %d: %s", a, code, exitRefused, errOut)
				}
			}
		})
	}
}

func TestGitSourceRecordsTheCommit(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	commit := gitRepo(t, repo, func(d string) {
		writeFile(t, filepath.Join(d, "main.go"), []byte("package main\n\nfunc main() {}\n"))
		writeFile(t, filepath.Join(d, "go.mod"), []byte("module example.org/x\n"))
		// export-subst would change what git archive writes; glassbox must
		// record the blob as committed.
		writeFile(t, filepath.Join(d, ".gitattributes"), []byte("VERSION export-subst\n"))
		writeFile(t, filepath.Join(d, "VERSION"), []byte("$Format:%H$\n"))
		os.Symlink("main.go", filepath.Join(d, "entry.go"))
	})
	data := filepath.Join(dir, "data")
	for _, ref := range []string{"v1", commit, "main"} {
		var m glassbox.Manifest
		if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "submit", "--product", "x", "--version", "1", "--git", repo, "--ref", ref, "--json")), &m); err != nil {
			t.Fatal(err)
		}
		if m.Source.Kind != glassbox.SourceGit || m.Source.Commit != commit {
			t.Errorf("--ref %s recorded %s %q, want git %s", ref, m.Source.Kind, m.Source.Commit, commit)
		}
		if len(m.Source.Files) != 5 {
			t.Errorf("--ref %s recorded %d files, want 5", ref, len(m.Source.Files))
		}
	}
	if got := mustRun(t, "--data", data, "cat", "x@1", "VERSION"); got != "$Format:%H$\n" {
		t.Errorf("VERSION = %q; the committed blob must be recorded unchanged", got)
	}
	// A clone by URL gives the same release.
	out := mustRun(t, "--data", data, "submit", "--product", "x", "--version", "1", "--git", "file://"+repo, "--ref", "v1")
	if id := mustRun(t, "--data", data, "submit", "--product", "x", "--version", "1", "--git", repo, "--ref", "v1"); id != out {
		t.Errorf("clone by URL gave %s, local path %s", out, id)
	}
}

func TestArchiveSourceKeepsTheArchive(t *testing.T) {
	dir := t.TempDir()
	raw := makeTar(t, tarEntry{name: "hello-1.0/", typ: '5'}, tarEntry{name: "hello-1.0/configure", body: "#!/bin/sh\n", mode: 0o755})
	arc := writeFile(t, filepath.Join(dir, "hello-1.0.tar.gz"), gzipBytes(t, raw))
	data := filepath.Join(dir, "data")
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", "1.0", "--source", arc))
	got := mustRun(t, "--data", data, "cat", id, "archive")
	want, _ := os.ReadFile(arc)
	if got != string(want) {
		t.Error("cat archive does not return the submitted archive")
	}
	if got := mustRun(t, "--data", data, "cat", id, "hello-1.0/configure"); got != "#!/bin/sh\n" {
		t.Errorf("configure = %q", got)
	}
}

func TestCorruptEvidenceIsReportedNotServed(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "p", "--version", "1", "--source", src))
	h := sha256Hex([]byte("int main(void) { return 0; }\n"))
	blob := filepath.Join(data, "evidence", "sha256", h[:2], h)
	os.Chmod(blob, 0o644)
	writeFile(t, blob, []byte("int main(void) { return 1; }\n"))
	code, out, errOut := glassboxRun(t, "--data", data, "cat", id, "main.c")
	if code != exitError || out != "" || !strings.Contains(errOut, "corrupt") {
		t.Errorf("cat of corrupt evidence: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, a := range [][]string{
		{"submit"},
		{"submit", "--product", "p", "--version", "1"},
		{"submit", "--product", "p", "--version", "1", "--git", "x"},
		{"submit", "--no-such-flag"},
		{"show"},
		{"cat", "x"},
		{"frobnicate"},
		{"--db", "mysql://x", "releases"},
		{"submit", "--product", "p", "--version", "1", "--source", "/nonexistent/src.tar"}, // a missing path
	} {
		code, _, errOut := glassboxRun(t, append([]string{"--data", data}, a...)...)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d: %s", a, code, exitError, errOut)
		}
	}
	for _, a := range [][]string{
		{"submit", "--product", "../etc", "--version", "1", "--source", "."},
		{"submit", "--product", "p", "--version", "1 beta", "--source", "."},
	} {
		if code, _, errOut := glassboxRun(t, append([]string{"--data", data}, a...)...); code != exitRefused {
			t.Errorf("%v: exit %d, want %d: %s", a, code, exitRefused, errOut)
		}
	}
	if code, out, _ := glassboxRun(t, "submit", "--help"); code != exitOK || !strings.Contains(out, "--artifact") {
		t.Errorf("submit --help: exit %d: %s", code, out)
	}
}

// TestSubmittingTheDirectoryThatHoldsTheData submits "." with the data
// directory inside it: the centre's own files are not source.
func TestSubmittingTheDirectoryThatHoldsTheData(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.c"), []byte("int main(void) { return 0; }\n"))
	data := filepath.Join(dir, "glassbox-data")
	mustRun(t, "--data", data, "submit", "--product", "p", "--version", "1", "--source", dir)
	var m glassbox.Manifest
	code, out, errOut := glassboxRun(t, "--data", data, "submit", "--product", "p", "--version", "2", "--source", dir, "--json")
	if code != exitOK || json.Unmarshal([]byte(out), &m) != nil {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(m.Source.Files) != 1 || m.Source.Files[0].Path != "main.c" || !strings.Contains(errOut, "skipped glassbox-data") {
		t.Errorf("source files %+v; stderr %s", m.Source.Files, errOut)
	}
}

// A recipe rebuild could not read is refused at submit, with rebuild's own
// error, and nothing is stored.
func TestMalformedRecipeIsRefusedAtSubmit(t *testing.T) {
	data, src := submitTiny(t)
	before := listing(t, data)
	for _, tc := range []struct{ recipe, want string }{
		{"build: [make]\n", "no artifacts"},
		{"build: [make]\nartifacts: {fw: fw.bin}\nbogus: 1\n", "bogus"},
		{"\x00\x01 not yaml", "recipe"},
	} {
		recipe := writeFile(t, filepath.Join(t.TempDir(), "recipe.yaml"), []byte(tc.recipe))
		code, _, errOut := glassboxRun(t, "--data", data, "submit", "--product", "acme/router", "--version", "1.0.1", "--source", src, "--recipe", recipe)
		if code != exitRefused || !strings.Contains(errOut, tc.want) {
			t.Errorf("recipe %q: exit %d: %s; want exit 1 naming %q", tc.recipe, code, errOut, tc.want)
		}
	}
	if after := listing(t, data); !slices.Equal(before, after) {
		t.Errorf("a refused submit changed the data directory")
	}
}
