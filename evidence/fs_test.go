package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"glassbox.dev"
)

func openTestFS(t *testing.T) *FS {
	t.Helper()
	s, err := OpenFS(filepath.Join(t.TempDir(), "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t *testing.T, s *FS, content string) (glassbox.Digest, int) {
	t.Helper()
	ctx := context.Background()
	b, err := s.Stage(ctx, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Commit(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return b.Digest(), n
}

func read(t *testing.T, s *FS, d glassbox.Digest) (string, error) {
	t.Helper()
	rc, err := s.Open(context.Background(), d)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func TestStaleStagingAreasAreRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stage(context.Background(), strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	// A second store on the same directory must leave a live staging area alone.
	other, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.staging); err != nil {
		t.Fatalf("a live staging area was removed: %v", err)
	}
	// Simulate a process that died: its lock is released but its files stay.
	live := s.staging
	s.lock.Close()
	other.Close()
	if _, err := OpenFS(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("stale staging area %s survived: %v", live, err)
	}
}

// TestTempDirIsAbsolute: staging areas are handed to other tools (the
// rebuild sandbox), which need absolute paths, even when the store was
// opened with a relative one.
func TestTempDirIsAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := OpenFS("evidence")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir, err := s.TempDir()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(dir) {
		t.Errorf("TempDir() = %q, not absolute", dir)
	}
}

// TestAdoptMovesAFileIn stages a file by moving it into the store: the
// blob holds its content under its digest, the file is gone from where
// it was, and a link to the same file elsewhere still reads it whole (the
// upload a refused submission keeps). A file on another filesystem is
// refused with EXDEV, and left where it is.
func TestAdoptMovesAFileIn(t *testing.T) {
	s := openTestFS(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "upload")
	content := bytes.Repeat([]byte("release "), 100000)
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	kept := src + ".kept"
	if err := os.Link(src, kept); err != nil {
		t.Fatal(err)
	}
	b, err := s.Adopt(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if b.Digest() != glassbox.DigestOf(content) || b.Size() != int64(len(content)) {
		t.Fatalf("adopted %s of %d bytes; want %s of %d", b.Digest(), b.Size(), glassbox.DigestOf(content), len(content))
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Errorf("the adopted file is still at its path: %v", err)
	}
	if _, err := read(t, s, b.Digest()); err == nil {
		t.Errorf("an adopted blob is visible before it is committed")
	}
	if _, err := s.Commit(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, err := read(t, s, b.Digest()); err != nil || got != string(content) {
		t.Errorf("the committed blob reads %d bytes, %v", len(got), err)
	}
	if got, err := os.ReadFile(kept); err != nil || !bytes.Equal(got, content) {
		t.Errorf("the other link to the file reads %d bytes, %v", len(got), err)
	}

	other, err := os.CreateTemp("/dev/shm", "glassbox-adopt-")
	if err != nil {
		t.Skipf("no other filesystem to try: %v", err)
	}
	other.Close()
	defer os.Remove(other.Name())
	if fs, ts := device(t, other.Name()), device(t, s.root); fs == ts {
		t.Skip("/dev/shm is on the store's filesystem")
	}
	if _, err := s.Adopt(ctx, other.Name()); !errors.Is(err, syscall.EXDEV) {
		t.Errorf("adopting a file on another filesystem: %v; want EXDEV", err)
	}
	if _, err := os.Stat(other.Name()); err != nil {
		t.Errorf("a file that could not be adopted is gone: %v", err)
	}
}

func device(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Dev)
}
