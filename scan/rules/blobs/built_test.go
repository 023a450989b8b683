package blobs

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Executables of each format, as executableKind recognises them.
var (
	elfFile   = "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 80)
	machoFile = "\xca\xfe\xba\xbe\x00\x00\x00\x02" + strings.Repeat("\x00", 80) // universal, two architectures
	peFile    = func() string {
		b := make([]byte, 0x80)
		copy(b, "MZ")
		binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
		copy(b[0x40:], "PE\x00\x00")
		return string(b)
	}()
)

// TestBuiltDistributions: a compiled file that a built distribution's
// manifest or build layout accounts for is low; the same file in a source
// tree stays medium (or high under a name that hides it); a manifest whose
// digest the file does not match raises it. The trees are the shapes of
// real packages, named in each case.
func TestBuiltDistributions(t *testing.T) {
	so := "numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"
	sum := sha256.Sum256([]byte(elfFile))
	record := func(digest string) string {
		// The RECORD of numpy 1.26.4's manylinux wheel lists each file so.
		return so + ",sha256=" + digest + "," + strconv.Itoa(len(elfFile)) + "\n" +
			"numpy-1.26.4.dist-info/RECORD,,\n"
	}
	md5sum := md5.Sum([]byte(elfFile))
	tests := []struct {
		name  string
		files map[string]string
		want  string // the file whose GB0701 is checked
		sev   glassbox.Severity
	}{
		{"wheel: RECORD lists the extension module", map[string]string{
			so:                                elfFile,
			"numpy-1.26.4.dist-info/RECORD":   record(base64.RawURLEncoding.EncodeToString(sum[:])),
			"numpy-1.26.4.dist-info/METADATA": "Metadata-Version: 2.1\nName: numpy\n",
		}, so, glassbox.SeverityLow},
		{"wheel: RECORD's digest is not the file's", map[string]string{
			so:                              elfFile,
			"numpy-1.26.4.dist-info/RECORD": record(strings.Repeat("A", 43)),
		}, so, glassbox.SeverityHigh},
		{"source tree: the same module committed", map[string]string{
			so:               elfFile,
			"pyproject.toml": "[project]\nname = \"numpy\"\n",
		}, so, glassbox.SeverityMedium},
		// dpkg-deb -R python3-numpy_1.24.2-1+deb12u1_amd64.deb
		{"Debian package with DEBIAN/md5sums", map[string]string{
			"usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so": elfFile,
			"DEBIAN/md5sums": hex.EncodeToString(md5sum[:]) + "  usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so\n",
			"DEBIAN/control": "Package: python3-numpy\n",
		}, "usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", glassbox.SeverityLow},
		{"Debian md5sums that the file does not match", map[string]string{
			"usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4": elfFile,
			"DEBIAN/md5sums": strings.Repeat("0", 32) + "  usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4\n",
		}, "usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4", glassbox.SeverityHigh},
		// dpkg-deb -x libzstd1_1.5.4+dfsg2-5+deb12u1_amd64.deb
		{"Debian data tree", map[string]string{
			"usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4": elfFile,
			"usr/share/doc/libzstd1/copyright":          "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
		}, "usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4", glassbox.SeverityLow},
		{"versioned shared library in a source tree", map[string]string{
			"lib/libzstd.so.1.5.4": elfFile,
		}, "lib/libzstd.so.1.5.4", glassbox.SeverityMedium},
		// golang.org/x/tools v0.52.0 cmd/splitdwarf/internal/macho
		{"Mach-O sample beside a Mach-O parser", map[string]string{
			"macho/file.go":                        "// Package macho implements access to Mach-O object files.\npackage macho\n",
			"macho/testdata/gcc-amd64-darwin-exec": machoFile,
		}, "macho/testdata/gcc-amd64-darwin-exec", glassbox.SeverityLow},
		{"ELF in test data of code that parses no ELF", map[string]string{
			"util/strings.go":      "package util\n",
			"util/testdata/helper": elfFile,
		}, "util/testdata/helper", glassbox.SeverityMedium},
		// npm pack bufferutil@4.0.9
		{"npm prebuilds/<platform>-<arch>", map[string]string{
			"package/package.json":                               `{"name":"bufferutil","scripts":{"install":"node-gyp-build"}}`,
			"package/binding.gyp":                                "{}",
			"package/prebuilds/linux-x64/bufferutil.node":        elfFile,
			"package/prebuilds/darwin-x64+arm64/bufferutil.node": machoFile,
			"package/prebuilds/win32-x64/bufferutil.node":        peFile,
		}, "package/prebuilds/darwin-x64+arm64/bufferutil.node", glassbox.SeverityLow},
		{"npm prebuild whose format is not its platform's", map[string]string{
			"package/package.json":                        `{"name":"bufferutil"}`,
			"package/prebuilds/win32-x64/bufferutil.node": elfFile,
		}, "package/prebuilds/win32-x64/bufferutil.node", glassbox.SeverityMedium},
		// npm pack @esbuild/linux-x64@0.24.0
		{"npm platform package (os/cpu)", map[string]string{
			"package/package.json": `{"name":"@esbuild/linux-x64","os":["linux"],"cpu":["x64"]}`,
			"package/bin/esbuild":  elfFile,
		}, "package/bin/esbuild", glassbox.SeverityLow},
		{"npm package with no platform: a hidden ELF stays high", map[string]string{
			"package/package.json": `{"name":"left-pad"}`,
			"package/bin/helper":   elfFile,
		}, "package/bin/helper", glassbox.SeverityHigh},
		{"npm node-gyp output", map[string]string{
			"package.json":             `{"name":"addon","gypfile":true}`,
			"binding.gyp":              "{}",
			"build/Release/addon.node": elfFile,
		}, "build/Release/addon.node", glassbox.SeverityLow},
	}
	s := &scan.Scanner{Analyzers: []scan.Analyzer{New()}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, c := range tc.files {
				fp := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(fp, []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.ScanDir(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.Path == tc.want && f.RuleID == RuleExecutable.ID {
					if f.Severity != tc.sev {
						t.Errorf("severity %s, want %s: %s", f.Severity, tc.sev, f.Message)
					}
					return
				}
			}
			t.Fatalf("no GB0701 on %s in %+v", tc.want, res.Findings)
		})
	}
}
