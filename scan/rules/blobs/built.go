package blobs

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"path"
	"strconv"
	"strings"

	"glassbox.dev/scan"
)

// distribution says what built distribution a compiled file belongs to,
// when the tree around it is one, by the manifest that lists it or the
// build layout that produced it:
//
//   - a Python wheel or installed site-packages: a *.dist-info/RECORD
//     beside the package lists the file (and its SHA-256);
//   - a Debian binary package: its DEBIAN/md5sums lists the file (and its
//     MD5), or the file is in the installed data tree (usr/…) of a tree
//     whose usr/share/doc holds the packages' copyright files;
//   - an npm package built for a platform: its package.json declares the
//     os/cpu it was built for, or the file is in prebuilds/<platform>-<arch>/
//     (prebuildify) or build/Release/ beside a binding.gyp (node-gyp), and
//     the file's format is that platform's.
//
// A compiled file in such a tree is the distribution's build output, which
// the rebuild judges, not a blob hidden in a source release. what is ""
// when the tree is not a built distribution. A manifest that lists the
// file with a digest the content does not match is the opposite of
// reassurance: mismatch then says how the file differs.
func distribution(f *scan.File, format string) (what, mismatch string) {
	l := f.Layout
	if l == nil {
		return "", ""
	}
	for dir := path.Dir(f.Path); ; dir = path.Dir(dir) {
		rel := relTo(f.Path, dir)
		if what, mismatch := pythonRecord(f, l, dir, rel); what != "" {
			return what, mismatch
		}
		if what, mismatch := debianMD5sums(f, l, dir, rel); what != "" {
			return what, mismatch
		}
		if what := debianDataTree(l, dir, rel); what != "" {
			return what, ""
		}
		if l.Has(path.Join(dir, "package.json")) {
			// The nearest package.json is the package the file is in.
			return npmBuild(f, l, dir, rel, format), ""
		}
		if dir == "." || dir == "/" {
			return "", ""
		}
	}
}

// relTo returns p relative to the directory dir that holds it.
func relTo(p, dir string) string {
	if dir == "." {
		return p
	}
	return strings.TrimPrefix(p, dir+"/")
}

// pythonRecord finds rel in the RECORD of a *.dist-info directory in dir
// (PEP 376/627: "path,sha256=<urlsafe base64>,size" per line).
func pythonRecord(f *scan.File, l *scan.Layout, dir, rel string) (what, mismatch string) {
	for _, name := range l.List(dir) {
		if !strings.HasSuffix(name, ".dist-info") {
			continue
		}
		record, ok := l.Read(path.Join(dir, name, "RECORD"))
		if !ok {
			continue
		}
		r := csv.NewReader(bytes.NewReader(record))
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil || len(rec) < 1 || path.Clean(rec[0]) != rel {
				continue
			}
			what = "listed in the RECORD of the installed Python distribution " + path.Join(dir, name)
			if len(rec) >= 3 && rec[2] == strconv.Itoa(len(f.Content)) {
				if algo, want, ok := strings.Cut(rec[1], "="); ok && algo == "sha256" {
					sum := sha256.Sum256(f.Content)
					if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != strings.TrimRight(want, "=") {
						mismatch = "its SHA-256 is not the one " + path.Join(dir, name, "RECORD") + " records: it was changed after the distribution was built"
					}
				}
			}
			return what, mismatch
		}
	}
	return "", ""
}

// debianMD5sums finds rel in dir/DEBIAN/md5sums, the manifest of an
// unpacked Debian binary package ("md5  path" per line).
func debianMD5sums(f *scan.File, l *scan.Layout, dir, rel string) (what, mismatch string) {
	sums, ok := l.Read(path.Join(dir, "DEBIAN", "md5sums"))
	if !ok {
		return "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, p, ok := strings.Cut(sc.Text(), "  ")
		if !ok || path.Clean(p) != rel {
			continue
		}
		what = "listed in the md5sums of the Debian binary package unpacked at " + dir
		// Only a whole file can be checked: the analyser sees a binary's
		// first window.
		if size, ok := l.Size(f.Path); ok && size == int64(len(f.Content)) {
			got := md5.Sum(f.Content)
			if hex.EncodeToString(got[:]) != strings.ToLower(sum) {
				mismatch = "its MD5 is not the one DEBIAN/md5sums records: it was changed after the package was built"
			}
		}
		return what, mismatch
	}
	return "", ""
}

// debianDataTree reports an installed file system tree: the file is under
// usr/ (or lib/, bin/, sbin/, opt/) of dir, and dir/usr/share/doc holds
// packages' copyright files, as every Debian binary package installs.
func debianDataTree(l *scan.Layout, dir, rel string) string {
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "usr", "lib", "lib64", "bin", "sbin", "opt":
	default:
		return ""
	}
	doc := path.Join(dir, "usr", "share", "doc")
	for _, pkg := range l.List(doc) {
		if l.Has(path.Join(doc, pkg, "copyright")) {
			return "in the installed data tree of the binary package " + pkg + " (" + path.Join(doc, pkg, "copyright") + ")"
		}
	}
	return ""
}

// packageJSON holds the fields of a package.json that say what the
// package was built for.
type packageJSON struct {
	Name string          `json:"name"`
	OS   json.RawMessage `json:"os"`
}

// npmBuild reports a compiled file that an npm package's own build layout
// accounts for, in the format of the platform the layout names.
func npmBuild(f *scan.File, l *scan.Layout, dir, rel, format string) string {
	b, ok := l.Read(path.Join(dir, "package.json"))
	if !ok {
		return ""
	}
	var pj packageJSON
	if json.Unmarshal(b, &pj) != nil {
		return ""
	}
	name := pj.Name
	if name == "" {
		name = dir
	}
	var oses []string
	if len(pj.OS) > 0 {
		var list []string
		if json.Unmarshal(pj.OS, &list) == nil {
			oses = list
		}
	}
	if len(oses) > 0 {
		for _, os := range oses {
			if formatFor(os, format) {
				return "the " + os + " build of the npm package " + name + ", whose package.json declares the platform it is built for"
			}
		}
		return ""
	}
	parts := strings.Split(rel, "/")
	if len(parts) == 3 && parts[0] == "prebuilds" {
		platform, _, _ := strings.Cut(parts[1], "-")
		if formatFor(platform, format) {
			return "a prebuild of the npm package " + name + " for " + parts[1] + " (prebuilds/<platform>-<arch>/, as prebuildify lays them out)"
		}
		return ""
	}
	if l.Has(path.Join(dir, "binding.gyp")) && strings.HasPrefix(rel, "build/Release/") && strings.HasSuffix(rel, ".node") {
		return "node-gyp's output (build/Release/) for the binding.gyp of the npm package " + name
	}
	return ""
}

// platformFormat is the executable format of a Node.js platform name
// ("linux", "darwin", "win32"; "!win32" excludes one and names none).
func platformFormat(os string) string {
	switch os {
	case "linux", "android", "freebsd", "openbsd", "netbsd", "sunos", "aix":
		return "ELF"
	case "darwin":
		return "Mach-O" // thin or universal
	case "win32":
		return "PE (Windows)"
	}
	return ""
}

// formatFor reports whether a file of format is a build for the platform
// os.
func formatFor(os, format string) bool {
	p := platformFormat(os)
	return p != "" && strings.HasPrefix(format, p)
}

// formatMarkers are what code that reads an executable format says: its
// parser's package or header, or its structures' names.
var formatMarkers = map[string][]string{
	"ELF":          {"debug/elf", "elf.NewFile", "elf.Open", "<elf.h>", "Elf64_", "Elf32_", "elftools", "goblin::elf"},
	"PE (Windows)": {"debug/pe", "pe.NewFile", "pe.Open", "IMAGE_NT_HEADERS", "IMAGE_DOS_HEADER", "pefile"},
	"Mach-O":       {"debug/macho", "macho.NewFile", "macho.Open", "package macho", "<mach-o/", "mach_header"},
}

// fixtureOf says which source file beside a test-data directory reads the
// format of the compiled file f, or "": then f is a sample for the parser
// under test (golang.org/x/tools's splitdwarf/internal/macho/testdata,
// go/gccgoexportdata/testdata), not a program the build runs. Only the
// directory that holds the test data is read, at most 32 of its files.
func fixtureOf(f *scan.File, format string) string {
	l := f.Layout
	if l == nil || !f.Test {
		return ""
	}
	markers := formatMarkers[strings.TrimSuffix(format, " universal")]
	dir := path.Dir(f.Path)
	for dir != "." && dir != "/" {
		base := path.Base(dir)
		dir = path.Dir(dir)
		if base != "testdata" && base != "test" && base != "tests" && base != "fixtures" {
			continue
		}
		read := 0
		for _, name := range l.List(dir) {
			switch path.Ext(name) {
			case ".go", ".c", ".h", ".cc", ".cpp", ".py", ".rs", ".java", ".js", ".ts":
			default:
				continue
			}
			if read++; read > 32 {
				break
			}
			src, ok := l.Read(path.Join(dir, name))
			if !ok {
				continue
			}
			for _, m := range markers {
				if bytes.Contains(src, []byte(m)) {
					return path.Join(dir, name)
				}
			}
		}
	}
	return ""
}
