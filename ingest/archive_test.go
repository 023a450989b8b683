package ingest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

type tarMember struct {
	name, body, link string
	typ              byte
	mode             int64
}

func tarBytes(t testing.TB, members ...tarMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Typeflag: m.typ, Linkname: m.link, Mode: m.mode, Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(m.body))
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			hdr = &tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": m.body}}
			m.body = ""
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(m.body))
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func xzBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zipBytes(t testing.TB, files map[string]string, modes map[string]fs.FileMode) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if m, ok := modes[name]; ok {
			h.SetMode(m)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[name]))
	}
	zw.Close()
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// readTree reads an archive into a fresh tree backed by a real evidence
// store and returns its files, discarding what was staged.
func readTree(t testing.TB, store *evidence.FS, data []byte, limits Limits) ([]glassbox.File, error) {
	ctx := context.Background()
	tr := newTree(ctx, "test archive", &budget{limits: limits}, func(r io.Reader) (glassbox.StagedBlob, error) { return store.Stage(ctx, r) }, nil)
	defer func() {
		for _, b := range tr.staged {
			b.Discard()
		}
	}()
	if err := readArchive(tr, bytes.NewReader(data), int64(len(data))); err != nil {
		return nil, err
	}
	return tr.files()
}

func testStore(t testing.TB) *evidence.FS {
	s, err := evidence.OpenFS(filepath.Join(t.TempDir(), "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestArchivesAreReadFaithfully(t *testing.T) {
	store := testStore(t)
	members := []tarMember{
		{name: "./", typ: tar.TypeDir},
		{typ: tar.TypeXGlobalHeader, body: "5c1f…commit"},
		{name: "./hello-1.0/", typ: tar.TypeDir},
		{name: "./hello-1.0/configure", body: "#!/bin/sh\n", mode: 0o755},
		{name: "./hello-1.0/src/main.c", body: "int main(void) { return 0; }\n"},
		{name: "./hello-1.0/lib/libhello.so.1", body: "\x7fELF"},
		{name: "./hello-1.0/lib/libhello.so", typ: tar.TypeSymlink, link: "libhello.so.1"},
		{name: "./hello-1.0/docs/main.c", typ: tar.TypeLink, link: "./hello-1.0/src/main.c"},
		{name: "./hello-1.0/docs/up", typ: tar.TypeSymlink, link: "../src/./main.c"},
		{name: "./hello-1.0/dangling", typ: tar.TypeSymlink, link: "not/there"},
	}
	raw := tarBytes(t, members...)
	want := []glassbox.File{
		{Path: "hello-1.0/configure", Size: 10, Mode: glassbox.ModeExecutable, Digest: glassbox.DigestOf([]byte("#!/bin/sh\n"))},
		{Path: "hello-1.0/dangling", Size: 9, Mode: glassbox.ModeSymlink, Digest: glassbox.DigestOf([]byte("not/there")), Target: "not/there"},
		{Path: "hello-1.0/docs/main.c", Size: 29, Mode: glassbox.ModeRegular, Digest: glassbox.DigestOf([]byte("int main(void) { return 0; }\n"))},
		{Path: "hello-1.0/docs/up", Size: 15, Mode: glassbox.ModeSymlink, Digest: glassbox.DigestOf([]byte("../src/./main.c")), Target: "../src/./main.c"},
		{Path: "hello-1.0/lib/libhello.so", Size: 13, Mode: glassbox.ModeSymlink, Digest: glassbox.DigestOf([]byte("libhello.so.1")), Target: "libhello.so.1"},
		{Path: "hello-1.0/lib/libhello.so.1", Size: 4, Mode: glassbox.ModeRegular, Digest: glassbox.DigestOf([]byte("\x7fELF"))},
		{Path: "hello-1.0/src/main.c", Size: 29, Mode: glassbox.ModeRegular, Digest: glassbox.DigestOf([]byte("int main(void) { return 0; }\n"))},
	}
	for name, data := range map[string][]byte{"tar": raw, "tar.gz": gz(raw), "tar.xz": xzBytes(t, raw)} {
		t.Run(name, func(t *testing.T) {
			got, err := readTree(t, store, data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d files, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("file %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
	t.Run("zip", func(t *testing.T) {
		data := zipBytes(t, map[string]string{"a/run.sh": "echo hi\n", "a/link": "run.sh", "a/": ""},
			map[string]fs.FileMode{"a/run.sh": 0o755, "a/link": fs.ModeSymlink | 0o777, "a/": fs.ModeDir | 0o755})
		got, err := readTree(t, store, data, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Path != "a/link" || got[0].Target != "run.sh" || got[1].Mode != glassbox.ModeExecutable {
			t.Errorf("zip read as %+v", got)
		}
	})
}

func TestSymlinkResolution(t *testing.T) {
	store := testStore(t)
	tests := []struct {
		name  string
		links map[string]string // path → target
		ok    bool
	}{
		{"sibling", map[string]string{"a/l": "b"}, true},
		{"up then down", map[string]string{"a/b/l": "../../c/d"}, true},
		{"to root", map[string]string{"a/l": ".."}, true},
		{"above root", map[string]string{"a/l": "../.."}, false},
		{"absolute", map[string]string{"l": "/usr/lib"}, false},
		{"through a link to root", map[string]string{"here": ".", "l": "here/../x"}, false},
		{"through a deeper link", map[string]string{"d": "a/b", "l": "d/../x"}, true},
		{"chain that climbs", map[string]string{"a/up": "..", "a/l": "up/a/up/.."}, false},
		{"missing directory", map[string]string{"a/up": "..", "a/l": "up/up/x"}, true},
		{"self loop", map[string]string{"l": "l"}, false},
		{"long chain", func() map[string]string {
			m := map[string]string{}
			for i := range 45 {
				m["l"+string(rune('A'+i))] = "l" + string(rune('A'+i+1))
			}
			return m
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []tarMember
			for _, p := range sortedKeys(tt.links) {
				ms = append(ms, tarMember{name: p, typ: tar.TypeSymlink, link: tt.links[p]})
			}
			_, err := readTree(t, store, tarBytes(t, ms...), DefaultLimits())
			if (err == nil) != tt.ok {
				t.Errorf("links %v: err = %v; want ok = %v", tt.links, err, tt.ok)
			}
			if err != nil && glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Errorf("refusal has code %q, want %q", glassbox.ErrorCode(err), glassbox.EINVALID)
			}
		})
	}
}

// FuzzReadArchive feeds arbitrary bytes to the archive readers. Whatever the
// input, they must not panic, must refuse with EINVALID rather than fail
// internally, and anything they accept must obey the tree's rules.
func FuzzReadArchive(f *testing.F) {
	seed := tarBytes(f, tarMember{name: "a/b.c", body: "x"}, tarMember{name: "a/l", typ: tar.TypeSymlink, link: "b.c"},
		tarMember{name: "h", typ: tar.TypeLink, link: "a/b.c"}, tarMember{name: "d/", typ: tar.TypeDir})
	f.Add(seed)
	f.Add(gz(seed))
	f.Add(xzBytes(f, seed))
	f.Add(zipBytes(f, map[string]string{"x/y": "z", "x/l": "y"}, map[string]fs.FileMode{"x/l": fs.ModeSymlink}))
	f.Add(tarBytes(f, tarMember{name: "../x", body: "x"}))
	store := testStore(f)
	limits := Limits{MaxTotalSize: 1 << 20, MaxEntries: 1000, MaxRatio: 100}
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := readTree(t, store, data, limits)
		if err != nil {
			if code := glassbox.ErrorCode(err); code != glassbox.EINVALID {
				t.Fatalf("refusal with code %q, want %q: %v", code, glassbox.EINVALID, err)
			}
			return
		}
		seen := map[string]bool{}
		for i, file := range files {
			if err := file.Validate(); err != nil {
				t.Fatalf("accepted an invalid file: %v", err)
			}
			if i > 0 && files[i-1].Path >= file.Path {
				t.Fatalf("files not sorted or duplicated at %q", file.Path)
			}
			k := foldKey(file.Path)
			if seen[k] {
				t.Fatalf("accepted colliding name %q", file.Path)
			}
			seen[k] = true
		}
	})
}

// TestSparseTarBomb reads tar files holding one sparse file of 100 MiB of
// holes (made by GNU tar --sparse, in its GNU and PAX formats). The tar
// reader expands the holes itself, beneath any decompressor, so a few
// kilobytes of plain tar would otherwise store gigabytes past the
// compression-ratio limit.
func TestSparseTarBomb(t *testing.T) {
	store := testStore(t)
	zeros := sha256.New()
	zeros.Write(make([]byte, 100<<20))
	zeros.Write([]byte("end"))
	wantDigest := glassbox.NewDigest([32]byte(zeros.Sum(nil)))
	for _, name := range []string{"gnu.tar.gz", "pax.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			compressed, err := os.ReadFile(filepath.Join("testdata", "sparse", name))
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(bytes.NewReader(compressed))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = readTree(t, store, raw, DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), "compression bomb") {
				t.Fatalf("a %d-byte tar expanding to 100 MiB: err = %v, want a compression bomb refusal", len(raw), err)
			}
			// With the ratio limit raised, the sparse file is read faithfully.
			files, err := readTree(t, store, raw, Limits{MaxTotalSize: 1 << 30, MaxEntries: 10, MaxRatio: 1e9})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 1 || files[0].Path != "s/holes.img" || files[0].Size != 100<<20+3 || files[0].Digest != wantDigest {
				t.Errorf("read as %+v", files)
			}
		})
	}
}

// TestLongAndDeepNames checks the bounds that keep checking a tree linear in
// its size: names and link targets no longer than PATH_MAX, directories
// implied by names counted as entries, and link resolution that does not
// rescan a deep path at every step.
func TestLongAndDeepNames(t *testing.T) {
	store := testStore(t)
	deep := strings.Repeat("a/", 2000) // 4000 bytes, 2000 directories
	limits := Limits{MaxTotalSize: 1 << 30, MaxEntries: 100_000, MaxRatio: 200}

	_, err := readTree(t, store, tarBytes(t, tarMember{name: strings.Repeat("a/", 3000) + "x", body: "x"}), limits)
	if err == nil || !strings.Contains(err.Error(), "longer than 4096 bytes") {
		t.Errorf("a 6000-byte name: err = %v", err)
	}
	_, err = readTree(t, store, tarBytes(t, tarMember{name: "x", body: "x"}, tarMember{name: "l", typ: tar.TypeSymlink, link: strings.Repeat("a/", 3000) + "x"}), limits)
	if err == nil || !strings.Contains(err.Error(), "target longer than 4096 bytes") {
		t.Errorf("a 6000-byte link target: err = %v", err)
	}

	// 100 names of 2000 directories each imply 200,000 directories.
	var ms []tarMember
	for i := range 100 {
		ms = append(ms, tarMember{name: fmt.Sprintf("d%03d/%sx", i, deep), body: "x"})
	}
	_, err = readTree(t, store, tarBytes(t, ms...), limits)
	if err == nil || !strings.Contains(err.Error(), "more than 100000 entries") {
		t.Errorf("200,000 implied directories: err = %v", err)
	}

	// Thousands of links each resolving through 2000 directories.
	ms = []tarMember{{name: deep + "x", body: "x"}}
	for i := range 5000 {
		ms = append(ms, tarMember{name: fmt.Sprintf("l%04d", i), typ: tar.TypeSymlink, link: deep + "x"})
	}
	ms = append(ms, tarMember{name: "up", typ: tar.TypeSymlink, link: deep[:1800] + strings.Repeat("../", 700) + "x"})
	start := time.Now()
	files, err := readTree(t, store, tarBytes(t, ms...), limits)
	if err != nil || len(files) != 5002 {
		t.Errorf("links into a deep tree: %d files, err = %v", len(files), err)
	}
	// About a second alone (two CPUs); resolving by rebuilding each path
	// took minutes. The bound is loose for a loaded machine.
	if d := time.Since(start); d > 90*time.Second {
		t.Errorf("checking 5000 links in a deep tree took %v", d)
	}
}
