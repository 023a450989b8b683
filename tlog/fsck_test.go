package tlog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// fillLog appends n leaves to a new log in dir and closes it: a full tile
// and a partial one at level 0 for n > 256.
func fillLog(t *testing.T, dir string, n int) (note.Signer, note.Verifier) {
	t.Helper()
	s, v := newKeys(t, testOrigin)
	l, err := Open(context.Background(), dir, s, v, Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := l.Append(context.Background(), fmt.Appendf(nil, "leaf %d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	return s, v
}

// A damaged log is refused on open, with an error that names what is
// damaged, and is left as it was: nothing is appended to it, nothing is
// served from it.
func TestOpenRefusesACorruptLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(dir string) error
		want   string
	}{
		{"full tile truncated", func(dir string) error { return truncateHalf(filepath.Join(dir, "tile/0/000")) }, "tile/0/000"},
		{"partial tile truncated", func(dir string) error { return truncateHalf(filepath.Join(dir, "tile/0/001.p/44")) }, "tile/0/001.p/44"},
		{"tile rewritten", func(dir string) error {
			p := filepath.Join(dir, "tile/0/000")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[100] ^= 1
			return os.WriteFile(p, b, 0o644)
		}, "tile/0/000"},
		{"entry bundle truncated", func(dir string) error { return truncateHalf(filepath.Join(dir, "tile/entries/000")) }, "tile/entries/000 does not hold"},
		{"checkpoint deleted", func(dir string) error { return os.Remove(filepath.Join(dir, "checkpoint")) }, "checkpoint is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, v := fillLog(t, dir, 300)
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			l, err := Open(context.Background(), dir, s, v, Options{})
			if err == nil {
				l.Close(context.Background())
				t.Fatalf("a log with its %s opened", tc.name)
			}
			if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "backup") {
				t.Errorf("Open = %v; want ECORRUPT naming %q and what to do", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("the error spans lines: %q", err)
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("opening the corrupt log changed it")
			}
		})
	}
}

func TestOpenChecksAnIntactLog(t *testing.T) {
	dir := t.TempDir()
	s, v := fillLog(t, dir, 300)
	l := openTestLog(t, dir, s, v)
	if _, err := l.Append(context.Background(), []byte("one more")); err != nil {
		t.Fatal(err)
	}
}

func truncateHalf(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	return os.Truncate(p, fi.Size()/2)
}

// snapshot lists every file in dir with its content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		c, err := os.ReadFile(p)
		fmt.Fprintf(&b, "%s %q %v\n", p, c, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// BenchmarkCheck measures the check every Open makes, on a log of 65,536
// entries of 200 bytes.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	s, v := newKeys(b, testOrigin)
	l, err := Open(context.Background(), dir, s, v, Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		b.Fatal(err)
	}
	leaf := bytes.Repeat([]byte("x"), 200)
	var futures []func() (uint64, error)
	for range 1 << 16 {
		f, err := l.Add(context.Background(), leaf)
		if err != nil {
			b.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		if _, err := f(); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Check(context.Background(), dir, v); err != nil {
			b.Fatal(err)
		}
	}
}
