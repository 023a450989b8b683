package evaluate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/standard"
)

const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDsZ7YkEd5a8GKsRCCMWmGcDPr8Yj3cGdU9rOkxR2eWOgAAAJgw6DfvMOg3\n-----END OPENSSH PRIVATE KEY-----\n"

// freshEvaluator evaluates against the built-in standards, reusing nothing.
func freshEvaluator(t *testing.T, c *centre) *evaluate.Evaluator {
	t.Helper()
	lib, err := standard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &evaluate.Evaluator{Blobs: c.blobs, Store: c.store, Library: lib, Fresh: true}
}

func evaluateScan(t *testing.T, c *centre, rel *glassbox.Release) *evaluate.Outcome {
	t.Helper()
	out, err := freshEvaluator(t, c).Evaluate(t.Context(), rel, []string{"cra-annex-i"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A private key padded past the scanner's 4 MiB window is found: the
// secrets check fails instead of passing over a skipped file.
func TestPaddedKeyFailsTheSecretsCheck(t *testing.T) {
	c := openCentre(t)
	rel := c.submit(t, "1.0.0", map[string]string{
		"main.c":      "int main(void) { return 0; }\n",
		"notes/a.txt": strings.Repeat("padding line\n", (5<<20)/13) + sshKey,
	})
	out := evaluateScan(t, c, rel)
	res := check(out, glassbox.CheckNoEmbeddedSecrets)
	if res == nil || res.Status != glassbox.CheckFail || res.Findings[0].Path != "notes/a.txt" {
		t.Fatalf("a key after 5 MiB of padding: %+v", res)
	}
}

// A file the scan could not read leaves both scan checks not assessed
// (status error), never passed.
func TestUnreadFileLeavesTheScanChecksNotAssessed(t *testing.T) {
	c := openCentre(t)
	rel := c.submit(t, "1.0.0", map[string]string{
		"main.c":  "int main(void) { return 0; }\n",
		"extra.c": "int extra(void) { return 1; }\n",
	})
	for _, f := range rel.Manifest.Source.Files {
		if f.Path == "extra.c" {
			h := strings.TrimPrefix(string(f.Digest), "sha256:")
			if err := os.Remove(filepath.Join(c.dir, "evidence", "sha256", h[:2], h)); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := evaluateScan(t, c, rel)
	for _, id := range []string{glassbox.CheckNoBackdoorIndicators, glassbox.CheckNoEmbeddedSecrets} {
		res := check(out, id)
		if res == nil || res.Status != glassbox.CheckError || !strings.Contains(res.Summary, "not assessed") || !strings.Contains(res.Summary, "extra.c") {
			t.Errorf("%s with extra.c unreadable: %+v", id, res)
		}
	}
}
