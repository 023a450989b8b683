package precision

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tarGz(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// An archive entry that climbs out of the extraction root, or is absolute,
// refuses the whole archive and writes nothing outside it.
func TestUnpackRefusesEscapes(t *testing.T) {
	for _, name := range []string{"../evil.txt", "pkg/../../evil.txt", "/tmp/evil.txt"} {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			dst := filepath.Join(base, "root")
			os.Mkdir(dst, 0o755)
			src := filepath.Join(base, "a.tgz")
			os.WriteFile(src, tarGz(t, map[string]string{name: "x"}), 0o644)
			err := Unpack(src, dst)
			if err == nil || !strings.Contains(err.Error(), "refusing the archive") {
				t.Fatalf("Unpack(%q) = %v, want a refusal", name, err)
			}
			if _, err := os.Stat(filepath.Join(base, "evil.txt")); err == nil {
				t.Fatal("an entry was written outside the extraction root")
			}
		})
	}
}

func TestUnpackZipAndLinks(t *testing.T) {
	base := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("mod@v1.0.0/main.go")
	w.Write([]byte("package main\n"))
	zw.Close()
	src := filepath.Join(base, "m.zip")
	os.WriteFile(src, buf.Bytes(), 0o644)
	dst := filepath.Join(base, "root")
	os.Mkdir(dst, 0o755)
	if err := Unpack(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "mod@v1.0.0", "main.go")); err != nil || string(b) != "package main\n" {
		t.Fatalf("main.go = %q, %v", b, err)
	}

	// A symbolic link is not created, so a later entry cannot write
	// through it.
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "p/link", Typeflag: tar.TypeSymlink, Linkname: "/etc"})
	tw.WriteHeader(&tar.Header{Name: "p/link/passwd", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	os.WriteFile(src, tb.Bytes(), 0o644)
	dst2 := filepath.Join(base, "root2")
	os.Mkdir(dst2, 0o755)
	if err := Unpack(src, dst2); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(dst2, "p", "link")); err != nil || !fi.IsDir() {
		t.Fatalf("p/link: %v, %v; want a plain folder", fi, err)
	}
}

func TestParseCorpus(t *testing.T) {
	ps, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]int{}
	for _, p := range ps {
		if p.SHA256 == "-" {
			t.Errorf("%s is not pinned by digest", p.Name)
		}
		langs[p.Language]++
	}
	if len(ps) < 50 {
		t.Errorf("the corpus has %d projects, want at least 50", len(ps))
	}
	for _, l := range []string{"go", "javascript", "c", "python", "java", "php"} {
		if langs[l] == 0 {
			t.Errorf("the corpus has no %s project", l)
		}
	}
	if _, err := ParseCorpus([]byte("h\na\tgo\tgo\tv1\tgo:x@v1\t-\tsource\na\tgo\tgo\tv1\tgo:x@v1\t-\tsource\n")); err == nil {
		t.Error("a project listed twice was accepted")
	}
}
