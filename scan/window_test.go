package scan_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/scan"
	_ "glassbox.dev/scan/rules/all"
)

// A file larger than MaxFileSize is analysed in overlapping windows, and
// gives exactly the findings — lines, columns, fingerprints — that
// analysing it whole gives: whether it has lines or is one long line, and
// whether a match straddles a window's edge.
func TestWindowsFindWhatTheWholeFileHas(t *testing.T) {
	pad := func(n int, unit string) string { return strings.Repeat(unit, n/len(unit)) }
	for name, content := range map[string]string{
		"lines":            pad(5000, "filler line\n") + "BACKDOOR here\n" + pad(3000, "more\n") + "x BACKDOOR\n",
		"one long line":    pad(4990, "y") + "BACKDOORBACKDOOR" + pad(3000, "z") + "BACKDOOR",
		"straddling edges": strings.Repeat(pad(997, "a")+"BACKDOOR\n", 20),
		"past the limit":   pad(100000, "\n") + "weak-secret",
	} {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"f.txt": content})
			whole := mustScan(t, &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, MaxFileSize: -1}, root)
			windowed := mustScan(t, &scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}, MaxFileSize: 1000}, root)
			if len(whole.Findings) == 0 {
				t.Fatal("the whole file gives no finding")
			}
			// (A match longer than the overlap, 250 bytes here, 64 KiB by
			// default, is cut at its window's end: compare where each
			// starts.)
			same := func(a, b scan.Finding) bool {
				return a.RuleID == b.RuleID && a.Region.StartLine == b.Region.StartLine && a.Region.StartColumn == b.Region.StartColumn
			}
			if !slices.EqualFunc(whole.Findings, windowed.Findings, same) {
				t.Errorf("windows of 1000 bytes found\n%v\nthe whole file\n%v", regions(windowed), regions(whole))
			}
			if len(windowed.Skipped) != 0 || windowed.Bytes != int64(len(content)) {
				t.Errorf("windowed: skipped %v, %d bytes read of %d", windowed.Skipped, windowed.Bytes, len(content))
			}
		})
	}
}

func regions(r *scan.Result) []glassbox.Region {
	var out []glassbox.Region
	for _, f := range r.Findings {
		out = append(out, f.Region)
	}
	return out
}

// A private key after 5 MiB of padding is found with the shipped rules at
// the default window: a size limit is no place to hide.
func TestSecretPastTheSizeLimitIsFound(t *testing.T) {
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDsZ7YkEd5a8GKsRCCMWmGcDPr8Yj3cGdU9rOkxR2eWOgAAAJgw6DfvMOg3\n-----END OPENSSH PRIVATE KEY-----\n"
	root := writeTree(t, map[string]string{"config.txt": strings.Repeat("# padding\n", (5<<20)/10) + key})
	res := mustScan(t, &scan.Scanner{Analyzers: scan.Analyzers()}, root)
	found := false
	for _, f := range res.Findings {
		found = found || f.Family == "secrets" && f.Region.StartLine == (5<<20)/10+1
	}
	if !found || len(res.Skipped) != 0 {
		t.Errorf("a key after 5 MiB: findings %v, skipped %v", regions(res), res.Skipped)
	}
}

// Stored content that no longer matches its digest is the scan's error:
// no result, so nothing is stored or reused.
func TestCorruptBlobFailsTheScan(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	blobs, err := evidence.OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	content := []byte(strings.Repeat("int x;\n", 1000))
	d, err := blobs.Put(ctx, content)
	if err != nil {
		t.Fatal(err)
	}
	// Reopened, the store has every blob in its place.
	blobs.Close()
	if blobs, err = evidence.OpenFS(dir); err != nil {
		t.Fatal(err)
	}
	var blob string
	filepath.WalkDir(filepath.Join(dir, "sha256"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			blob = p
		}
		return nil
	})
	os.Chmod(blob, 0o644)
	if err := os.WriteFile(blob, append(content[:len(content)-1], 'X'), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []scan.SourceFile{{Path: "main.c", Size: int64(len(content)), Open: func() (io.ReadCloser, error) { return blobs.Open(ctx, d) }}}
	res, err := (&scan.Scanner{Analyzers: []scan.Analyzer{wordAnalyzer{}}}).ScanFiles(ctx, slices.Values(files))
	if glassbox.ErrorCode(err) != glassbox.ECORRUPT || !strings.Contains(err.Error(), "main.c") || res != nil {
		t.Errorf("scan of a corrupt blob = %v, %v; want no result and ECORRUPT naming main.c", res, err)
	}
}
