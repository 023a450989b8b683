package harden_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/harden"
)

// cc builds a C program with flags, or skips when no C compiler is
// installed.
func cc(t *testing.T, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	os.WriteFile(src, []byte("#include <string.h>\n#include <stdio.h>\nint main(int c, char **v){char b[16]; strcpy(b, v[0]); puts(b); return 0;}\n"), 0o644)
	out := filepath.Join(dir, "p")
	if b, err := exec.Command("gcc", append(flags, "-o", out, src)...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", flags, err, b)
	}
	return out
}

func TestMitigations(t *testing.T) {
	hard, err := harden.Read(cc(t, "-O2", "-fPIE", "-pie", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-Wl,-z,relro,-z,now"), "hard", "")
	if err != nil {
		t.Fatal(err)
	}
	if !hard.NX || len(hard.WX) > 0 || !hard.PIE || hard.RELRO != "full" || !hard.Canary || hard.Fortified == 0 || len(hard.Decides()) > 0 {
		t.Errorf("hardened program read as %+v", hard)
	}
	soft, err := harden.Read(cc(t, "-O0", "-no-pie", "-fno-stack-protector", "-z", "execstack", "-Wl,-z,norelro"), "soft", "")
	if err != nil {
		t.Fatal(err)
	}
	if soft.NX || soft.PIE || soft.RELRO != "none" || soft.Canary || !strings.Contains(strings.Join(soft.Decides(), ","), "executable stack") {
		t.Errorf("unhardened program read as %+v, decides %v", soft, soft.Decides())
	}
}

func TestGoProgram(t *testing.T) {
	exe, err := os.Executable() // this test binary, built by go test
	if err != nil {
		t.Fatal(err)
	}
	p, err := harden.Read(exe, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Go || !p.NX || len(p.Decides()) > 0 || !strings.Contains(p.Summary(), "Go") {
		t.Errorf("Go test binary read as %+v", p)
	}
}

// TestHostileFiles: what is not an ELF program is said to be so, and a
// damaged one is an error, never a panic.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"script":    "#!/bin/sh\necho hi\n",
		"truncated": "\x7fELF\x02\x01\x01\x00",
		"garbage":   "\x7fELF" + strings.Repeat("\xff", 200),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		_, err := harden.Read(p, name, "")
		if name == "script" && !errors.Is(err, harden.ErrNotELF) || name != "script" && err == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f")
		os.WriteFile(p, b, 0o644)
		harden.Read(p, "f", "")
	})
}
