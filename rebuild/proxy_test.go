package rebuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

// TestModuleProxyEnv: the centre fetches through the operator's proxies
// only, whatever else GOPROXY lists, and never without the checksum
// database.
func TestModuleProxyEnv(t *testing.T) {
	for _, tt := range []struct {
		goproxy, gosumdb string
		want             string // GOPROXY passed on, or the error's words
		ok               bool
	}{
		{"https://proxy.golang.org,direct", "sum.golang.org", "https://proxy.golang.org", true},
		{"https://a.example|https://b.example,off", "sum.golang.org", "https://a.example,https://b.example", true},
		{"file:///srv/goproxy", "sum.golang.org", "file:///srv/goproxy", true},
		{"direct", "sum.golang.org", "names no module proxy", false},
		{"off", "sum.golang.org", "names no module proxy", false},
		{"http://proxy.example,direct", "sum.golang.org", "not an https module proxy", false},
		{"https://proxy.golang.org", "off", "checksum database", false},
	} {
		t.Setenv("GOPROXY", tt.goproxy)
		t.Setenv("GOSUMDB", tt.gosumdb)
		t.Setenv("GONOSUMDB", "example.com")
		t.Setenv("GOPRIVATE", "example.com")
		env, err := moduleProxyEnv(context.Background(), "go")
		if !tt.ok {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("GOPROXY=%s GOSUMDB=%s: %v, want an error saying %q", tt.goproxy, tt.gosumdb, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("GOPROXY=%s: %v", tt.goproxy, err)
			continue
		}
		last := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			last[k] = v
		}
		if last["GOPROXY"] != tt.want || last["GOSUMDB"] != tt.gosumdb || last["GONOSUMDB"] != "" || last["GOPRIVATE"] != "" || last["GOVCS"] != "*:off" {
			t.Errorf("GOPROXY=%s: fetch environment GOPROXY=%q GOSUMDB=%q GONOSUMDB=%q GOPRIVATE=%q GOVCS=%q", tt.goproxy, last["GOPROXY"], last["GOSUMDB"], last["GONOSUMDB"], last["GOPRIVATE"], last["GOVCS"])
		}
	}
}

// TestFetchModulesNeverDirect: with GOPROXY=direct the centre refuses to
// fetch a release's modules rather than connect to the hosts its go.mod
// names.
func TestFetchModulesNeverDirect(t *testing.T) {
	t.Setenv("GOPROXY", "direct")
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/m\n\ngo 1.22\n\nrequire vendor-host.invalid/dep v1.0.0\n"), 0o644)
	cache := filepath.Join(t.TempDir(), "cache")
	os.Mkdir(cache, 0o755)
	defer unlockCache(cache)
	_, err := fetchModules(context.Background(), src, cache, "")
	if err == nil || !strings.Contains(err.Error(), `GOPROXY="direct" names no module proxy`) {
		t.Fatalf("fetching with GOPROXY=direct: %v", err)
	}
}

// TestCheckGoVersion: only a Go release's name becomes GOTOOLCHAIN.
func TestCheckGoVersion(t *testing.T) {
	good := []string{"go1.22", "go1.22.0", "go1.26.8", "go1.21rc2", "go1.23beta1"}
	bad := []string{"", "local", "path", "go1.22.0+auto", "go1.26.8 X:boringcrypto", "devel go1.27-abcdef", "go1.22.0-custom", "go2.0", "go1.22.0\nGOPROXY=direct", "../../go1.22"}
	for _, v := range good {
		if err := checkGoVersion(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range bad {
		if err := checkGoVersion(v); err == nil || !strings.Contains(err.Error(), "not a Go release version") {
			t.Errorf("%q accepted: %v", v, err)
		}
	}
}

// TestGoToolchainRefusesOddVersion: a shipped binary whose build info
// names something other than a Go release (here "localxxx", of the same
// length as the real version) is refused before anything is fetched.
func TestGoToolchainRefusesOddVersion(t *testing.T) {
	data, err := os.ReadFile(hostGoBuild(t, writeHello(t)))
	if err != nil {
		t.Fatal(err)
	}
	magic := bytes.Index(data, []byte("\xff Go buildinf:"))
	if magic < 0 {
		t.Fatal("no build info in the binary")
	}
	v := runtime.Version()
	at := bytes.Index(data[magic:], []byte(v))
	if at < 0 {
		t.Fatalf("the build info does not hold %s", v)
	}
	copy(data[magic+at:], "local"+strings.Repeat("x", len(v)-5))
	blobs, err := evidence.OpenFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	d, err := blobs.Put(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	rel := &glassbox.Release{Manifest: glassbox.Manifest{Artifacts: []glassbox.File{{Path: "hello", Digest: d, Size: int64(len(data)), Mode: glassbox.ModeExecutable}}}}
	_, _, err = GoToolchain(context.Background(), blobs, rel, &Recipe{Toolchain: ToolchainGo})
	if err == nil || !strings.Contains(err.Error(), "not a Go release version") {
		t.Fatalf("GoToolchain with a binary claiming Go %q: %v", "local"+strings.Repeat("x", len(v)-5), err)
	}
}
