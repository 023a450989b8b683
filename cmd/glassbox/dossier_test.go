package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/internal/jcs"
	"glassbox.dev/standard"
)

// TestDossier assembles the CRA technical documentation of the example
// release as a vendor would, after its evaluation against CRA Annex I and
// EN 303 645 with the vendor's ICS: every digest the HTML and JSON print
// is one 'glassbox cat' prints, SHA256SUMS holds, and each page of the PDF
// is not blank and names the release and its page in its footer. A
// release never evaluated is refused and nothing is written; an existing
// directory is kept unless --force.
func TestDossier(t *testing.T) {
	needSandbox(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "glassbox.test/dossier/log")
	mustRun(t, "--data", data, "vulndb", "import", recentVulnDB(t))
	src, bin, sbom := helloRelease(t, nil)
	submit := func(version string) string {
		return strings.TrimSpace(mustRun(t, "--data", data, "submit", "--product", "hello", "--version", version,
			"--source", src, "--recipe", "../../examples/hello/glassbox-recipe.yaml", "--artifact", bin, "--sbom", sbom))
	}
	id := submit("1.0.0")
	recordICS(t, data, id)
	mustRun(t, "--data", data, "judge", id, "--from", "../../examples/hello/evaluation.yaml", "--evaluator", "test evaluator")
	if code, _, stderr := glassboxRun(t, "--data", data, "evaluate", id, "--standard", "cra-annex-i,en-303-645", "--out", filepath.Join(dir, "report")); code == exitError {
		t.Fatalf("evaluate: %s", stderr)
	}

	// Never evaluated: refused, nothing written.
	fresh := submit("1.0.1")
	refused := filepath.Join(dir, "refused")
	code, _, stderr := glassboxRun(t, "--data", data, "dossier", fresh, "--out", refused, "--no-pdf")
	if code != exitRefused || !strings.Contains(stderr, "glassbox evaluate") {
		t.Errorf("dossier of a release never evaluated: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(refused); err == nil {
		t.Error("the refused dossier left its directory")
	}

	out := filepath.Join(dir, "dossier")
	noPDF := !havePDFTools(t)
	args := []string{"--data", data, "dossier", id, "--out", out, "--json"}
	if noPDF {
		args = append(args, "--no-pdf")
	}
	var summary struct {
		Release glassbox.Digest `json:"release"`
		Dir     string          `json:"dir"`
		Files   []struct {
			Name   string          `json:"name"`
			Digest glassbox.Digest `json:"digest"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, args...)), &summary); err != nil {
		t.Fatal(err)
	}
	if string(summary.Release) != id || len(summary.Files) < 4 {
		t.Fatalf("--json: %+v", summary)
	}

	// Every digest resolves, as a user resolves it.
	page, err := os.ReadFile(filepath.Join(out, "technical-file.html"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(out, "technical-file.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tf struct {
		Type     string `json:"_type"`
		Evidence []struct {
			Kind   string          `json:"kind"`
			Digest glassbox.Digest `json:"digest"`
			File   string          `json:"file"`
		} `json:"evidence"`
		Receipts []struct {
			LogOrigin string `json:"log_origin"`
			LogIndex  uint64 `json:"log_index"`
		} `json:"receipts"`
	}
	if err := json.Unmarshal(doc, &tf); err != nil {
		t.Fatalf("technical-file.json: %v", err)
	}
	if tf.Type != "https://glassbox.dev/technical-file/v1" || len(tf.Evidence) == 0 || len(tf.Receipts) != 1 {
		t.Fatalf("technical-file.json: %s", doc)
	}
	digests := map[string]bool{}
	for _, m := range regexp.MustCompile(`sha256:[0-9a-f]{64}`).FindAll(append(page, doc...), -1) {
		digests[string(m)] = true
	}
	if !digests[id] {
		t.Error("the file does not cite its release")
	}
	for d := range digests {
		code, stdout, stderr := glassboxRun(t, "--data", data, "cat", d)
		if code != exitOK || glassbox.DigestOf([]byte(stdout)) != glassbox.Digest(d) {
			t.Errorf("glassbox cat %s: exit %d %s", d, code, stderr)
		}
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, _ := strings.Cut(sc.Text(), "  ")
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		h := sha256.Sum256(b)
		if err != nil || hex.EncodeToString(h[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not check (%v)", name, err)
		}
		listed = append(listed, name)
	}
	var all []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != "SHA256SUMS" {
			rel, _ := filepath.Rel(out, p)
			all = append(all, filepath.ToSlash(rel))
		}
		return err
	})
	sort.Strings(all)
	if fmt.Sprint(all) != fmt.Sprint(listed) {
		t.Errorf("SHA256SUMS lists %v; the directory holds %v", listed, all)
	}

	if !noPDF {
		checkPDFPages(t, filepath.Join(out, "technical-file.pdf"), id, fmt.Sprintf("%s #%d", tf.Receipts[0].LogOrigin, tf.Receipts[0].LogIndex))
	}

	// An existing directory is kept, unless --force.
	code, _, stderr = glassboxRun(t, "--data", data, "dossier", id, "--out", out, "--no-pdf")
	if code != exitRefused || !strings.Contains(stderr, "--force") {
		t.Errorf("dossier into an existing directory: exit %d, %s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "technical-file.json")); !bytes.Equal(after, doc) {
		t.Error("the refused dossier changed the existing one")
	}
	mustRun(t, "--data", data, "dossier", id, "--out", out, "--no-pdf", "--force")
	if _, err := os.Stat(filepath.Join(out, "technical-file.pdf")); err == nil {
		t.Error("--force kept the old directory's PDF")
	}
}

// recordICS stores the example's ICS as evidence of the release, in
// canonical JSON, as 'glassbox ics submit' does.
func recordICS(t *testing.T, data, id string) {
	t.Helper()
	raw, err := os.ReadFile("../../dossier/testdata/ics.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := jcs.Transform(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := centre.Open(ctx, data, centre.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.Blobs.Put(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Store.RecordEvidence(ctx, glassbox.Digest(id), standard.KindICS, d); err != nil {
		t.Fatal(err)
	}
}

// havePDFTools reports whether Chromium and poppler-utils are installed;
// in CI (GLASSBOX_TEST_POSTGRES set, .ci/run installs them) they must be.
func havePDFTools(t *testing.T) bool {
	for _, p := range []string{"chromium", "pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("GLASSBOX_TEST_POSTGRES") != "" {
				t.Fatalf("%s is not installed: apt-get install chromium poppler-utils (.ci/run does)", p)
			}
			t.Logf("%s is not installed: the PDF is not checked", p)
			return false
		}
	}
	return true
}

// checkPDFPages renders each page at 50 dpi: at least 3 pages, none blank,
// each footer naming the release, the receipt and the page. The images
// are kept in GLASSBOX_DOSSIER_PAGES when it names a directory.
func checkPDFPages(t *testing.T, pdf, release, receipt string) {
	t.Helper()
	dir := os.Getenv("GLASSBOX_DOSSIER_PAGES")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "50", "-png", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(pngs)
	if len(pngs) < 3 {
		t.Fatalf("the PDF has %d pages", len(pngs))
	}
	for i, p := range pngs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n := darkPixels(img); n < 200 {
			t.Errorf("page %d is blank (%d dark pixels)", i+1, n)
		}
		text, err := exec.Command("pdftotext", "-f", fmt.Sprint(i+1), "-l", fmt.Sprint(i+1), "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{release, receipt, fmt.Sprintf("page %d / %d", i+1, len(pngs))} {
			if !strings.Contains(string(text), want) {
				t.Errorf("page %d's footer does not say %q:\n%s", i+1, want, text)
			}
		}
	}
}

func darkPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				n++
			}
		}
	}
	return n
}
