package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev/diff"
)

// writeTarGz writes a one-member tar.gz with the given content and time.
func writeTarGz(t *testing.T, path, body string, mtime time.Time) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "hello-1.0/main.go", Mode: 0o644, Size: int64(len(body)), ModTime: mtime, Typeflag: tar.TypeReg})
	tw.Write([]byte(body))
	tw.Close()
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 3, 29, 12, 0, 0, 0, time.UTC)
	a, same, b, later := filepath.Join(dir, "a", "hello-1.0.tar.gz"), filepath.Join(dir, "same.tar.gz"), filepath.Join(dir, "b", "hello-1.0.tar.gz"), filepath.Join(dir, "later.tar.gz")
	os.MkdirAll(filepath.Dir(a), 0o755)
	os.MkdirAll(filepath.Dir(b), 0o755)
	writeTarGz(t, a, "package main\n\nfunc main() { println(\"hello\") }\n", t0)
	writeTarGz(t, same, "package main\n\nfunc main() { println(\"hello\") }\n", t0)
	writeTarGz(t, b, "package main\n\nfunc main() { println(\"howdy\") }\n", t0)
	writeTarGz(t, later, "package main\n\nfunc main() { println(\"hello\") }\n", t0.Add(time.Hour))

	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"equal files", []string{"diff", a, same}, exitOK, []string{"equal (sha256:"}},
		{"a changed line", []string{"diff", a, b}, exitRefused, []string{
			"hello-1.0.tar.gz → hello-1.0/main.go → line 3: data: lines 3 → 3:",
			"1 differences, 0 benign",
		}},
		{"a changed time", []string{"diff", a, later}, exitRefused, []string{
			"→ hello-1.0/main.go: timestamp: mtime 2024-03-29T12:00:00Z → 2024-03-29T13:00:00Z",
			"1 differences, 1 benign",
		}},
		{"a missing file", []string{"diff", a, filepath.Join(dir, "nope")}, exitError, nil},
		{"a directory", []string{"diff", a, dir}, exitError, nil},
		{"one argument", []string{"diff", a}, exitError, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := glassboxRun(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}

	t.Run("--json", func(t *testing.T) {
		code, out, _ := glassboxRun(t, "diff", "--json", a, b)
		if code != exitRefused {
			t.Fatalf("exit %d", code)
		}
		var res diff.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Equal || len(res.Differences) != 1 || res.Differences[0].Path[1] != "hello-1.0/main.go" || res.Differences[0].Kind != diff.KindData {
			t.Fatalf("result %+v", res)
		}
	})
}
