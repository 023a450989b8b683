package rebuild

import (
	"os"
	"slices"

	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"glassbox.dev"
	"testing"
	"time"
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
