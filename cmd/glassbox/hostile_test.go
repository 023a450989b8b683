package main

import (
	"archive/tar"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// hostileCase is a submission glassbox must refuse without leaving a trace.
type hostileCase struct {
	name string
	// make writes the hostile input under dir and returns the submit flags
	// that name it.
	make func(t *testing.T, dir string) []string
	want string // a fragment of the error message
}

func archiveCase(name, file string, data func(t *testing.T) []byte, want string) hostileCase {
	return hostileCase{name: name, want: want, make: func(t *testing.T, dir string) []string {
		return []string{"--source", writeFile(t, filepath.Join(dir, file), data(t))}
	}}
}

func tarCase(name, want string, entries ...tarEntry) hostileCase {
	return archiveCase(name, "src.tar", func(t *testing.T) []byte { return makeTar(t, entries...) }, want)
}

func zipCase(name, want string, entries ...zipEntry) hostileCase {
	return archiveCase(name, "src.zip", func(t *testing.T) []byte { return makeZip(t, entries...) }, want)
}

var ok = tarEntry{name: "ok.c", body: "int main(void) { return 0; }\n"}

var hostileCases = []hostileCase{
	// Path traversal.
	tarCase("tar dot-dot", "escapes the extraction root", ok, tarEntry{name: "../evil.sh", body: "x"}),
	tarCase("tar nested dot-dot", "escapes the extraction root", ok, tarEntry{name: "src/../../evil.sh", body: "x"}),
	tarCase("tar absolute path", "escapes the extraction root", ok, tarEntry{name: "/etc/cron.d/evil", body: "x"}),
	tarCase("tar drive letter", "escapes the extraction root", ok, tarEntry{name: "C:/Windows/evil.dll", body: "x"}),
	tarCase("tar drive-relative", "escapes the extraction root", ok, tarEntry{name: "c:evil.dll", body: "x"}),
	tarCase("tar backslash traversal", "escapes the extraction root", ok, tarEntry{name: `..\..\evil.dll`, body: "x"}),
	tarCase("tar backslash in a name", "backslash", ok, tarEntry{name: `src\evil.dll`, body: "x"}),
	zipCase("zip dot-dot", "escapes the extraction root", zipEntry{name: "ok.c", body: "x"}, zipEntry{name: "../../evil.sh", body: "x"}),
	zipCase("zip absolute path", "escapes the extraction root", zipEntry{name: "/tmp/evil", body: "x"}),

	// Links that point outside the tree.
	tarCase("tar symlink to absolute path", "outside the tree", ok, tarEntry{name: "passwd", typ: tar.TypeSymlink, linkname: "/etc/passwd"}),
	tarCase("tar symlink up", "outside the tree", ok, tarEntry{name: "a/up", typ: tar.TypeSymlink, linkname: "../../x"}),
	tarCase("tar symlink escaping through another link", "outside the tree", ok,
		tarEntry{name: "here", typ: tar.TypeSymlink, linkname: "."},
		tarEntry{name: "sneaky", typ: tar.TypeSymlink, linkname: "here/../etc/passwd"}),
	tarCase("tar symlink loop", "loop", ok,
		tarEntry{name: "a", typ: tar.TypeSymlink, linkname: "b"},
		tarEntry{name: "b", typ: tar.TypeSymlink, linkname: "a"}),
	tarCase("tar file written through a symlink", "beneath the symbolic link", ok,
		tarEntry{name: "etc", typ: tar.TypeSymlink, linkname: "sub"},
		tarEntry{name: "etc/passwd", body: "root::0:0::/:/bin/sh\n"}),
	tarCase("tar hardlink outside", "escapes the extraction root", ok, tarEntry{name: "shadow", typ: tar.TypeLink, linkname: "/etc/shadow"}),
	tarCase("tar hardlink to nothing", "not an earlier regular file", ok, tarEntry{name: "h", typ: tar.TypeLink, linkname: "missing.c"}),
	zipCase("zip symlink outside", "outside the tree", zipEntry{name: "ok.c", body: "x"}, zipEntry{name: "l", body: "../../../etc/passwd", mode: fs.ModeSymlink | 0o777}),

	// Special files.
	tarCase("tar char device", "device file", ok, tarEntry{name: "dev/mem", typ: tar.TypeChar}),
	tarCase("tar block device", "device file", ok, tarEntry{name: "dev/sda", typ: tar.TypeBlock}),
	tarCase("tar fifo", "FIFO", ok, tarEntry{name: "pipe", typ: tar.TypeFifo}),
	zipCase("zip fifo", "FIFO", zipEntry{name: "pipe", mode: fs.ModeNamedPipe | 0o644}),

	// Duplicates and collisions.
	tarCase("tar duplicate entry", "appears twice", ok, tarEntry{name: "ok.c", body: "overwritten"}),
	tarCase("tar duplicate via ./", "appears twice", ok, tarEntry{name: "./ok.c", body: "overwritten"}),
	zipCase("zip duplicate entry", "appears twice", zipEntry{name: "a.c", body: "1"}, zipEntry{name: "a.c", body: "2"}),
	tarCase("names differing by case", "differ only by case", tarEntry{name: "README", body: "a"}, tarEntry{name: "readme", body: "b"}),
	tarCase("directories differing by case", "differ only by case", tarEntry{name: "Src/a.c", body: "a"}, tarEntry{name: "src/b.c", body: "b"}),
	tarCase("names differing by normalisation", "Unicode normalisation", tarEntry{name: "caf\u00e9.txt", body: "a"}, tarEntry{name: "cafe\u0301.txt", body: "b"}),
	tarCase("file and directory of one name", "is a file", tarEntry{name: "a", body: "file"}, tarEntry{name: "a/b", body: "x"}),

	// Names.
	tarCase("tar non-UTF-8 name", "not valid UTF-8", ok, tarEntry{name: "caf\xe9.txt", body: "latin-1"}),
	tarCase("tar control character", "control character", ok, tarEntry{name: "a\nb", body: "x"}),
	zipCase("zip non-UTF-8 name", "not valid UTF-8", zipEntry{name: "\x82\xa0.txt", body: "cp437"}),
	tarCase("tar C1 control character", "control character", ok, tarEntry{name: "a\u009b31mred", body: "x"}),
	// JSON would carry a non-UTF-8 target as U+FFFD, making a manifest
	// whose link target no longer matches its own size and digest.
	tarCase("tar symlink with a non-UTF-8 target", "not valid UTF-8", ok, tarEntry{name: "l", typ: tar.TypeSymlink, linkname: "ok\xff.c"}),
	tarCase("tar symlink with a control character", "control character", ok, tarEntry{name: "l", typ: tar.TypeSymlink, linkname: "ok\n.c"}),

	// Bombs.
	{name: "size limit", want: "size limit", make: func(t *testing.T, dir string) []string {
		return []string{"--max-size", "1000", "--source", writeFile(t, filepath.Join(dir, "big.tar"), makeTar(t, tarEntry{name: "big", body: strings.Repeat("x", 2000)}))}
	}},
	{name: "entry limit", want: "more than 10 entries", make: func(t *testing.T, dir string) []string {
		var es []tarEntry
		for i := range 20 {
			es = append(es, tarEntry{name: string(rune('a'+i)) + ".c", body: "x"})
		}
		return []string{"--max-entries", "10", "--source", writeFile(t, filepath.Join(dir, "many.tar"), makeTar(t, es...))}
	}},
	{name: "zip entry limit", want: "more than the limit of 2", make: func(t *testing.T, dir string) []string {
		return []string{"--max-entries", "2", "--source", writeFile(t, filepath.Join(dir, "many.zip"), makeZip(t, zipEntry{name: "a", body: "1"}, zipEntry{name: "b", body: "2"}, zipEntry{name: "c", body: "3"}))}
	}},
	archiveCase("gzip bomb", "bomb.tar.gz", func(t *testing.T) []byte {
		return gzipBytes(t, makeTar(t, tarEntry{name: "zeros", body: string(make([]byte, 80<<20))}))
	}, "compression bomb"),
	archiveCase("zip bomb", "bomb.zip", func(t *testing.T) []byte { return makeZip(t, zipEntry{name: "zeros", zeros: 80 << 20}) }, "compression bomb"),

	// Truncated and corrupt archives.
	archiveCase("truncated tar", "cut.tar", func(t *testing.T) []byte {
		b := makeTar(t, tarEntry{name: "a.c", body: strings.Repeat("x", 5000)})
		return b[:2048]
	}, "truncated or corrupt"),
	archiveCase("truncated tar.gz", "cut.tar.gz", func(t *testing.T) []byte {
		b := gzipBytes(t, makeTar(t, tarEntry{name: "a.c", body: strings.Repeat("all work and no play ", 3000)}))
		return b[:len(b)/2]
	}, "truncated or corrupt"),
	archiveCase("corrupt gzip checksum", "bad.tar.gz", func(t *testing.T) []byte {
		b := gzipBytes(t, makeTar(t, tarEntry{name: "a.c", body: "hello"}))
		b[len(b)-6] ^= 0xff // the CRC-32 in the trailer
		return b
	}, "corrupt"),
	archiveCase("truncated zip", "cut.zip", func(t *testing.T) []byte {
		b := makeZip(t, zipEntry{name: "a.c", body: strings.Repeat("x", 5000)})
		return b[:len(b)-30]
	}, "not a valid zip archive"),
	archiveCase("encrypted zip", "enc.zip", func(t *testing.T) []byte {
		return makeZip(t, zipEntry{name: "a.c", body: "x", flags: 0x1, store: true})
	}, "encrypted"),
	archiveCase("not an archive", "notes.tar.gz", func(t *testing.T) []byte { return []byte("just text, not an archive") }, "not a tar"),

	// Directory sources.
	{name: "directory with a symlink outside", want: "outside the tree", make: func(t *testing.T, dir string) []string {
		src := filepath.Join(dir, "src")
		writeFile(t, filepath.Join(src, "ok.c"), []byte("x"))
		os.Symlink("/etc/passwd", filepath.Join(src, "passwd"))
		return []string{"--source", src}
	}},
	{name: "directory with a FIFO", want: "FIFO", make: func(t *testing.T, dir string) []string {
		src := filepath.Join(dir, "src")
		writeFile(t, filepath.Join(src, "ok.c"), []byte("x"))
		if err := syscall.Mkfifo(filepath.Join(src, "pipe"), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--source", src}
	}},
	{name: "directory with a non-UTF-8 name", want: "not valid UTF-8", make: func(t *testing.T, dir string) []string {
		src := filepath.Join(dir, "src")
		writeFile(t, filepath.Join(src, "caf\xe9.c"), []byte("x"))
		return []string{"--source", src}
	}},
	{name: "directory with names differing by case", want: "differ only by case", make: func(t *testing.T, dir string) []string {
		src := filepath.Join(dir, "src")
		writeFile(t, filepath.Join(src, "Makefile"), []byte("a"))
		writeFile(t, filepath.Join(src, "makefile"), []byte("b"))
		return []string{"--source", src}
	}},

	// Git sources.
	{name: "git symlink outside", want: "outside the tree", make: func(t *testing.T, dir string) []string {
		repo := filepath.Join(dir, "repo")
		gitRepo(t, repo, func(d string) {
			writeFile(t, filepath.Join(d, "ok.c"), []byte("x"))
			os.Symlink("../../../../etc/shadow", filepath.Join(d, "shadow"))
		})
		return []string{"--git", repo, "--ref", "v1"}
	}},
	{name: "git names differing by case", want: "differ only by case", make: func(t *testing.T, dir string) []string {
		repo := filepath.Join(dir, "repo")
		gitRepo(t, repo, func(d string) {
			writeFile(t, filepath.Join(d, "README"), []byte("a"))
			writeFile(t, filepath.Join(d, "readme"), []byte("b"))
		})
		return []string{"--git", repo, "--ref", "v1"}
	}},
	{name: "git refusal before large objects", want: "differ only by case", make: func(t *testing.T, dir string) []string {
		// git cat-file is left blocked writing the objects after the
		// refused entry; glassbox must stop it, not wait for it.
		repo := filepath.Join(dir, "repo")
		gitRepo(t, repo, func(d string) {
			writeFile(t, filepath.Join(d, "README"), []byte("a"))
			writeFile(t, filepath.Join(d, "readme"), []byte("b"))
			writeFile(t, filepath.Join(d, "zzz.bin"), make([]byte, 4<<20))
		})
		return []string{"--git", repo, "--ref", "v1"}
	}},
	{name: "git ref that is an option", want: "is not a tag, branch or commit", make: func(t *testing.T, dir string) []string {
		repo := filepath.Join(dir, "repo")
		gitRepo(t, repo, func(d string) { writeFile(t, filepath.Join(d, "ok.c"), []byte("x")) })
		return []string{"--git", repo, "--ref", "--output=/tmp/pwned"}
	}},
	{name: "git unknown ref", want: "has no commit", make: func(t *testing.T, dir string) []string {
		repo := filepath.Join(dir, "repo")
		gitRepo(t, repo, func(d string) { writeFile(t, filepath.Join(d, "ok.c"), []byte("x")) })
		return []string{"--git", repo, "--ref", "v9.9.9"}
	}},

	// Artefacts and SBOMs.
	{name: "artefact that is a FIFO", want: "FIFO", make: func(t *testing.T, dir string) []string {
		p := filepath.Join(dir, "firmware.bin")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--source", writeFile(t, filepath.Join(dir, "s.tar"), makeTar(t, ok)), "--artifact", p}
	}},
	{name: "artefact that is a device", want: "device file", make: func(t *testing.T, dir string) []string {
		return []string{"--source", writeFile(t, filepath.Join(dir, "s.tar"), makeTar(t, ok)), "--artifact", "/dev/zero"}
	}},
	{name: "two artefacts of one name", want: "same file name", make: func(t *testing.T, dir string) []string {
		return []string{"--source", writeFile(t, filepath.Join(dir, "s.tar"), makeTar(t, ok)),
			"--artifact", writeFile(t, filepath.Join(dir, "a", "fw.bin"), []byte("1")),
			"--artifact", writeFile(t, filepath.Join(dir, "b", "fw.bin"), []byte("2"))}
	}},
	{name: "SBOM that is not an SBOM", want: "neither CycloneDX JSON", make: func(t *testing.T, dir string) []string {
		return []string{"--source", writeFile(t, filepath.Join(dir, "s.tar"), makeTar(t, ok)),
			"--sbom", writeFile(t, filepath.Join(dir, "bom.json"), []byte(`{"hello": "world"}`))}
	}},
}

// TestHostileInputIsRefusedWithoutTrace submits each hostile input to a data
// directory that already holds a release and checks that glassbox exits 1
// with a message naming the problem, that the data directory is exactly as
// it was, and that nothing was created outside it.
func TestHostileInputIsRefusedWithoutTrace(t *testing.T) {
	base := t.TempDir()
	data := filepath.Join(base, "data")
	legit := writeFile(t, filepath.Join(base, "legit.tar"), makeTar(t, ok))
	mustRun(t, append(dataArgs(t, data), "submit", "--product", "router", "--version", "1.0", "--source", legit)...)
	before := listing(t, data)

	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			in := t.TempDir()
			scratch := t.TempDir()
			t.Setenv("TMPDIR", scratch)
			flags := tc.make(t, in)
			inBefore := listing(t, in)

			code, out, errOut := glassboxRun(t, append(append(dataArgs(t, data), "submit", "--product", "router", "--version", "2.0"), flags...)...)
			if code != exitRefused {
				t.Fatalf("exit %d, want %d (refused)\nstdout: %s\nstderr: %s", code, exitRefused, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("error message does not say %q:\n%s", tc.want, errOut)
			}
			if out != "" {
				t.Errorf("a refused submission printed %q on stdout", out)
			}
			if after := listing(t, data); !reflect.DeepEqual(before, after) {
				t.Errorf("the data directory changed:\nbefore %v\nafter  %v", before, after)
			}
			if after := listing(t, in); !reflect.DeepEqual(inBefore, after) {
				t.Errorf("the input directory changed:\nbefore %v\nafter  %v", inBefore, after)
			}
			if left := listing(t, scratch); len(left) != 1 { // just "."
				t.Errorf("files were left in TMPDIR: %v", left)
			}
		})
	}
}
