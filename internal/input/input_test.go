package input

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"glassbox.dev"
)

func TestReadFileBoundsSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact")
	os.WriteFile(exact, make([]byte, 1<<10), 0o644)
	sparse := filepath.Join(dir, "sparse")
	if f, err := os.Create(sparse); err == nil {
		f.Truncate(1 << 40) // 1 TiB of nothing on disk
		f.Close()
	}
	for _, tc := range []struct {
		name, path string
		code, want string
	}{
		{"a device without end", "/dev/zero", glassbox.EINVALID, "suppressions file /dev/zero is larger than 1 KiB, the most glassbox reads of a suppressions file"},
		{"a sparse file of 1 TiB", sparse, glassbox.EINVALID, "larger than 1 KiB"},
		{"a missing file", filepath.Join(dir, "nope"), glassbox.ENOTFOUND, "does not exist"},
		{"a directory", dir, glassbox.EINVALID, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(ctx, tc.path, "suppressions file", 1<<10)
			if err == nil || glassbox.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadFile(%s) = %d bytes, %v; want %s naming %q", tc.path, len(b), err, tc.code, tc.want)
			}
		})
	}
	if b, err := ReadFile(ctx, exact, "file", 1<<10); err != nil || len(b) != 1<<10 {
		t.Errorf("a file of exactly the limit: %d bytes, %v", len(b), err)
	}
	if _, err := ReadFile(ctx, filepath.Join(dir, "nope"), "file", 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file's error does not wrap fs.ErrNotExist: %v", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{4 << 20: "4 MiB", 512 << 10: "512 KiB", 100: "100 bytes", 1<<20 + 1: "1048577 bytes", 2 << 30: "2 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q; want %q", n, got, want)
		}
	}
}

// A FIFO nobody writes to holds neither the open nor the read past the
// context's end.
func TestReadFileStopsWithTheContext(t *testing.T) {
	for _, writer := range []bool{false, true} {
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if writer {
			w, err := os.OpenFile(fifo, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := ReadFile(ctx, fifo, "recipe", 1<<20)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "recipe "+fifo) {
			t.Errorf("writer %v: ReadFile of a silent FIFO after cancel: %v", writer, err)
		}
	}
}

// /dev/zero never blocks: the reading stops at the next read after the
// context ends, not at the size limit.
func TestReadStopsAnEndlessSource(t *testing.T) {
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, f, "/dev/zero", "SBOM", 1<<40); !errors.Is(err, context.Canceled) {
		t.Errorf("Read of /dev/zero with a 1 TiB limit after cancel: %v", err)
	}
}
