package ingest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"glassbox.dev"
)

// TestPackDirReadsBackAsTheSameTree packs a directory as the CLI does
// before a remote submission and checks that the archive is the same bytes
// every time, leaves out version-control metadata as a local submission
// does, and is read back as exactly the tree the directory is read as:
// the same paths, modes, links and digests.
func TestPackDirReadsBackAsTheSameTree(t *testing.T) {
	root := t.TempDir()
	for name, body := range map[string]string{"main.go": "package main\n", "lib/util.go": "package lib\n", "run.sh": "#!/bin/sh\n", ".git/HEAD": "ref: refs/heads/main\n", "empty/.keep": ""} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("lib/util.go", filepath.Join(root, "util.go")); err != nil {
		t.Fatal(err)
	}
	pack := func() []byte {
		var b bytes.Buffer
		skipped, err := PackDir(&b, root)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(skipped, []string{".git"}) {
			t.Errorf("skipped %q; want the .git directory", skipped)
		}
		return b.Bytes()
	}
	first := pack()
	// Times change; the archive does not.
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(root, "main.go"), later, later)
	if again := pack(); !bytes.Equal(first, again) {
		t.Fatal("the same tree packed twice gives different archives")
	}

	store := testStore(t)
	fromArchive, err := readTree(t, store, first, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tr := newTree(ctx, "test directory", &budget{limits: DefaultLimits()}, func(r io.Reader) (glassbox.StagedBlob, error) { return store.Stage(ctx, r) }, nil)
	defer func() {
		for _, b := range tr.staged {
			b.Discard()
		}
	}()
	if _, err := readDir(tr, root, nil); err != nil {
		t.Fatal(err)
	}
	fromDir, err := tr.files()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromArchive, fromDir) {
		t.Errorf("the packed archive reads as\n%+v\nthe directory as\n%+v", fromArchive, fromDir)
	}
}
