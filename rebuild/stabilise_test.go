package rebuild

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/ingest"
)

type tm struct {
	name, body string
	mtime      int64
	uid        int
}

func tarOf(t *testing.T, ms ...tm) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range ms {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), ModTime: time.Unix(m.mtime, 0), Uid: m.uid, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
		tw.Write([]byte(m.body))
	}
	tw.Close()
	return b.Bytes()
}

func gz(t *testing.T, data []byte, level int, mtime int64) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, level)
	zw.ModTime = time.Unix(mtime, 0)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

func zipOf(t *testing.T, method uint16, mtime int64, names ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method, Modified: time.Unix(mtime, 0)})
		w.Write([]byte("content of " + n))
	}
	zw.Close()
	return b.Bytes()
}

func TestStabilisers(t *testing.T) {
	base := tarOf(t, tm{"a", "1", 100, 0}, tm{"b", "2", 100, 0})
	tests := []struct {
		name    string
		a, b    []byte
		needs   []Stabiliser // equal with these, different without
		neverEq bool         // different whatever is declared
	}{
		{"timestamps in tar", base, tarOf(t, tm{"a", "1", 200, 0}, tm{"b", "2", 300, 0}), []Stabiliser{StabiliseTimestamps}, false},
		{"order in tar", base, tarOf(t, tm{"b", "2", 100, 0}, tm{"a", "1", 100, 0}), []Stabiliser{StabiliseOrder}, false},
		{"owners in tar", base, tarOf(t, tm{"a", "1", 100, 1000}, tm{"b", "2", 100, 1000}), []Stabiliser{StabiliseOwners}, false},
		{"gzip header time", gz(t, base, 6, 1), gz(t, base, 6, 2), []Stabiliser{StabiliseTimestamps}, false},
		{"gzip level", gz(t, base, 1, 1), gz(t, base, 9, 1), []Stabiliser{StabiliseCompression}, false},
		{"tar.gz with time and order", gz(t, base, 6, 1), gz(t, tarOf(t, tm{"b", "2", 7, 0}, tm{"a", "1", 8, 0}), 9, 5),
			[]Stabiliser{StabiliseCompression, StabiliseTimestamps, StabiliseOrder}, false},
		{"zip method and time", zipOf(t, zip.Store, 100, "x", "y"), zipOf(t, zip.Deflate, 200, "x", "y"), []Stabiliser{StabiliseCompression, StabiliseTimestamps}, false},
		{"content is never normalised", base, tarOf(t, tm{"a", "1", 100, 0}, tm{"b", "3", 100, 0}), nil, true},
		{"plain bytes", []byte("binary one"), []byte("binary two"), nil, true},
	}
	norm := func(data []byte, s []Stabiliser) string {
		d, err := Normalise(bytes.NewReader(data), s)
		if err != nil {
			t.Fatal(err)
		}
		return string(d)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.neverEq {
				if norm(tt.a, Stabilisers) == norm(tt.b, Stabilisers) {
					t.Errorf("equal after every stabiliser; a real difference was normalised away")
				}
				return
			}
			if norm(tt.a, nil) == norm(tt.b, nil) {
				t.Errorf("equal with no stabiliser")
			}
			if norm(tt.a, tt.needs) != norm(tt.b, tt.needs) {
				t.Errorf("different after %v", tt.needs)
			}
			for i := range tt.needs {
				fewer := append(append([]Stabiliser{}, tt.needs[:i]...), tt.needs[i+1:]...)
				if norm(tt.a, fewer) == norm(tt.b, fewer) {
					t.Errorf("equal without %s, which should be needed", tt.needs[i])
				}
			}
		})
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := tarOf(t, tm{"a", "1", 100, 0}, tm{"b", "2", 100, 0})
	shipped := write("shipped.tar", base)
	d := glassbox.DigestOf(base)
	same := write("same.tar", base)
	later := write("later.tar", tarOf(t, tm{"b", "2", 500, 0}, tm{"a", "1", 500, 0}))
	changed := write("changed.tar", tarOf(t, tm{"a", "1", 100, 0}, tm{"b", "X", 100, 0}))
	explain := func(a, b string) ([]string, error) { return []string{"b: content differs"}, nil }
	for _, tt := range []struct {
		name     string
		rebuilt  string
		declared []Stabiliser
		verdict  Verdict
		needed   []Stabiliser
	}{
		{"bit for bit", same, nil, Equivalent, nil},
		{"later build, undeclared", later, nil, Different, nil},
		{"later build, declared", later, Stabilisers, EquivalentAfter, []Stabiliser{StabiliseOrder, StabiliseTimestamps}},
		{"changed content", changed, Stabilisers, Different, nil},
	} {
		r, err := Compare("x.tar", d, shipped, tt.rebuilt, tt.declared, explain)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != tt.verdict || !slices.Equal(r.Stabilisers, tt.needed) {
			t.Errorf("%s: verdict %s after %v; want %s after %v", tt.name, r.Verdict, r.Stabilisers, tt.verdict, tt.needed)
		}
		if r.Verdict == Different && len(r.Differences) == 0 {
			t.Errorf("%s: different without an explanation", tt.name)
		}
	}
}

// zipBomb writes a gzip stream of a zip local file header followed by
// zeros: a few hundred kilobytes that inflate to size bytes, the shape of
// a shipped artefact that once drove the compression stabiliser to read
// gigabytes into memory.
func zipBomb(t *testing.T, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write([]byte("PK\x03\x04"))
	zeros := make([]byte, 1<<20)
	for n := 0; n < size; n += len(zeros) {
		zw.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNormaliseBomb: a compression bomb is stopped by the limits ingest
// applies to submissions, and is streamed rather than read into memory on
// the way.
func TestNormaliseBomb(t *testing.T) {
	bomb := zipBomb(t, 128<<20)
	t.Logf("bomb: %d bytes inflating to 128 MiB", len(bomb))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Normalise(bytes.NewReader(bomb), []Stabiliser{StabiliseCompression})
	runtime.ReadMemStats(&after)
	want := fmt.Sprintf("expands more than %g times", ingest.DefaultLimits().MaxRatio)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Normalise of a bomb: %v; want an error saying it %s", err, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("normalising the bomb allocated %d MiB; it should stream", alloc>>20)
	}

	// Compare judges it different and says why, rather than dropping the
	// reason.
	dir := t.TempDir()
	shipped, rebuilt := filepath.Join(dir, "shipped.gz"), filepath.Join(dir, "rebuilt.gz")
	os.WriteFile(shipped, bomb, 0o644)
	os.WriteFile(rebuilt, gz(t, []byte("small"), 6, 0), 0o644)
	r, err := Compare("a.gz", glassbox.DigestOf(bomb), shipped, rebuilt, []Stabiliser{StabiliseCompression}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Different || !strings.Contains(strings.Join(r.Differences, "\n"), want) {
		t.Errorf("Compare: verdict %s, differences %q", r.Verdict, r.Differences)
	}
}

// TestNormaliseNestedZip: a zip is normalised from the file when it is
// one, and from a bounded spool when it is inside another archive, with
// the same result as before.
func TestNormaliseNestedZip(t *testing.T) {
	a := zipOf(t, zip.Store, 100, "x", "y")
	b := zipOf(t, zip.Deflate, 200, "y", "x")
	stab := []Stabiliser{StabiliseCompression, StabiliseTimestamps, StabiliseOrder}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		a, b []byte
	}{
		{"zip", a, b},
		{"zip in gzip", gz(t, a, 1, 0), gz(t, b, 9, 5)},
		// (A tar member's size is part of its line: the two zips are the
		// same size here.)
		{"zip in tar", tarOf(t, tm{"z.zip", string(a), 0, 0}), tarOf(t, tm{"z.zip", string(zipOf(t, zip.Store, 200, "y", "x")), 0, 0})},
	} {
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(pa, c.a, 0o644)
		os.WriteFile(pb, c.b, 0o644)
		da, err := normaliseFile(pa, stab)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		db, err := normaliseFile(pb, stab)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if da != db {
			t.Errorf("%s: different after %v", c.name, stab)
		}
		if dn, _ := Normalise(bytes.NewReader(c.a), stab); dn != da {
			t.Errorf("%s: normalised from a file and from a stream differ", c.name)
		}
	}
}
