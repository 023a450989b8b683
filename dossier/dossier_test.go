package dossier_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/centre"
	"glassbox.dev/dossier"
	"glassbox.dev/internal/jcs"
	"glassbox.dev/standard"
	"glassbox.dev/vuln"
)

// fixture is the example release, submitted with the vendor's ICS,
// judged from the example worksheet and evaluated by the real glassbox
// binary against CRA Annex I and EN 303 645: once for the package.
type fixture struct {
	bin, data string
	id        glassbox.Digest
	fresh     glassbox.Digest // a release submitted but never evaluated
	err       error
}

var (
	fixtureOnce sync.Once
	shared      fixture
	fixtureDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func evaluated(t testing.TB) *fixture {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bubblewrap is not installed: apt-get install bubblewrap (.ci/run does)")
	}
	fixtureOnce.Do(func() { shared.err = shared.build() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return &shared
}

func (f *fixture) build() error {
	dir, err := os.MkdirTemp("", "dossier-test-")
	if err != nil {
		return err
	}
	fixtureDir = dir
	f.bin, f.data = filepath.Join(dir, "glassbox"), filepath.Join(dir, "data")
	if out, err := exec.Command("go", "build", "-o", f.bin, "../cmd/glassbox").CombinedOutput(); err != nil {
		return fmt.Errorf("build glassbox: %v\n%s", err, out)
	}
	// The vendor builds hello and submits it.
	src := filepath.Join(dir, "src")
	if err := os.CopyFS(src, os.DirFS("../examples/hello/src")); err != nil {
		return err
	}
	bin := filepath.Join(dir, "dist", "hello")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir, build.Env = src, append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("vendor build: %v\n%s", err, out)
	}
	if _, err := f.run("keys", "generate", "--origin", "glassbox.test/dossier/log"); err != nil {
		return err
	}
	zip, err := recentVulnDB()
	if err != nil {
		return err
	}
	zipPath := filepath.Join(dir, "all.zip")
	if err := os.WriteFile(zipPath, zip, 0o644); err != nil {
		return err
	}
	if _, err := f.run("vulndb", "import", zipPath); err != nil {
		return err
	}
	submit := func(version string) (glassbox.Digest, error) {
		out, err := f.run("submit", "--product", "hello", "--version", version, "--source", src,
			"--recipe", "../examples/hello/glassbox-recipe.yaml", "--artifact", bin)
		return glassbox.Digest(strings.TrimSpace(out)), err
	}
	if f.id, err = submit("1.0.0"); err != nil {
		return err
	}
	if f.fresh, err = submit("1.0.1"); err != nil {
		return err
	}
	if err := f.recordICS(); err != nil {
		return err
	}
	if _, err := f.run("judge", string(f.id), "--from", "../examples/hello/evaluation.yaml", "--evaluator", "test evaluator"); err != nil {
		return err
	}
	// Against EN 303 645 too the verdict is FAILED (exit 1): most of its
	// provisions wait for an evaluator. The file documents it as it is.
	if _, err := f.run("evaluate", string(f.id), "--standard", "cra-annex-i,en-303-645", "--out", filepath.Join(dir, "report")); err != nil && !strings.Contains(err.Error(), "exit status 1") {
		return err
	}
	return nil
}

// recordICS stores the vendor's ICS as evidence of the release, as
// canonical JSON, as 'glassbox ics submit' does.
func (f *fixture) recordICS() error {
	raw, err := os.ReadFile("testdata/ics.json")
	if err != nil {
		return err
	}
	b, err := jcs.Transform(raw)
	if err != nil {
		return err
	}
	ctx := context.Background()
	c, err := centre.Open(ctx, f.data, centre.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	d, err := c.Blobs.Put(ctx, b)
	if err != nil {
		return err
	}
	return c.Store.RecordEvidence(ctx, f.id, standard.KindICS, d)
}

func (f *fixture) run(args ...string) (string, error) {
	cmd := exec.Command(f.bin, append([]string{"--data", f.data}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("glassbox %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// recentVulnDB is an OSV export whose one record does not affect this
// toolchain's standard library: the check runs and passes.
func recentVulnDB() ([]byte, error) {
	modified := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	return vuln.ZipDir(map[string][]byte{
		"GO-2099-0001.json": []byte(`{"schema_version":"1.3.1","id":"GO-2099-0001","modified":"` + modified + `","summary":"an old bug","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}]}]}`),
	})
}

// open opens the fixture's data directory for the package's API.
func (f *fixture) open(t testing.TB) (dossier.Sources, *glassbox.Release, *glassbox.Release) {
	t.Helper()
	ctx := context.Background()
	c, err := centre.Open(ctx, f.data, centre.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	lib, err := c.Library(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := c.Store.FindRelease(ctx, f.id)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := c.Store.FindRelease(ctx, f.fresh)
	if err != nil {
		t.Fatal(err)
	}
	return dossier.Sources{Blobs: c.Blobs, Evidence: c.Store, Library: lib}, rel, fresh
}

var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// TestTechnicalFile writes the technical file of the evaluated example
// and reads it as an auditor would: every Annex VII point is there, built
// from the evidence (the ICS's manufacturer and support period, the
// rebuild, each Annex I requirement with its status and evidence, EN 303
// 645's provisions with the vendor's answers), every digest the HTML and
// JSON print names a document of the store, each copied into the bundle
// and listed in SHA256SUMS.
func TestTechnicalFile(t *testing.T) {
	f := evaluated(t)
	src, rel, _ := f.open(t)
	ctx := context.Background()
	tf, err := dossier.Gather(ctx, src, rel, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	res, err := dossier.Write(ctx, src, tf, dir, dossier.WriteOptions{NoPDF: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, dossier.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var got dossier.TechnicalFile
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("technical-file.json: %v", err)
	}
	s := &got.Sections
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"_type", got.Type, dossier.Type},
		{"release", got.Release.ID, rel.ID},
		{"manufacturer", s.General.Manufacturer != nil && s.General.Manufacturer.Name == "Example Vendor", true},
		{"intended purpose from the ICS", s.General.IntendedPurpose != "", true},
		{"support period", s.Support.SupportUntil, "2028-12-31"},
		{"security contact", s.Support.SecurityContact, "security@hello.example"},
		{"Part II requirements", len(s.Design.VulnerabilityHandling), 8},
		{"Part I requirements", len(s.Risk.Requirements), 14},
		{"rebuilt artefacts", s.Design.Rebuild != nil && len(s.Design.Rebuild.Artifacts) == 1 && s.Design.Rebuild.Artifacts[0].Outcome == "identical", true},
		{"standards", len(s.Standards.Standards), 2},
		{"EN 303 645 provisions", s.Standards.Provisions != nil && len(s.Standards.Provisions.Provisions) > 50, true},
		{"declaration is a draft", s.Declaration.Draft && s.Declaration.Signature == "" && s.Declaration.Place == "", true},
		{"SBOM components", len(s.Bill.Components) > 0, true},
		{"receipts", len(got.Receipts), 1},
		{"assessment results", got.Evaluation.AssessmentResults != nil, true},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	for _, r := range append(s.Risk.Requirements, s.Design.VulnerabilityHandling...) {
		if r.Status == "" || r.Reason == "" {
			t.Errorf("requirement %s has no status or reason: %+v", r.Label, r)
		}
	}
	answered := 0
	for _, p := range s.Standards.Provisions.Provisions {
		if p.ICSSupport != "" {
			answered++
		}
	}
	if answered < 50 {
		t.Errorf("only %d provisions carry the vendor's answer", answered)
	}
	if r := got.Receipts[0]; r.LogOrigin != "glassbox.test/dossier/log" || r.TreeSize <= r.LogIndex || len(r.LeafHash) != 64 || r.RootHash == "" {
		t.Errorf("the receipt is not cited in full: %+v", r)
	}

	// Every digest printed is a document of the store, copied into the
	// bundle under its digest.
	page, err := os.ReadFile(filepath.Join(dir, dossier.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	digests := map[glassbox.Digest]bool{}
	for _, m := range digestRE.FindAll(append(page, b...), -1) {
		digests[glassbox.Digest(m)] = true
	}
	if !digests[rel.ID] || !digests[got.Evaluation.AssessmentResults.Digest] || !digests[got.Receipts[0].Receipt.Digest] {
		t.Error("the release, the assessment results or the receipt is not cited")
	}
	for d := range digests {
		if _, err := src.Blobs.Stat(ctx, d); err != nil {
			t.Errorf("the file prints %s, which the evidence store does not hold: %v", d, err)
		}
	}
	for _, e := range got.Evidence {
		copied, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			t.Errorf("evidence %s (%s) is not in the bundle: %v", e.Digest, e.Kind, err)
			continue
		}
		if glassbox.DigestOf(copied) != e.Digest {
			t.Errorf("the copy %s is not %s", e.File, e.Digest)
		}
	}
	checkSums(t, dir, res)
	for _, want := range []string{"1. General description of the product", "8. Software bill of materials", "DRAFT", "Example Vendor", "not provided"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the HTML does not say %q", want)
		}
	}
	if bytes.Contains(page, []byte("http://")) || bytes.Contains(page, []byte("https://fonts")) || bytes.Contains(page, []byte("<script")) {
		t.Error("the HTML is not self-contained")
	}
}

// checkSums checks SHA256SUMS against every file of the directory.
func checkSums(t *testing.T, dir string, res *dossier.Result) {
	t.Helper()
	sums, err := os.ReadFile(filepath.Join(dir, dossier.SumsFile))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		listed[name] = sum
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == dossier.SumsFile {
			return nil
		}
		n++
		b, _ := os.ReadFile(p)
		h := sha256.Sum256(b)
		if listed[rel] != hex.EncodeToString(h[:]) {
			t.Errorf("SHA256SUMS says %s is %q; it is %x", rel, listed[rel], h)
		}
		return nil
	})
	if n != len(listed) || n+1 != len(res.Files) {
		t.Errorf("%d files, %d in SHA256SUMS, %d in the result", n, len(listed), len(res.Files))
	}
}

// TestNeverEvaluatedIsRefused: a release without an evaluation has no
// technical file, and the error says what to run.
func TestNeverEvaluatedIsRefused(t *testing.T) {
	f := evaluated(t)
	src, _, fresh := f.open(t)
	_, err := dossier.Gather(context.Background(), src, fresh, time.Now())
	if glassbox.ErrorCode(err) != glassbox.ENOTFOUND || !strings.Contains(fmt.Sprint(err), "glassbox evaluate") {
		t.Fatalf("got %v, want ENOTFOUND telling to run glassbox evaluate", err)
	}
}

// TestExistingDirectory: a directory that is not empty is kept as it is
// unless Force; with Force it is replaced whole; an empty one is used.
func TestExistingDirectory(t *testing.T) {
	f := evaluated(t)
	src, rel, _ := f.open(t)
	ctx := context.Background()
	tf, err := dossier.Gather(ctx, src, rel, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := dossier.Write(ctx, src, tf, dir, dossier.WriteOptions{NoPDF: true}); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Fatalf("got %v, want ECONFLICT", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Fatal("the refused write changed the directory")
	}
	if _, err := dossier.Write(ctx, src, tf, dir, dossier.WriteOptions{NoPDF: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err == nil {
		t.Error("--force kept a file of the old directory")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("the write left %d entries beside the directory", len(entries)-1)
	}
}

// TestPDF prints the file with Chromium; every page names the release in
// its footer with its page number, and the pages are not blank.
func TestPDF(t *testing.T) {
	chromium, err := dossier.FindChromium()
	if err != nil {
		if os.Getenv("GLASSBOX_TEST_POSTGRES") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("GLASSBOX_TEST_POSTGRES") != "" {
			t.Fatal("pdftotext is not installed: apt-get install poppler-utils (.ci/run does)")
		}
		t.Skip("pdftotext is not installed")
	}
	f := evaluated(t)
	src, rel, _ := f.open(t)
	ctx := context.Background()
	tf, err := dossier.Gather(ctx, src, rel, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := dossier.Write(ctx, src, tf, dir, dossier.WriteOptions{Chromium: chromium}); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, dossier.PDFFile)
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, string(rel.ID)) || !strings.Contains(p, fmt.Sprintf("page %d / %d", i+1, len(pages))) || !strings.Contains(p, tf.Receipts[0].Ref()) {
			t.Errorf("page %d's footer does not name the release, the receipt and the page:\n%s", i+1, p)
		}
	}
}
