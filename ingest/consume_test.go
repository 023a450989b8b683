package ingest_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
)

// TestAConsumedSubmissionMovesItsFilesIn submits the same archive and
// artefact twice into two data directories, once copied and once given
// up (Request.Consume, as the server does with its uploads): the releases
// are the same, the copied files stay where they were and the consumed
// ones are gone from theirs, moved into the store rather than copied.
func TestAConsumedSubmissionMovesItsFilesIn(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range map[string]string{"hello/main.c": "int main(void) { return 0; }\n", "hello/README": "hello\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()

	submit := func(consume bool) (string, string, string) {
		c := centretest.New(t, "ingest.test/log")
		dir := c.Dir
		archive, art := filepath.Join(dir, "hello-1.0.tar"), filepath.Join(dir, "hello")
		if err := os.WriteFile(archive, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(art, []byte("\x7fELF binary"), 0o755); err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{Blobs: c.Blobs, Releases: c.Store}
		res, err := in.Submit(t.Context(), ingest.Request{Product: "hello", Version: "1.0", SourceArchive: archive,
			Artifacts: []string{art}, Limits: ingest.DefaultLimits(), Consume: consume})
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Release.ID), archive, art
	}
	copied, archive, art := submit(false)
	for _, p := range []string{archive, art} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("a copied submission took %s away: %v", p, err)
		}
	}
	consumed, archive, art := submit(true)
	if consumed != copied {
		t.Errorf("the consumed submission is release %s, the copied one %s; want the same", consumed, copied)
	}
	for _, p := range []string{archive, art} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a consumed submission left %s where it was: %v", p, err)
		}
	}
}
