package diff

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"glassbox.dev"
)

// file is one member of an archive built by a test.
type file struct {
	name  string
	body  string
	mtime time.Time
	mode  int64
	uid   int
	uname string
}

var t0 = time.Date(2024, 3, 29, 12, 0, 0, 0, time.UTC)

func makeTar(t *testing.T, files []file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		mtime := f.mtime
		if mtime.IsZero() {
			mtime = t0
		}
		h := &tar.Header{Name: f.name, Mode: mode, Size: int64(len(f.body)), ModTime: mtime, Uid: f.uid, Uname: f.uname, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, b []byte, level int, mtime time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	zw.ModTime = mtime
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func makeZip(t *testing.T, files []file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		mtime := f.mtime
		if mtime.IsZero() {
			mtime = t0
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeAr writes a System V ar archive by hand, as dpkg-deb does.
func makeAr(files []file) []byte {
	var buf bytes.Buffer
	buf.WriteString(arMagic)
	for _, f := range files {
		fmt.Fprintf(&buf, "%-16s%-12d%-6d%-6d%-8o%-10d`\n", f.name, f.mtime.Unix(), f.uid, 0, 0o100644, len(f.body))
		buf.WriteString(f.body)
		if len(f.body)%2 == 1 {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

func xzBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func in(name string, b []byte) Input {
	return Input{Name: name, R: bytes.NewReader(b), Size: int64(len(b))}
}

func compare(t *testing.T, name string, a, b []byte, o Options) *Result {
	t.Helper()
	res, err := Compare(context.Background(), in(name, a), in(name, b), o)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	for _, d := range res.Differences {
		t.Logf("%s", d)
	}
	return res
}

// want is a difference a case expects: its path, kind, and a piece of its
// detail.
type want struct {
	path   string // joined with " → "
	kind   Kind
	detail string
}

func has(res *Result, w want) bool {
	for _, d := range res.Differences {
		if strings.Join(d.Path, " → ") == w.path && d.Kind == w.kind && strings.Contains(d.Detail, w.detail) {
			return true
		}
	}
	return false
}

const mainGo = "package main\n\nfunc main() {\n\tprintln(\"hello\")\n}\n"

func TestCompareArchives(t *testing.T) {
	base := []file{
		{name: "hello-1.0/README", body: "Hello prints a greeting.\n"},
		{name: "hello-1.0/main.go", body: mainGo},
		{name: "hello-1.0/LICENSE", body: "BSD\n"},
	}
	with := func(change func(fs []file) []file) []file {
		return change(slices.Clone(base))
	}
	later := t0.Add(time.Hour)
	tgz := func(fs []file) []byte { return gz(t, makeTar(t, fs), gzip.BestCompression, t0) }
	deb := func(data []file) []byte {
		return makeAr([]file{
			{name: "debian-binary", body: "2.0\n", mtime: t0},
			{name: "control.tar.gz", body: string(tgz([]file{{name: "./control", body: "Package: hello\n"}})), mtime: t0},
			{name: "data.tar.xz", body: string(xzBytes(t, makeTar(t, data))), mtime: t0},
		})
	}
	tests := []struct {
		name      string
		file      string
		a, b      []byte
		want      []want
		allBenign bool
	}{
		{
			name: "tar.gz differing in mtimes only",
			file: "hello-1.0.tar.gz",
			a:    tgz(base),
			b: gz(t, makeTar(t, with(func(fs []file) []file {
				for i := range fs {
					fs[i].mtime = later
				}
				return fs
			})), gzip.BestCompression, later),
			want: []want{
				{"hello-1.0.tar.gz", KindTimestamp, "gzip header time"},
				{"hello-1.0.tar.gz → hello-1.0/main.go", KindTimestamp, "mtime 2024-03-29T12:00:00Z → 2024-03-29T13:00:00Z"},
			},
			allBenign: true,
		},
		{
			name:      "tar.gz with members in another order",
			file:      "hello-1.0.tar.gz",
			a:         tgz(base),
			b:         tgz(with(func(fs []file) []file { slices.Reverse(fs); return fs })),
			want:      []want{{"hello-1.0.tar.gz", KindOrdering, `member 1 is "hello-1.0/README" in A, "hello-1.0/LICENSE" in B`}},
			allBenign: true,
		},
		{
			name: "tar.gz with one member's line changed",
			file: "hello-1.0.tar.gz",
			a:    tgz(base),
			b: tgz(with(func(fs []file) []file {
				fs[1].body = strings.Replace(mainGo, "hello", "howdy", 1)
				return fs
			})),
			want: []want{{"hello-1.0.tar.gz → hello-1.0/main.go → line 4", KindData, `-"\tprintln(\"hello\")" +"\tprintln(\"howdy\")"`}},
		},
		{
			name: "tar.gz with owners, modes, added and removed members",
			file: "hello-1.0.tar.gz",
			a:    tgz(base),
			b: tgz(with(func(fs []file) []file {
				fs[0].uid, fs[0].uname = 1000, "builder"
				fs[1].mode = 0o755
				return append(fs[:2], file{name: "hello-1.0/NEWS", body: "1.0\n"})
			})),
			want: []want{
				{"hello-1.0.tar.gz → hello-1.0/README", KindOwner, "uid 0 → 1000"},
				{"hello-1.0.tar.gz → hello-1.0/README", KindOwner, "user  → builder"},
				{"hello-1.0.tar.gz → hello-1.0/main.go", KindMode, "mode 0644 → 0755"},
				{"hello-1.0.tar.gz → hello-1.0/LICENSE", KindRemoved, "only in A"},
				{"hello-1.0.tar.gz → hello-1.0/NEWS", KindAdded, "only in B"},
			},
		},
		{
			name: "gzip with the same payload at another level",
			file: "hello-1.0.tar.gz",
			a:    tgz(base),
			b:    gz(t, makeTar(t, base), gzip.BestSpeed, t0),
			want: []want{{"hello-1.0.tar.gz", KindCompression, "best compression → fastest"}},
		},
		{
			name: "zip with a changed member and a new time",
			file: "hello-1.0.zip",
			a:    makeZip(t, base),
			b: makeZip(t, with(func(fs []file) []file {
				fs[0].mtime = later
				fs[1].body = strings.Replace(mainGo, "hello", "howdy", 1)
				return fs
			})),
			want: []want{
				{"hello-1.0.zip → hello-1.0/README", KindTimestamp, "modified"},
				{"hello-1.0.zip → hello-1.0/main.go → line 4", KindData, "howdy"},
			},
		},
		{
			name:      "zip with members in another order",
			file:      "hello-1.0.zip",
			a:         makeZip(t, base),
			b:         makeZip(t, with(func(fs []file) []file { slices.Reverse(fs); return fs })),
			want:      []want{{"hello-1.0.zip", KindOrdering, "member 1"}},
			allBenign: true,
		},
		{
			name: "deb with a changed file in data.tar.xz",
			file: "hello_1.0_amd64.deb",
			a:    deb([]file{{name: "./usr/bin/hello", body: "#!/bin/sh\necho hello\n"}}),
			b:    deb([]file{{name: "./usr/bin/hello", body: "#!/bin/sh\necho howdy\n"}}),
			want: []want{{"hello_1.0_amd64.deb → data.tar.xz → ./usr/bin/hello → line 2", KindData, `-"echo hello" +"echo howdy"`}},
		},
		{
			name: "ar members with another mtime and owner",
			file: "libhello.a",
			a:    makeAr([]file{{name: "hello.o", body: "\x7fobject", mtime: t0}}),
			b:    makeAr([]file{{name: "hello.o", body: "\x7fobject", mtime: later, uid: 1000}}),
			want: []want{
				{"libhello.a → hello.o", KindTimestamp, "mtime 1711713600 → 1711717200"},
				{"libhello.a → hello.o", KindOwner, "uid 0 → 1000"},
			},
			allBenign: true,
		},
		{
			name:      "text differing only in a build path",
			file:      "config.h",
			a:         []byte("#define A 1\n#define SRCDIR \"/home/alice/src/hello\"\n#define B 2\n"),
			b:         []byte("#define A 1\n#define SRCDIR \"/tmp/build-7/hello\"\n#define B 2\n"),
			want:      []want{{"config.h → line 2", KindBuildPath, "lines 2 → 2"}},
			allBenign: true,
		},
		{
			name:      "text differing only in a timestamp",
			file:      "BUILDINFO",
			a:         []byte("built 2024-03-29T12:00:00Z\n"),
			b:         []byte("built 2025-01-02T08:30:00Z\n"),
			want:      []want{{"BUILDINFO → line 1", KindTimestamp, "built"}},
			allBenign: true,
		},
		{
			name: "binary data",
			file: "blob.bin",
			a:    []byte{0, 1, 2, 3, 4, 5, 6, 7},
			b:    []byte{0, 1, 2, 3, 9, 5, 6, 7},
			want: []want{{"blob.bin", KindData, "1 of 8 bytes differ, first at offset 0x4"}},
		},
		{
			name: "different formats",
			file: "x",
			a:    tgz(base),
			b:    makeZip(t, base),
			want: []want{{"x", KindData, "format differs: gzip → zip"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := compare(t, tc.file, tc.a, tc.b, Options{})
			if res.Equal {
				t.Fatal("Equal for different inputs")
			}
			for _, w := range tc.want {
				if !has(res, w) {
					t.Errorf("missing difference %s: %s: …%s…", w.path, w.kind, w.detail)
				}
			}
			if tc.allBenign && res.Benign() != len(res.Differences) {
				t.Errorf("%d of %d differences benign, want all", res.Benign(), len(res.Differences))
			}
		})
	}
}

func TestCompareIdentical(t *testing.T) {
	b := gz(t, makeTar(t, []file{{name: "a", body: "a\n"}}), 9, t0)
	res := compare(t, "a.tar.gz", b, bytes.Clone(b), Options{})
	if !res.Equal || len(res.Differences) != 0 || res.ADigest != res.BDigest {
		t.Fatalf("identical inputs: %+v", res)
	}
}

func TestLimits(t *testing.T) {
	zeros := make([]byte, 64<<20)
	bomb := gz(t, zeros, gzip.BestCompression, t0)
	other := gz(t, append(zeros[:len(zeros)-1:len(zeros)-1], 1), gzip.BestCompression, t0)

	t.Run("a decompression bomb is refused", func(t *testing.T) {
		_, err := Compare(context.Background(), in("bomb.gz", bomb), in("bomb.gz", other), Options{MaxTotalBytes: 16 << 20})
		if glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Fatalf("err = %v, want an EINVALID error", err)
		}
	})
	t.Run("a member over the size limit is compared but not inspected", func(t *testing.T) {
		res := compare(t, "bomb.gz", bomb, other, Options{MaxMemberSize: 1 << 20})
		if !has(res, want{"bomb.gz", KindData, "not inspected"}) {
			t.Fatal("no 'not inspected' difference")
		}
	})
	t.Run("differences are bounded", func(t *testing.T) {
		var fa, fb []file
		for i := range 50 {
			fa = append(fa, file{name: fmt.Sprint(i), body: "a"})
			fb = append(fb, file{name: fmt.Sprint(i), body: "b"})
		}
		res := compare(t, "x.tar", makeTar(t, fa), makeTar(t, fb), Options{MaxDifferences: 10})
		if len(res.Differences) != 10 || !res.Truncated {
			t.Fatalf("%d differences, truncated %v; want 10, true", len(res.Differences), res.Truncated)
		}
	})
	t.Run("nesting is bounded", func(t *testing.T) {
		a, b := []byte("a\n"), []byte("b\n")
		for range 20 {
			a, b = gz(t, a, 9, t0), gz(t, b, 9, t0)
		}
		res := compare(t, "deep.gz", a, b, Options{})
		if !has(res, want{"deep.gz", KindData, "nested deeper than 12 levels"}) {
			t.Fatal("no depth-limit difference")
		}
	})
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		a, b string
		want []hunk
	}{
		{"a b c", "a x c", []hunk{{1, 2, 1, 2}}},
		{"a b c", "a c", []hunk{{1, 2, 1, 1}}},
		{"a c", "a b c", []hunk{{1, 1, 1, 2}}},
		{"a b c d e", "a x c d y", []hunk{{1, 2, 1, 2}, {4, 5, 4, 5}}},
		{"a b c d e f", "b c x e f g", []hunk{{0, 1, 0, 0}, {3, 4, 2, 3}, {6, 6, 5, 6}}},
		{"", "a", []hunk{{0, 0, 0, 1}}},
	}
	for _, tc := range tests {
		got, ok := lineDiff(strings.Fields(tc.a), strings.Fields(tc.b), 100)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("lineDiff(%q, %q) = %v, %v; want %v", tc.a, tc.b, got, ok, tc.want)
		}
	}
}

// TestCompareGoBinaries builds a real program several ways and checks that
// the diff names what changed.
func TestCompareGoBinaries(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	if testing.Short() {
		t.Skip("builds Go binaries")
	}
	dir := t.TempDir()
	src := `package main

import (
	"fmt"
	"os"
)

//go:noinline
func something(x int) int {
	return x*3 + 1
}

func main() {
	fmt.Println("hello", something(len(os.Args)))
}
`
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(src)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(out string, flags ...string) []byte {
		cmd := exec.Command(goTool, append(append([]string{"build"}, flags...), "-o", out, ".")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", flags, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a1 := build(filepath.Join(dir, "a1"), "-trimpath")
	a2 := build(filepath.Join(dir, "a2"), "-trimpath")
	noTrim := build(filepath.Join(dir, "c"))
	write(strings.Replace(src, "x*3 + 1", "x*7 + 5", 1))
	changed := build(filepath.Join(dir, "b"), "-trimpath")
	// A bigger change adds code, a string and a call, so that the code,
	// strings and types after them move.
	write(strings.Replace(src, "return x*3 + 1", `if x > 3 { fmt.Println(x, x*x, "big") }; return x*7 + 5`, 1))
	grown := build(filepath.Join(dir, "d"), "-trimpath")

	t.Run("two -trimpath builds are equal", func(t *testing.T) {
		if res := compare(t, "hello", a1, a2, Options{}); !res.Equal {
			t.Fatal("not Equal")
		}
	})
	t.Run("a changed line names its function", func(t *testing.T) {
		res := compare(t, "hello", a1, changed, Options{})
		var code []string
		for _, d := range res.Differences {
			if d.Kind == KindCode {
				code = append(code, strings.Join(d.Path, " → "))
			}
		}
		if !slices.Equal(code, []string{"hello → .text → main.something"}) {
			t.Fatalf("code differences %q; want only main.something", code)
		}
	})
	t.Run("a change that moves code and data still names its function", func(t *testing.T) {
		res := compare(t, "hello", a1, grown, Options{})
		var code []string
		for _, d := range res.Differences {
			if d.Kind == KindCode {
				code = append(code, d.Path[len(d.Path)-1])
			}
		}
		// Functions whose bytes differ only in references to moved code,
		// strings and types are not reported; a few whose references
		// land in data whose content moved too may be.
		if !slices.Contains(code, "main.something") || len(code) > 10 {
			t.Fatalf("code differences %q; want main.something among at most 10", code)
		}
	})
	t.Run("a build without -trimpath differs in build paths", func(t *testing.T) {
		res := compare(t, "hello", a1, noTrim, Options{})
		if !has(res, want{"hello → .go.buildinfo → -trimpath", KindBuildPath, "-trimpath=true → (unset)"}) {
			t.Error("no -trimpath build-path difference")
		}
		if !has(res, want{"hello → .gopclntab", KindBuildPath, dir}) {
			t.Error("no build-path difference naming the build directory in .gopclntab")
		}
	})
}

// FuzzCompare feeds Compare arbitrary pairs: it must return, without
// panicking, a result or an error, and Equal exactly for equal bytes.
func FuzzCompare(f *testing.F) {
	seeds := [][2][]byte{
		{[]byte("a\nb\n"), []byte("a\nc\n")},
		{[]byte("!<arch>\n"), []byte("!<arch>\nx")},
		{xzMagic, append(slices.Clone(xzMagic), 0, 1, 2)},
		{[]byte("\x7fELF\x02\x01\x01"), []byte("\x7fELF\x01\x01\x01")},
		{[]byte("PK\x05\x06" + strings.Repeat("\x00", 18)), []byte("PK\x03\x04")},
		{[]byte{0x1f, 0x8b, 8, 0}, []byte{0x1f, 0x8b, 8, 4, 0, 0}},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	o := Options{MaxTotalBytes: 64 << 20, MaxMemberSize: 8 << 20}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res, err := Compare(context.Background(), in("a", a), in("a", b), o)
		if err != nil {
			return
		}
		if res.Equal != bytes.Equal(a, b) {
			t.Fatalf("Equal = %v for bytes equal %v", res.Equal, bytes.Equal(a, b))
		}
		if !res.Equal && len(res.Differences) == 0 {
			t.Fatal("different inputs with no difference reported")
		}
	})
}

// TestTarGzAgainstTarXzComparesTheMembers: a release's .tar.gz and its
// .tar.xz with the same members differ only in their compression, and
// every member is reported identical; with one member changed, that
// member is the difference found, the others identical. (Before, the
// comparison stopped at "format differs: gzip → xz".)
func TestTarGzAgainstTarXzComparesTheMembers(t *testing.T) {
	members := []file{{name: "pkg-1.0/README", body: "read me\n"}, {name: "pkg-1.0/main.c", body: "int main(void) { return 0; }\n"}, {name: "pkg-1.0/Makefile", body: "all:\n\tcc main.c\n"}}
	tarA := makeTar(t, members)
	res := compare(t, "pkg-1.0", gz(t, tarA, 9, t0), xzBytes(t, tarA), Options{})
	if res.Equal || len(res.Differences) != 1 || res.Differences[0].Kind != KindCompression || !strings.Contains(res.Differences[0].Detail, "tar of 3 members compressed with gzip → xz") || res.IdenticalMembers != 3 {
		t.Errorf("same members, gzip against xz: %+v, %d identical members; want one compression difference, 3 identical", res.Differences, res.IdenticalMembers)
	}

	changed := append([]file(nil), members...)
	changed[1].body = "int main(void) { return 1; }\n"
	res = compare(t, "pkg-1.0", gz(t, tarA, 9, t0), xzBytes(t, makeTar(t, changed)), Options{})
	var data []string
	for _, d := range res.Differences {
		if d.Kind != KindCompression {
			data = append(data, strings.Join(d.Path, "/"))
		}
	}
	if len(data) != 1 || !strings.Contains(data[0], "pkg-1.0/main.c/") || res.IdenticalMembers != 2 {
		t.Errorf("one member changed: differences at %v, %d identical members; want pkg-1.0/main.c and 2", data, res.IdenticalMembers)
	}
}
