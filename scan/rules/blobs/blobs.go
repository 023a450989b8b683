// Package blobs finds binary content where a source tree should have none:
// executables committed among the sources, binary or encrypted-looking
// data behind a text extension, and test data that hides something, as the
// xz-utils 5.6.1 backdoor hid its payload in tests/files/
// bad-3-corrupt_lzma2.xz, a "corrupt" file that decoded cleanly once a tr
// command swapped a few bytes back.
//
// The analyser asks for binary files (WantsBinary). Every file costs a
// look at its first bytes; only text-named files and test data are
// checked further, and entropy is computed only when a 4 KiB sample
// already looks random.
package blobs

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"path"
	"strings"

	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "blobs"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleExecutable is GB0701: a compiled executable or object in the tree.
	RuleExecutable = scan.Rule{
		ID:       "GB0701",
		Name:     "executable-in-source",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "An ELF, PE or Mach-O executable or object file is committed to the source tree (high when its name hides what it is, medium when its name declares a compiled file, such as .syso, .o, .so, .dll or .exe); low when the tree is a built distribution whose manifest or build layout accounts for it (a wheel's RECORD, a Debian package's md5sums or data tree, an npm package's prebuilds/ or declared platform), high when that manifest's digest does not match it.",
		Explanation: "A compiled file cannot be reviewed and is not built from the sources next to it; " +
			"whatever it does, nobody who reads the tree can tell, and a build that links or runs it " +
			"runs unreviewed code. One whose name says what it is (a Go .syso linked into the build, " +
			"a prebuilt .so) is at least in plain sight: its origin must be recorded and it must be " +
			"rebuilt or checked; one whose name does not is hiding.",
	}
	// RuleMisleadingExt is GB0702: binary content behind a text extension.
	RuleMisleadingExt = scan.Rule{
		ID:       "GB0702",
		Name:     "misleading-extension",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A file whose extension says it is text or source (.txt, .c, .h, .go, .py, .js, .md, .sh, .m4, .json) holds binary or high-entropy (≥ 7.5 bits/byte) content.",
		Explanation: "Tools and reviewers skip or trust files by their names; binary or encrypted data " +
			"named like source is hiding from exactly the people who would look at it.",
	}
	// RuleTestBlob is GB0703: test data that hides a payload.
	RuleTestBlob = scan.Rule{
		ID:       "GB0703",
		Name:     "high-entropy-test-data",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "A test file claims to be corrupt but decodes as a valid compressed stream, or is large and random-looking enough to deserve review.",
		Explanation: "Test data is committed as opaque bytes and nobody reviews it; the xz-utils backdoor " +
			"(CVE-2024-3094) hid its payload in test files, one named as a corrupt stream that decoded " +
			"cleanly after a simple byte substitution.",
	}
)

type analyzer struct{}

// New returns the blobs analyser. It holds no state and is safe for
// concurrent use.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0701–GB0703.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleExecutable, RuleMisleadingExt, RuleTestBlob}
}

// WantsBinary tells the engine to give this analyser binary files too:
// they are what it looks for.
func (analyzer) WantsBinary() bool { return true }

// textExts are the extensions that claim a file is text.
var textExts = map[string]bool{
	".txt": true, ".c": true, ".h": true, ".go": true, ".py": true, ".js": true, ".md": true,
	".sh": true, ".m4": true, ".json": true,
}

// compiledExts are the extensions that declare a compiled file: such a
// file is in plain sight, though still unreviewable.
var compiledExts = map[string]bool{
	".syso": true, ".o": true, ".obj": true, ".a": true, ".lib": true, ".so": true, ".dll": true,
	".dylib": true, ".exe": true, ".sys": true, ".elf": true, ".bin": true, ".out": true, ".node": true,
}

// sharedLibrary reports a versioned shared library's name, which declares
// a compiled file as plainly as .so does: libvips-cpp.so.42, libz.so.1.3.
func sharedLibrary(base string) bool {
	_, ver, ok := strings.Cut(base, ".so.")
	if !ok || ver == "" {
		return false
	}
	for _, r := range ver {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// Analyze returns the blob findings in f. It never panics: decoders of
// untrusted streams run under recover.
func (analyzer) Analyze(f *scan.File) []glassbox.Finding {
	if f == nil || len(f.Content) == 0 {
		return nil
	}
	b := f.Content
	c := &collector{f: f}
	ext := strings.ToLower(path.Ext(f.Path))
	exe := executableKind(b)
	// A shipped artefact is compiled by nature and is not source: the
	// rebuild judges it, not this rule.
	if exe != "" && !f.Artifact {
		what, mismatch := distribution(f, exe)
		switch {
		case mismatch != "":
			c.add(RuleExecutable, RuleExecutable.Severity, "a compiled "+exe+" file ("+path.Base(f.Path)+") is "+what+", but "+mismatch)
		case fixtureOf(f, exe) != "":
			c.add(RuleExecutable, glassbox.SeverityLow, "a compiled "+exe+" file ("+path.Base(f.Path)+") is test data of "+fixtureOf(f, exe)+", which reads "+exe+" files: a sample for the parser under test")
		case what != "":
			c.add(RuleExecutable, glassbox.SeverityLow, "a compiled "+exe+" file ("+path.Base(f.Path)+") is "+what+": a built distribution's output, judged by rebuilding it, not a blob in a source release")
		case compiledExts[ext] || sharedLibrary(path.Base(f.Path)):
			c.add(RuleExecutable, glassbox.SeverityMedium, "a prebuilt "+exe+" file ("+path.Base(f.Path)+") is committed to the source tree and is not built from it; record where it comes from and rebuild or check it")
		default:
			c.add(RuleExecutable, RuleExecutable.Severity, "a compiled "+exe+" file is committed to the source tree under a name ("+path.Base(f.Path)+") that does not say so")
		}
	}
	if textExts[ext] {
		switch {
		case exe != "":
			c.add(RuleMisleadingExt, RuleMisleadingExt.Severity, "a compiled "+exe+" file is named "+path.Base(f.Path)+", as if it were text")
		case f.Test && completeImage(b) != "":
			// Django 3.2.25's tests/mail/attachments/file_png.txt: a
			// sample for guessing a type by name against content. Every
			// byte is the image's; only its pixels could carry anything.
			c.add(RuleMisleadingExt, glassbox.SeverityLow, "test data "+path.Base(f.Path)+" is a complete "+completeImage(b)+" image, every byte of it accounted for by the format, named as text: a sample for a content-type test?")
		case isBinary(b):
			c.add(RuleMisleadingExt, RuleMisleadingExt.Severity, "binary content (NUL bytes) is named "+path.Base(f.Path)+", as if it were text")
		case len(b) >= 4096 && looksRandom(b):
			c.add(RuleMisleadingExt, RuleMisleadingExt.Severity, "compressed or encrypted-looking content is named "+path.Base(f.Path)+", as if it were text")
		}
	}
	if f.Test && exe == "" {
		c.testBlob(ext)
	}
	return c.out
}

type collector struct {
	f   *scan.File
	out []glassbox.Finding
}

// add reports a finding on the whole file: a blob has no better region
// than its first line.
func (c *collector) add(r scan.Rule, sev glassbox.Severity, msg string) {
	if c.f.Test && r.ID != RuleTestBlob.ID && sev.Rank() > glassbox.SeverityMedium.Rank() {
		// Test data holds sample binaries on purpose (debug/elf parses
		// them), so it is less alarming, but the xz backdoor lived there,
		// so it stays visible.
		sev = glassbox.SeverityMedium
		msg += " in test code — a fixture? (" + c.f.Path + ")"
	}
	c.out = append(c.out, glassbox.Finding{
		RuleID:   r.ID,
		Rule:     r.Name,
		Family:   Family,
		Severity: sev,
		Message:  msg,
		Region:   c.f.RegionOf(0, min(len(c.f.Content), 16)),
		Snippet:  hexSnippet(c.f.Content),
	})
}

// hexSnippet shows a blob's first bytes, which is what identifies it.
func hexSnippet(b []byte) string {
	const hex = "0123456789abcdef"
	n := min(len(b), 16)
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteByte(hex[b[i]>>4])
		sb.WriteByte(hex[b[i]&15])
	}
	if len(b) > n {
		sb.WriteString(" …")
	}
	return sb.String()
}

// executableKind names the executable format b starts with, or "".
func executableKind(b []byte) string {
	if len(b) < 28 {
		return ""
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")) && len(b) >= 52:
		return "ELF"
	case bytes.HasPrefix(b, []byte("MZ")) && len(b) >= 0x40:
		off := int64(binary.LittleEndian.Uint32(b[0x3c:]))
		if off >= 0x40 && off+4 <= int64(len(b)) && bytes.Equal(b[off:off+4], []byte("PE\x00\x00")) {
			return "PE (Windows)"
		}
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xfeedface, 0xcefaedfe, 0xfeedfacf, 0xcffaedfe:
		return "Mach-O"
	case 0xcafebabe:
		// Fat Mach-O binaries and Java class files share the magic; a fat
		// header's architecture count is small, a class file's version is
		// at least 45.
		if n := binary.BigEndian.Uint32(b[4:]); n >= 1 && n < 45 {
			return "Mach-O universal"
		}
	}
	return ""
}

// isBinary reports NUL bytes in the first 8000 bytes, as git decides, but
// lets UTF-16 text with a byte-order mark through.
//
// Text with a few NUL characters is text too: PHP's serialised objects
// mark private properties with NULs (symfony's Fixtures/*.txt), and a
// UTF-8 decoder test holds one on purpose (busybox's
// docs/unicode_UTF-8-test.txt). So is UTF-16 or UTF-32 text without a
// byte-order mark (golang.org/x/text's candide-utf-16le.txt), whose NULs
// are the high bytes of ASCII letters.
func isBinary(b []byte) bool {
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return false
	}
	sample := b[:min(len(b), 8000)]
	if bytes.IndexByte(sample, 0) < 0 {
		return false
	}
	return !wideText(sample) && !textWithNULs(sample)
}

// textWithNULs reports text in which NULs and other control bytes are
// rare (at most 1 in 100 bytes each).
func textWithNULs(b []byte) bool {
	nul, ctl := 0, 0
	for _, x := range b {
		switch {
		case x == 0:
			nul++
		case x < 0x20 && x != '\t' && x != '\n' && x != '\r' && x != '\f', x == 0x7f:
			ctl++
		}
	}
	return nul*100 <= len(b) && ctl*100 <= len(b)
}

// wideText reports UTF-16 or UTF-32 text without a byte-order mark: in
// either byte order, nearly every code unit is a printable ASCII
// character or white space with its high bytes zero.
func wideText(b []byte) bool {
	for _, unit := range []int{2, 4} {
		for lo := 0; lo < unit; lo += unit - 1 { // little-endian: low byte first; big-endian: last
			n, ok := 0, 0
			for i := 0; i+unit <= len(b); i += unit {
				n++
				c := b[i+lo]
				zero := true
				for j := 0; j < unit; j++ {
					if j != lo && b[i+j] != 0 {
						zero = false
					}
				}
				if zero && (c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r') {
					ok++
				}
			}
			if n >= 8 && ok*100 >= n*95 {
				return true
			}
		}
	}
	return false
}

// looksRandom reports whether b's entropy is at least 7.5 bits per byte,
// checking a 4 KiB sample first so text never pays for a full count.
func looksRandom(b []byte) bool {
	if entropy(b[:4096]) < 7.0 {
		return false
	}
	return entropy(b) >= 7.5
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, x := range b {
		counts[x]++
	}
	n := float64(len(b))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// testBlob reports GB0703.
func (c *collector) testBlob(ext string) {
	b := c.f.Content
	base := strings.ToLower(path.Base(c.f.Path))
	if format := compressedFormat(b, ext); format != "" && claimsCorrupt(base) {
		if decodes(format, b) {
			if w := namesEntry(format, b, base); w != "" {
				// Django's tests/app_loading/eggs/brokenapp.egg holds the
				// package broken_app/: the name says what is inside, not
				// that the archive is damaged.
				c.add(RuleTestBlob, glassbox.SeverityNote, "“"+path.Base(c.f.Path)+"” is a valid "+format+" archive whose name's “"+w+"” names its content (an entry is called so), not its integrity")
				return
			}
			c.add(RuleTestBlob, RuleTestBlob.Severity, "“"+path.Base(c.f.Path)+"” is named as corrupt but is a valid "+format+" stream")
			return
		}
		// xz 5.6.1 ran its "corrupt" test file through
		// tr "\t \-_" " \t_\-" before decompressing it.
		if sw := swapped(b); decodes(format, sw) {
			c.add(RuleTestBlob, glassbox.SeverityHigh, "“"+path.Base(c.f.Path)+"” is named as corrupt but becomes a valid "+format+" stream once tab/space and -/_ are swapped back, the xz-utils 5.6.1 trick")
			return
		}
	}
	if len(b) >= 4096 && looksRandom(b) {
		c.add(RuleTestBlob, glassbox.SeverityNote, "“"+path.Base(c.f.Path)+"” is high-entropy test data (compressed or encrypted); review what reads it")
	}
}

// namesEntry returns the word of a zip archive's name that claims damage
// ("broken", "bad", …) when an entry of the archive is named with it too,
// or "".
func namesEntry(format string, b []byte, base string) string {
	if format != "zip" {
		return ""
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return ""
	}
	for _, w := range []string{"corrupt", "bad", "broken", "invalid"} {
		if !strings.Contains(base, w) {
			continue
		}
		for i, f := range zr.File {
			if i >= 1000 {
				break
			}
			if strings.Contains(strings.ToLower(f.Name), w) {
				return w
			}
		}
	}
	return ""
}

// claimsCorrupt reports whether a file name says its content is invalid.
func claimsCorrupt(base string) bool {
	return strings.Contains(base, "corrupt") || strings.Contains(base, "bad") || strings.Contains(base, "broken") || strings.Contains(base, "invalid")
}

// compressedFormat names the compressed format b is, by magic number or,
// for .lzma whose header has no magic, by extension.
func compressedFormat(b []byte, ext string) string {
	sw := swapped(b[:min(len(b), 8)])
	for _, h := range [][]byte{b, sw} {
		switch {
		case bytes.HasPrefix(h, []byte("\xfd7zXZ\x00")):
			return "xz"
		case bytes.HasPrefix(h, []byte{0x1f, 0x8b}):
			return "gzip"
		case bytes.HasPrefix(h, []byte("PK\x03\x04")):
			return "zip"
		case bytes.HasPrefix(h, []byte("BZh")):
			return "bzip2"
		}
	}
	if ext == ".lzma" && len(b) >= 13 {
		return "lzma"
	}
	return ""
}

// swapped applies the byte map of xz 5.6.1's tr "\t \-_" " \t_\-".
func swapped(b []byte) []byte {
	out := make([]byte, len(b))
	for i, x := range b {
		switch x {
		case '\t':
			x = ' '
		case ' ':
			x = '\t'
		case '-':
			x = '_'
		case '_':
			x = '-'
		}
		out[i] = x
	}
	return out
}

// maxDecoded bounds decompression, so a bomb in test data costs at most
// this much work.
const maxDecoded = 64 << 20

// decodes reports whether b is a complete, valid stream of the format:
// it decompresses to the end without error.
func decodes(format string, b []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var r io.Reader
	var err error
	switch format {
	case "xz":
		r, err = xz.NewReader(bytes.NewReader(b))
	case "lzma":
		r, err = lzma.NewReader(bytes.NewReader(b))
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "bzip2":
		r = bzip2.NewReader(bytes.NewReader(b))
	case "zip":
		zr, zerr := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if zerr != nil || len(zr.File) == 0 {
			return false
		}
		rc, oerr := zr.File[0].Open()
		if oerr != nil {
			return false
		}
		defer rc.Close()
		r = rc
	default:
		return false
	}
	if err != nil {
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r, maxDecoded))
	return err == nil && n < maxDecoded
}

// maxImagePixels bounds the images completeImage decodes.
const maxImagePixels = 4 << 20

// completeImage names the image format b is when b is one whole, valid
// image and nothing else: a PNG whose chunks all check and end at IEND at
// the end of b, a GIF or JPEG that decodes and ends with its trailer. It
// returns "" for anything else, including an image with bytes appended.
func completeImage(b []byte) (format string) {
	defer func() {
		if recover() != nil {
			format = ""
		}
	}()
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		if !pngChunksEnd(b) {
			return ""
		}
		format, decode, config = "PNG", png.Decode, png.DecodeConfig
	case (bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))) && b[len(b)-1] == 0x3b:
		format, decode, config = "GIF", func(r io.Reader) (image.Image, error) { return gif.Decode(r) }, gif.DecodeConfig
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) && bytes.HasSuffix(b, []byte{0xff, 0xd9}):
		format, decode, config = "JPEG", func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }, jpeg.DecodeConfig
	default:
		return ""
	}
	cfg, err := config(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return ""
	}
	if _, err := decode(bytes.NewReader(b)); err != nil {
		return ""
	}
	return format
}

// pngChunksEnd reports whether a PNG's chunks each carry a correct CRC and
// the IEND chunk ends the file: no bytes hide after the image.
func pngChunksEnd(b []byte) bool {
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		if n < 0 || n > len(b)-i-12 {
			return false
		}
		typ, data := b[i+4:i+8], b[i+8:i+8+n]
		crc := crc32.NewIEEE()
		crc.Write(typ)
		crc.Write(data)
		if crc.Sum32() != binary.BigEndian.Uint32(b[i+8+n:]) {
			return false
		}
		i += 12 + n
		if string(typ) == "IEND" {
			return i == len(b)
		}
	}
	return false
}

func init() { scan.Register(New()) }
