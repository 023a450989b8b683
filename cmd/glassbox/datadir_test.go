package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// submitTiny stores a one-file release, acme/router@1.0.0, in a new data
// directory, and returns the directory and the release's source.
func submitTiny(t *testing.T) (data, src string) {
	t.Helper()
	dir := t.TempDir()
	data, src = filepath.Join(dir, "data"), filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
	mustRun(t, "--data", data, "submit", "--product", "acme/router", "--version", "1.0.0", "--source", src)
	return data, src
}

// The SQLite database deleted from a data directory that still holds the
// evidence and the log: every command says so, exits 2, and creates no new,
// empty database.
func TestDeletedDatabaseIsReported(t *testing.T) {
	data, src := submitTiny(t)
	db := filepath.Join(data, "glassbox.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	before := listing(t, data)
	for _, args := range [][]string{{"releases"}, {"show", "acme/router@1.0.0"}, {"submit", "--product", "acme/router", "--version", "1.0.1", "--source", src}} {
		code, out, errOut := glassboxRun(t, append([]string{"--data", data}, args...)...)
		if code != exitError || out != "" || !strings.Contains(errOut, "glassbox.db does not exist") || !strings.Contains(errOut, "restore") {
			t.Errorf("%s with the database deleted: exit %d, stdout %q, stderr %q", args[0], code, out, errOut)
		}
	}
	if after := listing(t, data); !slices.Equal(before, after) {
		t.Errorf("the refused commands changed the data directory:\n%v\n%v", before, after)
	}
}
