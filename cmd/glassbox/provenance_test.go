package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/provenance"
)

// xzLikeRepo is a small autotools project in git, tagged v5.6.1.
func xzLikeRepo(t *testing.T, dir string) string {
	return gitRepo(t, dir, func(d string) {
		writeFile(t, filepath.Join(d, "configure.ac"), []byte("AC_INIT([xz], [5.6.1])\ngl_BUILD_TO_HOST\nAC_OUTPUT\n"))
		writeFile(t, filepath.Join(d, "Makefile.am"), []byte("SUBDIRS = src\n"))
		writeFile(t, filepath.Join(d, "m4", "gettext.m4"), []byte("AC_DEFUN([AM_GNU_GETTEXT], [])\n"))
		writeFile(t, filepath.Join(d, "src", "liblzma.c"), []byte("int lzma_code(void) { return 0; }\n"))
		writeFile(t, filepath.Join(d, "tests", "files", "good-1.xz"), []byte("\xfd7zXZ\x00good"))
		writeFile(t, filepath.Join(d, ".gitignore"), []byte("*.o\n"))
	})
}

func TestProvenanceFlagsWhatOnlyTheArchiveHas(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	xzLikeRepo(t, repo)
	// The release archive: the tagged tree under xz-5.6.1/, without
	// .gitignore, plus what autoreconf generates — and one macro that is in
	// no upstream and not in git, and a test file that differs.
	entries := []tarEntry{
		{name: "xz-5.6.1/configure.ac", body: "AC_INIT([xz], [5.6.1])\ngl_BUILD_TO_HOST\nAC_OUTPUT\n"},
		{name: "xz-5.6.1/Makefile.am", body: "SUBDIRS = src\n"},
		{name: "xz-5.6.1/m4/gettext.m4", body: "AC_DEFUN([AM_GNU_GETTEXT], [])\n"},
		{name: "xz-5.6.1/src/liblzma.c", body: "int lzma_code(void) { return 0; }\n"},
		{name: "xz-5.6.1/tests/files/good-1.xz", body: "\xfd7zXZ\x00good but different"},
		{name: "xz-5.6.1/configure", body: "#!/bin/sh\n# generated\n", mode: 0o755},
		{name: "xz-5.6.1/Makefile.in", body: "# generated\n"},
		{name: "xz-5.6.1/m4/build-to-host.m4", body: "AC_DEFUN([gl_BUILD_TO_HOST], [eval $(sed ... tests/files/bad-3-corrupt_lzma2.xz | tr ...)])\n"},
	}
	arc := writeFile(t, filepath.Join(dir, "xz-5.6.1.tar.gz"), gzipBytes(t, makeTar(t, entries...)))
	data := filepath.Join(dir, "data")
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "xz", "--version", "5.6.1", "--source", arc, "--git", repo, "--ref", "v1"))

	code, out, errOut := glassboxRun(t, "--data", data, "provenance", id)
	if code != exitRefused {
		t.Fatalf("provenance: exit %d, want %d: %s%s", code, exitRefused, out, errOut)
	}
	for _, want := range []string{"m4/build-to-host.m4", "DIFFERS FROM", "xz-5.6.1/"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not mention %q:\n%s", want, out)
		}
	}
	var rep provenance.Report
	code, js, _ := glassboxRun(t, "--data", data, "provenance", "--json", id)
	if code != exitRefused || json.Unmarshal([]byte(js), &rep) != nil {
		t.Fatalf("provenance --json: exit %d: %s", code, js)
	}
	got := map[string]provenance.Finding{}
	for _, f := range rep.Findings {
		got[f.Path] = f
	}
	for p, want := range map[string]struct {
		change    provenance.Change
		severity  provenance.Severity
		generated bool
	}{
		"m4/build-to-host.m4":   {provenance.Added, provenance.High, true},
		"configure":             {provenance.Added, provenance.High, true},
		"Makefile.in":           {provenance.Added, provenance.High, true},
		"tests/files/good-1.xz": {provenance.Changed, provenance.Medium, false},
		".gitignore":            {provenance.Removed, provenance.Low, false},
	} {
		f, ok := got[p]
		if !ok || f.Change != want.change || f.Severity != want.severity || f.Generated != want.generated {
			t.Errorf("%s: got %+v (present %v), want %+v", p, f, ok, want)
		}
	}
	if rep.Identical != 4 || len(rep.Findings) != 5 {
		t.Errorf("identical %d, findings %d: %+v", rep.Identical, len(rep.Findings), rep.Findings)
	}
	if rep.Findings[0].Severity != provenance.High {
		t.Errorf("findings are not ordered by severity: %+v", rep.Findings)
	}
}

func TestProvenanceOfAFaithfulArchive(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	gitRepo(t, repo, func(d string) {
		writeFile(t, filepath.Join(d, "main.go"), []byte("package main\n\nfunc main() {}\n"))
		writeFile(t, filepath.Join(d, ".gitignore"), []byte("/bin\n"))
	})
	arc := writeFile(t, filepath.Join(dir, "x.tar"), makeTar(t, tarEntry{name: "x-1/main.go", body: "package main\n\nfunc main() {}\n"}))
	data := filepath.Join(dir, "data")
	id := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "x", "--version", "1", "--source", arc, "--git", repo, "--ref", "v1"))
	if code, out, errOut := glassboxRun(t, "--data", data, "provenance", id); code != exitOK || !strings.Contains(out, "MATCHES") {
		t.Errorf("a faithful archive: exit %d\n%s%s", code, out, errOut)
	}
	// A release without a claimed origin cannot be checked.
	id2 := strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "x", "--version", "2", "--source", arc))
	if code, _, errOut := glassboxRun(t, "--data", data, "provenance", id2); code != exitRefused || !strings.Contains(errOut, "--git") {
		t.Errorf("no origin: exit %d: %s", code, errOut)
	}
}
