package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"glassbox.dev"
	"glassbox.dev/client"
)

// TestCentreEndToEnd runs the centre as a service, over real HTTP on
// loopback, as README's "Running a centre" tells it: the operator makes
// the keys, starts 'glassbox serve' (which leaves the first administrator's
// token in the data directory) and creates a vendor and an evaluator, each
// with a user and a token; the vendor's CI submits the example release
// with 'glassbox --server URL submit' and the vendor grants the evaluator
// ('glassbox grant create'); the evaluator reads a source file, judges the
// controls that need a human from its worksheet and runs the evaluation,
// which the server's worker runs in the sandbox while the CLI follows its
// progress, to PASSED; the vendor lists the access record, each read
// verified offline; an operator fetches the verdict's receipt from the
// public API and verifies the shipped binary offline against it; the
// vendor sees the verdict in show, and the administrator withdraws it.
func TestCentreEndToEnd(t *testing.T) {
	if os.Getenv("GLASSBOX_E2E") == "" {
		t.Skip("the centre end to end rebuilds the example on each database: set GLASSBOX_E2E=1 (.ci/run does)")
	}
	needSandbox(t)
	bin := buildGlassbox(t)
	eachBackend(t, func(t *testing.T, dir, data string, local []string) {
		keys := filepath.Join(data, "keys")

		// The operator, on the centre's machine.
		mustRun(t, append(local, "keys", "generate", "--origin", "glassbox.test/e2e/log")...)
		mustRun(t, append(local, "vulndb", "import", recentVulnDB(t))...)
		serve, base := startServeArgs(t, bin, local)
		defer func() {
			serve.Process.Signal(syscall.SIGTERM)
			if err := serve.Wait(); err != nil {
				t.Errorf("serve after SIGTERM: %v", err)
			}
		}()
		if fi, err := os.Stat(filepath.Join(data, bootstrapTokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the first start left no bootstrap token only its owner reads: %v, %v", fi, err)
		}
		admin := func(args ...string) string { return mustRun(t, append(append(local, "admin"), args...)...) }
		token := func(user, scopes string) string {
			secret := strings.TrimSpace(admin("token", "create", "--user", user, "--scopes", scopes, "--expires", "1d"))
			return writeFile(t, filepath.Join(dir, user+".token"), []byte(secret+"\n"))
		}
		admin("org", "create", "acme", "--kind", "vendor", "--name", "ACME Corp")
		admin("user", "create", "acme-ci", "--org", "acme", "--role", "vendor", "--name", "ACME release pipeline")
		vendor := token("acme-ci", "read,submit,admin")
		admin("org", "create", "lab", "--kind", "evaluator", "--name", "Test Lab")
		admin("user", "create", "lab-eve", "--org", "lab", "--role", "evaluator", "--name", "Eve Evaluator")
		evaluator := token("lab-eve", "read,evaluate,judge")
		as := func(tokenFile string, args ...string) (int, string, string) {
			return glassboxRun(t, append([]string{"--server", base, "--token-file", tokenFile}, args...)...)
		}
		must := func(tokenFile string, args ...string) string {
			t.Helper()
			code, out, errOut := as(tokenFile, args...)
			if code != exitOK {
				t.Fatalf("glassbox --server %s %s: exit %d\n%s%s", base, strings.Join(args, " "), code, out, errOut)
			}
			return out
		}

		// The vendor's CI job: build, submit; then grant the lab.
		src, hello, sbom := helloRelease(t, nil)
		id := strings.TrimSpace(must(vendor, "submit", "--product", "hello", "--version", "1.0.0", "--source", src,
			"--recipe", "../../examples/hello/glassbox-recipe.yaml", "--artifact", hello, "--sbom", sbom))
		if _, err := glassbox.ParseDigest(id); err != nil {
			t.Fatalf("submit printed %q, not a release id", id)
		}
		must(vendor, "grant", "create", "--product", "hello", "--evaluator", "lab", "--expires", "90d")

		// The evaluator: read a source file, judge, evaluate.
		c, err := client.New(base, strings.TrimSpace(string(mustRead(t, evaluator))))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := c.ReadSource(t.Context(), id, "main.go"); err != nil || len(b) == 0 {
			t.Fatalf("the evaluator reads main.go under its grant: %d bytes, %v", len(b), err)
		}
		if code, _, errOut := as(evaluator, "judge", id, "--from", "../../examples/hello/evaluation.yaml", "--evaluator", "someone else"); code != exitError || !strings.Contains(errOut, "--evaluator does not go with --server") {
			t.Errorf("judge --evaluator against a centre: exit %d, %q; want a usage error", code, errOut)
		}
		// PRODUCT@VERSION names the release as well as its id.
		if out := must(evaluator, "judge", "hello@1.0.0", "--from", "../../examples/hello/evaluation.yaml"); !strings.Contains(out, "by lab/lab-eve") && !strings.Contains(out, "lab-eve") {
			t.Errorf("the judgements are not recorded under the evaluator's token: %s", out)
		}
		code, out, progress := as(evaluator, "evaluate", "hello@1.0.0")
		if code != exitOK || !strings.HasPrefix(out, "PASSED hello@1.0.0") {
			t.Fatalf("evaluate against the centre: exit %d\n%s%s", code, out, progress)
		}
		if !strings.Contains(progress, "glassbox: evaluate: rebuild: done after") {
			t.Errorf("evaluate did not show the job's progress as a local evaluation does:\n%s", progress)
		}
		// The same tables as a local evaluation prints: every check's
		// result and every standard's tally.
		for _, want := range append([]string{"what it established", "not assessed  verdict", "cra-annex-i", "evidence/evaluation/report", "/api/v1/verdicts/sha256:"}, glassbox.Checks()...) {
			if !strings.Contains(out, want) {
				t.Errorf("evaluate against the centre does not print %q as a local evaluation does:\n%s", want, out)
			}
		}
		if out := must(vendor, "releases"); !strings.Contains(out, "PASSED") || !strings.Contains(out, id[len("sha256:"):][:16]) {
			t.Errorf("releases does not show the release PASSED:\n%s", out)
		}

		// The vendor: who read its source, each read verified offline.
		if out := must(vendor, "access", "hello@1.0.0", "--key", filepath.Join(keys, "attestation.pub"), "--log-key", filepath.Join(keys, "log.vkey")); !strings.Contains(out, "1 reads, 1 verified") || !strings.Contains(out, "main.go") {
			t.Errorf("the vendor's access record:\n%s", out)
		}
		// Commands that need the data directory say where they run.
		if code, _, errOut := as(vendor, "rebuild", id); code != exitError || !strings.Contains(errOut, "runs on the centre's machine") {
			t.Errorf("rebuild against a centre: exit %d, %q; want a usage error", code, errOut)
		}

		// An operator, with no token: the verdict's receipt from the
		// public API, verified offline against the centre's keys.
		rel, err := c.Release(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		anon, err := client.New(base, "")
		if err != nil {
			t.Fatal(err)
		}
		vs, err := anon.Verdicts(t.Context(), rel.Manifest.Artifacts[0].Digest)
		if err != nil || len(vs.Receipts) != 1 || vs.Verdicts[0].Result != "PASSED" {
			t.Fatalf("verdicts of the artefact: %+v, %v; want one PASSED with its receipt", vs, err)
		}
		raw, err := vs.Receipts[0].Marshal()
		if err != nil {
			t.Fatal(err)
		}
		receipt := writeFile(t, filepath.Join(dir, "hello.vsa.receipt.json"), raw)
		code, out, errOut := glassboxRun(t, "verify", hello, "--receipt", receipt,
			"--key", filepath.Join(keys, "attestation.pub"), "--log-key", filepath.Join(keys, "log.vkey"),
			"--policy", "../../examples/hello/policy.yaml")
		if code != exitOK || !strings.Contains(out+errOut, "ALLOWED") {
			t.Errorf("verify of the shipped binary against the fetched receipt: exit %d\n%s%s", code, out, errOut)
		}

		// The vendor sees the verdict; the centre's administrator (the
		// bootstrap token) withdraws the release, as locally.
		if out := must(vendor, "show", "hello@1.0.0"); !strings.Contains(out, "PASSED at ") {
			t.Errorf("show does not give the logged verdict:\n%s", out)
		}
		if out := must(filepath.Join(data, bootstrapTokenFile), "withdraw", "hello@1.0.0", "--reason", "end-to-end test"); !strings.HasPrefix(out, "Withdrew hello@1.0.0") || !strings.Contains(out, "1 verdicts revoked") {
			t.Errorf("withdraw against the centre:\n%s", out)
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
