package input

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
