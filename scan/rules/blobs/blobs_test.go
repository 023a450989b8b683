package blobs

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"glassbox.dev/scan/rules/internal/ruletest"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// file builds a scan.File the way the engine would for a path.
func file(path string, content []byte) *scan.File { return ruletest.File(path, content) }

// TestSpecifics pins down severities and the boundaries of each rule.
func TestSpecifics(t *testing.T) {
	elf := "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 80)
	tests := []struct {
		name, path, content string
		rule                string // "" means no finding at all
		sev                 glassbox.Severity
	}{
		{"ELF in src, named as what it is", "src/a.o", elf, "GB0701", glassbox.SeverityMedium},
		{"Go .syso linked into the build", "runtime/race/race_linux.syso", elf, "GB0701", glassbox.SeverityMedium},
		{"ELF in src under a name that hides it", "src/helper", elf, "GB0701", glassbox.SeverityHigh},
		{"ELF named as data", "assets/logo.dat", elf, "GB0701", glassbox.SeverityHigh},
		{"ELF in test data is medium", "debug/elf/testdata/gcc-amd64", elf, "GB0701", glassbox.SeverityMedium},
		{"ELF magic alone is not a file", "src/magic.bin", "\x7fELF", "", ""},
		{"MZ without PE header", "docs/mz.bin", "MZ" + strings.Repeat("\x00", 100), "", ""},
		{"NUL in .c", "src/x.c", "int x;\x00\n", "GB0702", glassbox.SeverityHigh},
		{"text .c", "src/x.c", "int x;\n", "", ""},
		// golang.org/x/text v0.44.0 encoding/testdata/candide-utf-16le.txt
		{"UTF-16LE text without a byte-order mark", "testdata/candide-utf-16le.txt", "T\x00h\x00i\x00s\x00 \x00f\x00i\x00l\x00e\x00 \x00i\x00s\x00 \x00t\x00e\x00x\x00t\x00\n\x00", "", ""},
		// symfony 5.4.53 Security/Core/Tests/.../Fixtures/switch-user-token-4.4.txt
		{"PHP serialised object with NULs", "Fixtures/token.txt", `C:68:"SwitchUserToken":1236:{a:3:{i:0;s:4:"user";i:1;s:12:"` + "\x00*\x00firewall" + `";i:2;s:4:"main";}}` + strings.Repeat(`i:3;s:8:"ROLE_USER";`, 20), "", ""},
		{"random .bin outside tests", "assets/blob.bin", strings.Repeat("\x9f\x13", 3000), "", ""},
	}
	a := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := a.Analyze(file(tc.path, []byte(tc.content)))
			if tc.rule == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %+v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.RuleID == tc.rule {
					if f.Severity != tc.sev {
						t.Errorf("severity %s, want %s", f.Severity, tc.sev)
					}
					return
				}
			}
			t.Fatalf("no %s finding in %+v", tc.rule, fs)
		})
	}
}

// TestNamedForItsContent: a valid zip whose "broken" names an entry, as
// Django 3.2.25's tests/app_loading/eggs/brokenapp.egg holds broken_app/,
// is a note; one whose entries say nothing of it stays medium.
func TestNamedForItsContent(t *testing.T) {
	egg := func(entry string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create(entry)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("raise ImportError\n"))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for entry, want := range map[string]glassbox.Severity{
		"broken_app/models.py": glassbox.SeverityNote,
		"app/models.py":        glassbox.SeverityMedium,
	} {
		fs := New().Analyze(file("tests/app_loading/eggs/brokenapp.egg", egg(entry)))
		if len(fs) != 1 || fs[0].RuleID != RuleTestBlob.ID || fs[0].Severity != want {
			t.Errorf("entry %s: want one GB0703 %s, got %+v", entry, want, fs)
		}
	}
}

// TestWantsBinary: the engine must hand this analyser binary files.
func TestWantsBinary(t *testing.T) {
	if b, ok := New().(interface{ WantsBinary() bool }); !ok || !b.WantsBinary() {
		t.Fatal("the blobs analyser must want binary files")
	}
}

// TestRules checks the rule table: IDs in the family's range, each once.
func TestRules(t *testing.T) { ruletest.Rules(t, New(), "GB07", Family) }

// FuzzAnalyze checks that no input makes the analyser panic and that
// every finding's region lies inside the file.
func FuzzAnalyze(f *testing.F) {
	ruletest.Fuzz(f, New())
}

// TestCorpus is the specification by example (see ruletest.Corpus).
func TestCorpus(t *testing.T) { ruletest.Corpus(t, New(), ruletest.AsNamed) }

// TestConcurrent runs the analyser from many goroutines (run with -race).
func TestConcurrent(t *testing.T) { ruletest.Concurrent(t, New(), ruletest.AsNamed) }

// BenchmarkGOROOT measures throughput on the Go source tree
// (GOROOT_FOR_BENCH=$(go env GOROOT)/src).
func BenchmarkGOROOT(b *testing.B) { ruletest.Throughput(b, New()) }

// TestGOROOTReport lists what the analyser finds in the Go source tree; it
// runs only when GOROOT_FOR_BENCH is set.
func TestGOROOTReport(t *testing.T) { ruletest.Report(t, New()) }

// TestCompleteImageNamedAsText: Django 3.2.25's tests/mail/attachments/
// file_png.txt is a whole PNG named as text, a sample for guessing a type
// by name; it is low in test code. An image with bytes after its end, a
// damaged one, or one outside test code stays as high as before.
func TestCompleteImageNamedAsText(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	encode := func(enc func(io.Writer, image.Image) error) []byte {
		var buf bytes.Buffer
		if err := enc(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	pngb := encode(png.Encode)
	gifb := encode(func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })
	jpgb := encode(func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	damaged := bytes.Clone(pngb)
	damaged[len(damaged)/2] ^= 0xff
	for _, tc := range []struct {
		name, path string
		content    []byte
		want       glassbox.Severity
	}{
		{"PNG in test data", "tests/mail/attachments/file_png.txt", pngb, glassbox.SeverityLow},
		{"GIF in test data", "tests/files/x.txt", gifb, glassbox.SeverityLow},
		{"JPEG in test data", "tests/files/x.json", jpgb, glassbox.SeverityLow},
		{"PNG with a payload after IEND", "tests/files/x.txt", append(bytes.Clone(pngb), strings.Repeat("\x00payload", 64)...), glassbox.SeverityMedium},
		{"PNG with a damaged chunk", "tests/files/x.txt", damaged, glassbox.SeverityMedium},
		{"PNG outside test code", "src/x.txt", pngb, glassbox.SeverityHigh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := New().Analyze(file(tc.path, tc.content))
			if len(fs) != 1 || fs[0].RuleID != RuleMisleadingExt.ID || fs[0].Severity != tc.want {
				t.Fatalf("want one GB0702 %s, got %+v", tc.want, fs)
			}
		})
	}
}
