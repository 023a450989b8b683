package k8sschema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"glassbox.dev/centre"
	"glassbox.dev/internal/k8sschema"
)

const (
	// kubernetes is the release whose OpenAPI document the schemas come
	// from (k8s.io/kubernetes, through the module proxy).
	kubernetes = "v1.34.2"
	// kubeconform is the validator's release.
	kubeconform = "v0.7.0"
)

func goBin() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// schemas generates the strict schemas of every Kubernetes kind of the
// pinned release into a directory.
func schemas(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(goBin(), "mod", "download", "-json", "k8s.io/kubernetes@"+kubernetes).Output()
	if err != nil {
		t.Fatalf("go mod download k8s.io/kubernetes@%s: %v", kubernetes, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n, err := k8sschema.Generate(filepath.Join(m.Dir, "api", "openapi-spec", "swagger.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d kinds in Kubernetes %s's OpenAPI document", n, kubernetes)
	}
	return dir
}

// kubeconformBin builds kubeconform into the user's cache the first time.
func kubeconformBin(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "glassbox-test", "kubeconform-"+kubeconform)
	bin := filepath.Join(dir, "kubeconform")
	if fileExists(bin) {
		return bin
	}
	cmd := exec.Command(goBin(), "install", "github.com/yannh/kubeconform/cmd/kubeconform@"+kubeconform)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubeconform: %v\n%s", err, out)
	}
	return bin
}

func validate(t *testing.T, bin, schemaDir string, files ...string) (string, error) {
	args := append([]string{"-strict", "-summary", "-schema-location", schemaDir + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"}, files...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// TestDeploymentManifests: the Kubernetes manifests of docs/deploy pass
// kubeconform -strict against the schemas of a pinned Kubernetes release,
// and a manifest with a misspelt field does not (so the check can fail).
func TestDeploymentManifests(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads Kubernetes' OpenAPI document and builds kubeconform")
	}
	bin, dir := kubeconformBin(t), schemas(t)
	manifests, _ := filepath.Glob("../../docs/deploy/k8s/*.yaml")
	if len(manifests) == 0 {
		t.Fatal("no manifests in docs/deploy/k8s")
	}
	out, err := validate(t, bin, dir, manifests...)
	if err != nil {
		t.Fatalf("kubeconform: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Invalid: 0, Errors: 0") || strings.Contains(out, "Skipped: 1") {
		t.Fatalf("kubeconform: %s", out)
	}
	t.Log(strings.TrimSpace(out))
	b, _ := os.ReadFile(manifests[0])
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, bytes.Replace(b, []byte("terminationGracePeriodSeconds"), []byte("terminationGracePeriodSecond"), 1), 0o644)
	if out, err := validate(t, bin, dir, bad); err == nil {
		t.Fatalf("kubeconform passed a misspelt field:\n%s", out)
	}
}

// TestDeploymentConfigs: the configuration files of docs/deploy, and those
// the Kubernetes ConfigMap carries, are read by glassbox as they are (with
// their secret files present).
func TestDeploymentConfigs(t *testing.T) {
	tmp := t.TempDir()
	secrets := filepath.Join(tmp, "etc", "glassbox", "secrets")
	os.MkdirAll(secrets, 0o700)
	for name, v := range map[string]string{"database.url": "postgres://glassbox:pw@db/glassbox", "s3.secret": "s", "log.dsn": "glassbox:pw@tcp(db:3306)/log", "signing.token": "gbx_x"} {
		os.WriteFile(filepath.Join(secrets, name), []byte(v+"\n"), 0o600)
	}
	texts := map[string][]byte{}
	for _, f := range []string{"glassbox.toml", "worker.toml"} {
		b, err := os.ReadFile(filepath.Join("../../docs/deploy", f))
		if err != nil {
			t.Fatal(err)
		}
		texts[f] = b
	}
	b, err := os.ReadFile("../../docs/deploy/k8s/glassbox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct{ Name string }
			Data     map[string]string `yaml:"data"`
		}
		if dec.Decode(&doc) != nil {
			break
		}
		if doc.Kind == "ConfigMap" && doc.Metadata.Name == "glassbox-config" {
			for k, v := range doc.Data {
				texts["k8s "+k] = []byte(v)
			}
		}
	}
	if len(texts) != 4 {
		t.Fatalf("found %d configurations; want 4", len(texts))
	}
	for name, text := range texts {
		p := filepath.Join(tmp, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(p, bytes.ReplaceAll(text, []byte("/etc/glassbox/"), []byte(filepath.Join(tmp, "etc", "glassbox")+"/")), 0o600)
		c, err := centre.LoadConfig(context.Background(), p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := c.Options(centre.WithLog); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
