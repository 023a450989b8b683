package rebuild

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"glassbox.dev"
	"glassbox.dev/ingest"
)

// vendoredModule is a Go program whose one dependency is vendored, laid
// out as release archives are (crane's go-containerregistry-0.20.2 among
// them): everything in a top-level folder, vendor/ beside go.mod.
var vendoredModule = map[string]string{
	"go.mod": "module example.com/tool\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
	"main.go": `package main

import "example.com/dep"

func main() { println(dep.Greeting()) }
`,
	"vendor/modules.txt":            "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\n",
	"vendor/example.com/dep/dep.go": "package dep\n\nfunc Greeting() string { return \"vendored\" }\n",
}

// writeTarGz writes files under a top-level folder into a .tar.gz.
func writeTarGz(t *testing.T, path, folder string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var all []string
	for d := range dirs {
		all = append(all, d)
	}
	sort.Strings(all)
	tw.WriteHeader(&tar.Header{Name: folder + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, d := range all {
		tw.WriteHeader(&tar.Header{Name: folder + "/" + d + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	}
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: folder + "/" + n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))})
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRebuildVendoredTarball: a release archive whose module sits in a
// top-level folder with its dependencies vendored rebuilds bit for bit
// without a recipe: the sandbox vendors because the module does, wherever
// its go.mod is, not only at the archive's root.
func TestRebuildVendoredTarball(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program in the sandbox from a cold cache; skipped in -short mode")
	}
	needBwrap(t)
	// The vendor's build, as they would run it from the unpacked folder.
	src := t.TempDir()
	for name, content := range vendoredModule {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := hostGoBuild(t, src)
	archive := filepath.Join(t.TempDir(), "tool-1.0.0.tar.gz")
	writeTarGz(t, archive, "tool-1.0.0", vendoredModule)

	c := newCentre(t)
	rel := c.submit(t, ingest.Request{Product: "example/tool", Version: "1.0.0", SourceArchive: archive, Artifacts: []string{bin}})
	c.rebuild(t, &Rebuilder{Blobs: c.blobs}, rel)
}

// TestIncompleteVendorIsNotVendored: a tree whose vendor/modules.txt lists
// packages that vendor/ does not hold (a module zip keeps modules.txt and
// drops the packages: crane 0.20.2's module) is built from fetched
// modules, not with -mod=vendor, which could not build it.
func TestIncompleteVendorIsNotVendored(t *testing.T) {
	const list = "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\nexample.com/dep/sub\n"
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"complete", map[string]string{"vendor/modules.txt": list, "vendor/example.com/dep/dep.go": "package dep", "vendor/example.com/dep/sub/sub.go": "package sub"}, true},
		{"module zip: modules.txt only", map[string]string{"vendor/modules.txt": list}, false},
		{"one package missing", map[string]string{"vendor/modules.txt": list, "vendor/example.com/dep/dep.go": "package dep"}, false},
		{"a listed path escapes vendor/", map[string]string{"vendor/modules.txt": "# m v1\n../../etc\n", "etc/x": "x"}, false},
		{"no modules.txt", map[string]string{"vendor/example.com/dep/dep.go": "package dep"}, false},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for name, content := range tt.files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := vendored(dir); got != tt.want {
			t.Errorf("%s: vendored = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRecipeRunsInTheTarballsFolder: a release tarball keeps everything
// in one top-level folder (cJSON-1.7.18/); its vendor unpacks it and runs
// the build there, so the recipe's commands and artefact paths are
// relative to that folder, not to the archive's root.
func TestRecipeRunsInTheTarballsFolder(t *testing.T) {
	needBwrap(t)
	files := map[string]string{
		"Makefile":   "lib.txt: src/lib.in\n\tcp src/lib.in lib.txt\n",
		"src/lib.in": "the library\n",
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	archive := filepath.Join(t.TempDir(), "lib-1.0.tar.gz")
	writeTarGz(t, archive, "lib-1.0", files)
	shipped := filepath.Join(t.TempDir(), "lib.txt")
	if err := os.WriteFile(shipped, []byte(files["src/lib.in"]), 0o644); err != nil {
		t.Fatal(err)
	}
	recipe := filepath.Join(t.TempDir(), "glassbox-recipe.yaml")
	if err := os.WriteFile(recipe, []byte("build:\n  - make lib.txt\nartifacts:\n  lib.txt: lib.txt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCentre(t)
	rel := c.submit(t, ingest.Request{Product: "example/lib", Version: "1.0", SourceArchive: archive, Recipe: recipe, Artifacts: []string{shipped}})
	if got := ProjectFolder(&rel.Manifest.Source); got != "lib-1.0" {
		t.Errorf("ProjectFolder = %q, want lib-1.0", got)
	}
	c.rebuild(t, &Rebuilder{Blobs: c.blobs}, rel)

	// Two top-level entries: the root is the project.
	src := glassbox.Source{Kind: glassbox.SourceArchive, Files: []glassbox.File{{Path: "a/x"}, {Path: "b"}}}
	if got := ProjectFolder(&src); got != "" {
		t.Errorf("ProjectFolder of a/x and b = %q, want the root", got)
	}
	src = glassbox.Source{Kind: glassbox.SourceArchive, Files: []glassbox.File{{Path: "golang.org/x/example/hello@v0.1.0/go.mod"}, {Path: "golang.org/x/example/hello@v0.1.0/reverse/reverse.go"}}}
	if got := ProjectFolder(&src); got != "golang.org/x/example/hello@v0.1.0" {
		t.Errorf("ProjectFolder of a module zip = %q, want its MODULE@VERSION folder", got)
	}
	src = glassbox.Source{Kind: glassbox.SourceArchive, Files: []glassbox.File{{Path: "lib-1.0/a@b/x"}, {Path: "lib-1.0/y"}}}
	if got := ProjectFolder(&src); got != "lib-1.0" {
		t.Errorf("ProjectFolder of a tarball with an @ in a file name = %q, want lib-1.0", got)
	}
	src = glassbox.Source{Kind: glassbox.SourceDirectory, Files: []glassbox.File{{Path: "a/x"}}}
	if got := ProjectFolder(&src); got != "" {
		t.Errorf("ProjectFolder of a directory source = %q, want the root (only archives have a top-level folder by convention)", got)
	}
}
