package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// glassboxRun runs one command line in-process and returns its exit code,
// standard output and standard error.
func glassboxRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// needSandbox fails a test that rebuilds when bubblewrap is missing: a
// skipped rebuild would pass unnoticed.
func needSandbox(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
}

// eachBackend runs test once per metadata database (SQLite, and
// PostgreSQL when GLASSBOX_TEST_POSTGRES names a server), each in a fresh
// directory dir holding the data directory data; global points commands
// at both.
func eachBackend(t *testing.T, test func(t *testing.T, dir, data string, global []string)) {
	for name, backend := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			test(t, dir, data, append([]string{"--data", data}, backend(t)...))
		})
	}
}

// mustRun runs a command line that must succeed and returns its output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := glassboxRun(t, args...)
	if code != exitOK {
		t.Fatalf("glassbox %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// dataArgs points a command at a data directory and, when the suite runs
// against PostgreSQL, at a fresh schema there.
func dataArgs(t *testing.T, data string) []string {
	t.Helper()
	return []string{"--data", data}
}

// listing describes every file under dir — path, mode, size and SHA-256 of
// its content — so that two listings are equal exactly when nothing under
// dir was created, removed or changed.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v %d", rel, fi.Mode(), fi.Size())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			line += " " + hex.EncodeToString(sum[:])
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// tarEntry is one member of a test archive.
type tarEntry struct {
	name     string
	typ      byte
	body     string
	linkname string
	mode     int64
	size     int64 // if non-zero, overrides len(body) in the header
}

func makeTar(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.linkname, Mode: e.mode, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// zipEntry is one member of a test zip archive.
type zipEntry struct {
	name  string
	body  string
	mode  fs.FileMode
	flags uint16
	store bool
	zeros int // if non-zero, the body is this many zero bytes
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags}
		if e.store {
			hdr.Method = zip.Store
		}
		if e.mode != 0 {
			hdr.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		if e.zeros > 0 {
			chunk := make([]byte, 1<<20)
			for n := e.zeros; n > 0; n -= len(chunk) {
				w.Write(chunk[:min(n, len(chunk))])
			}
		} else {
			w.Write([]byte(e.body))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// gitRepo makes a real git repository in dir from a function that fills
// its work tree, commits it and tags the commit v1.
func gitRepo(t *testing.T, dir string, fill func(dir string)) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "init", "-q", "-b", "main")
	fill(dir)
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "-c", "user.name=Vendor", "-c", "user.email=vendor@example.org", "commit", "-q", "-m", "release")
	gitCmd(t, dir, "tag", "v1")
	return strings.TrimSpace(gitCmd(t, dir, "rev-parse", "HEAD"))
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
