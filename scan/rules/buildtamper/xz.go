package buildtamper

import (
	"bytes"
	"regexp"
	"strings"

	"glassbox.dev"
)

// The signals of GB0603, each a step of the xz-utils 5.6.1 chain. One is
// ordinary in build code; two on one line, one of which reads test data or
// executes, are not.
var (
	sigTestData = regexp.MustCompile(`(?:^|[\s"'=/$}{(])tests?/(?:files|data)/|tests?/[\w./*${}\[\]-]*\.(?:xz|lzma|lz|gz|bz2|zst|bin|dat|raw)\b|\b(?:bad|corrupt|good)-[\w-]*\.(?:xz|lzma)\b`)
	sigDecomp   = regexp.MustCompile(`\b(?:xz|unxz|lzma|unlzma|gzip|gunzip|bzip2|zstd)\s+(?:-[a-zA-Z]*d[a-zA-Z]*|--decompress)\b|\$\{?[\w\[\]$]+\}?\s+-d\s+2>\s*/dev/null|\bxz\s+-F\s+raw`)
	sigExec     = regexp.MustCompile(`\|\s*(?:eval\b|(?:/bin/)?(?:ba)?sh\b|\$\{?SHELL\b)`)
	sigTr       = regexp.MustCompile(`\btr\s+\\?["'][^"'\n]*\\(?:t|[0-7]{2,3})[^"'\n]*\\?["']`)
	sigSlice    = regexp.MustCompile(`\b(?:head|tail)\s+-c\s*\+?\d+`)
	sigSedR     = regexp.MustCompile(`\bsed\s+\\?["']r\\n\\?["']`)
	sigGrep     = regexp.MustCompile(`\bgrep\s+-([A-Za-z]+)`)
)

// testDataKeywords gate the line checks of GB0603.
var testDataKeywords = []string{"tests/", "test/", "eval", "| sh", "|sh", "/bin/sh", "SHELL", "grep -", "r\\n"}

// testDataExec reports GB0603.
func (c *collector) testDataExec() {
	b := c.f.Content
	forLines(b, testDataKeywords, func(ls, le int) {
		line := b[ls:le]
		test := sigTestData.Match(line)
		decomp := sigDecomp.Match(line)
		exec := sigExec.Match(line)
		tr := sigTr.Match(line)
		slice := sigSlice.Match(line)
		sedR := sigSedR.Match(line)
		switch {
		case test && (decomp || exec || tr || slice):
			c.add(RuleTestDataExec, RuleTestDataExec.Severity, ls, le, "build code reads a test file through "+steps(decomp, exec, tr, slice, sedR))
		case exec && (decomp || tr || slice || sedR), sedR && tr:
			c.add(RuleTestDataExec, RuleTestDataExec.Severity, ls, le, "build code decodes data through "+steps(decomp, exec, tr, slice, sedR))
		default:
			// grep -a (binary as text) -r (recursively) -l (names only)
			// over the source tree finds a file by a byte marker: how the
			// xz backdoor located its payload among the test files.
			if m := sigGrep.FindSubmatch(line); m != nil {
				fl := string(m[1])
				if strings.Contains(fl, "a") && strings.ContainsAny(fl, "rR") && strings.Contains(fl, "l") && bytes.Contains(line, []byte("srcdir")) {
					c.add(RuleTestDataExec, glassbox.SeverityHigh, ls, le, "build code searches the source tree's binary files for a marker")
				}
			}
		}
	})
}

// steps names what a GB0603 line does, for the message.
func steps(decomp, exec, tr, slice, sedR bool) string {
	var s []string
	if sedR {
		s = append(s, `sed "r\n"`)
	}
	if slice {
		s = append(s, "head/tail -c")
	}
	if tr {
		s = append(s, "a tr byte substitution")
	}
	if decomp {
		s = append(s, "decompression")
	}
	if exec {
		s = append(s, "eval or a shell")
	}
	return strings.Join(s, ", ")
}

var (
	// sedInPlaceMakefile: sed -i (or --in-place) on a Makefile.
	sedInPlaceMakefile = regexp.MustCompile(`\bsed\b[^|;\n]*\s(?:-[a-zA-Z]*i[a-zA-Z]*|--in-place)\b[^|;\n]*\bMakefile\b`)
	// relocatableLink: ld -r or a compiler driver's -r, linking objects.
	relocatableLink = regexp.MustCompile(`(?:\bld|\$\{?LD\}?|\$\{?CC\}?|\bgcc|\bcc|\bclang)\b[^\n]*\s-r\s[^\n]*\.o\b`)
)

// modifyBuild reports GB0604.
func (c *collector) modifyBuild(k kind) {
	b := c.f.Content
	if k != makefile && bytes.Contains(b, []byte("Makefile")) {
		forLines(b, []string{"sed"}, func(ls, le int) {
			if m := sedInPlaceMakefile.FindIndex(b[ls:le]); m != nil {
				c.add(RuleModifyBuild, RuleModifyBuild.Severity, ls+m[0], ls+m[1], "a configure-time script edits a Makefile in place")
			}
		})
	}
	forLines(b, []string{" -r "}, func(ls, le int) {
		line := b[ls:le]
		m := relocatableLink.FindIndex(line)
		if m == nil {
			return
		}
		// Makefiles and build scripts link relocatable objects
		// legitimately (kernels, firmware, Go's BoringCrypto); from
		// configure, or of test data, they do not.
		if k != configure && !sigTestData.Match(line) {
			return
		}
		if !linksFilesIn(line[m[0]:m[1]]) {
			return
		}
		c.add(RuleModifyBuild, RuleModifyBuild.Severity, ls+m[0], ls+m[1], "a build script links a prebuilt object into the build (ld -r)")
	})
}

// linksFilesIn reports whether a relocatable link takes as input an
// object named by a literal path, which may be committed to the tree (xz
// 5.6.1 linked one extracted from its test files). Libtool's and
// autoconf's own links take objects the build itself just compiled: its
// $libobjs, or conftest.o, configure's scratch object compiled from the
// conftest.c it wrote ("$LD -64 -r -o conftest2.o conftest.o" in every
// libtool configure, curl 7.88.1's among them).
func linksFilesIn(cmd []byte) bool {
	fields := strings.Fields(string(cmd))
	for i, f := range fields {
		f = strings.Trim(f, "\"'`;()")
		if !strings.HasSuffix(f, ".o") || i > 0 && fields[i-1] == "-o" {
			continue
		}
		if strings.HasPrefix(f, "$") || strings.HasPrefix(f, "\\$") || strings.HasPrefix(f, "conftest") {
			continue
		}
		return true
	}
	return false
}
