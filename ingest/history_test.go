package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

func gitIn(t *testing.T, dir string, input string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.org", "GIT_COMMITTER_NAME=Ada",
		"GIT_COMMITTER_EMAIL=ada@example.org", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestHistoryIsRecorded: a release from git keeps its commits, their
// sign-offs and signatures, and its annotated tag's notes.
func TestHistoryIsRecorded(t *testing.T) {
	dir := t.TempDir()
	gitIn(t, dir, "", "init", "--quiet", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644)
	gitIn(t, dir, "", "add", ".")
	gitIn(t, dir, "", "commit", "--quiet", "-m", "first\n\nSigned-off-by: Ada <ada@example.org>")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("two\n"), 0o644)
	gitIn(t, dir, "", "commit", "--quiet", "-am", "second, unsigned-off")
	gitIn(t, dir, "", "tag", "-a", "v1.0.0", "-m", "Release 1.0.0\n\n- fixes\n- more fixes")
	gitIn(t, dir, "", "tag", "light")

	// The same commit named by a tag, a branch or its id has one history:
	// the same release.
	var first []byte
	for _, ref := range []string{"v1.0.0", "light", "main"} {
		head := gitIn(t, dir, "", "rev-parse", ref+"^{commit}")
		h, err := readHistory(t.Context(), dir, head)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Commits) != 2 || h.Truncated || h.Commits[0].ID != head {
			t.Fatalf("%s: %d commits, truncated %v, first %s", ref, len(h.Commits), h.Truncated, h.Commits[0].ID)
		}
		c := h.Commits[1]
		if c.Subject != "first" || len(c.SignedOffBy) != 1 || c.SignedOffBy[0] != "Ada <ada@example.org>" || c.Author != "Ada" || c.AuthorEmail != "ada@example.org" || !c.AuthorTime.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("%s: first commit recorded as %+v", ref, c)
		}
		if len(h.Commits[0].SignedOffBy) != 0 || len(h.Commits[0].Parents) != 1 {
			t.Errorf("%s: second commit recorded as %+v", ref, h.Commits[0])
		}
		if len(h.Tags) != 2 || h.Tags[0].Name != "light" || h.Tags[0].Annotated || h.Tags[1].Name != "v1.0.0" || !h.Tags[1].Annotated {
			t.Fatalf("%s: tags %+v", ref, h.Tags)
		}
		if tag := h.Tags[1]; tag.Message != "Release 1.0.0\n\n- fixes\n- more fixes" || tag.Signature != "" || tag.Tagger != "Ada" {
			t.Errorf("tag recorded as %+v", tag)
		}
		b, _ := json.Marshal(h)
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Errorf("%s: the history differs from another name's for the same commit", ref)
		}
	}
}

// TestHistoryIsBounded: a history longer than MaxHistoryCommits is cut and
// says so.
func TestHistoryIsBounded(t *testing.T) {
	dir := t.TempDir()
	gitIn(t, dir, "", "init", "--quiet", "--bare")
	var in bytes.Buffer
	n := glassbox.MaxHistoryCommits + 5
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("commit %d", i)
		fmt.Fprintf(&in, "commit refs/heads/main\nmark :%d\ncommitter Ada <ada@example.org> %d +0000\ndata %d\n%s\n", i, 1700000000+i, len(msg), msg)
		if i > 1 {
			fmt.Fprintf(&in, "from :%d\n", i-1)
		}
	}
	gitIn(t, dir, in.String(), "fast-import", "--quiet")
	head := gitIn(t, dir, "", "rev-parse", "main")
	h, err := readHistory(context.Background(), dir, head)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Commits) != glassbox.MaxHistoryCommits || !h.Truncated || h.Commits[0].Subject != fmt.Sprintf("commit %d", n) {
		t.Fatalf("%d commits recorded, truncated %v, newest %q", len(h.Commits), h.Truncated, h.Commits[0].Subject)
	}
}

// FuzzParseRawCommit: git's output is read without panicking, whatever it
// holds.
func FuzzParseRawCommit(f *testing.F) {
	f.Add([]byte("commit 0123456789012345678901234567890123456789\ntree 1\nparent 2\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n x\n -----END SSH SIGNATURE-----\n\n    subject\n\n    Signed-off-by: A <a@b>\n"))
	f.Add([]byte("commit x\nauthor <>\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseRawCommit(b)
		parseTag("t", b)
		parseIdent(string(b))
	})
}

// TestHistoryCutByBytesIsTruncated: a history cut by the byte bound is
// recorded as truncated, without the record the bound cut (a newest commit
// with a huge message must not hide the older ones).
func TestHistoryCutByBytesIsTruncated(t *testing.T) {
	defer func(b int64) { maxHistoryBytes = b }(maxHistoryBytes)
	maxHistoryBytes = 1 << 20
	dir := t.TempDir()
	gitIn(t, dir, "", "init", "--quiet", "--bare")
	var in bytes.Buffer
	msgs := []string{"old, no sign-off", "older, no sign-off", "Signed-off-by: A <a@b>\n" + strings.Repeat("x\n", int(maxHistoryBytes)/2+10)}
	for i, msg := range msgs {
		fmt.Fprintf(&in, "commit refs/heads/main\nmark :%d\ncommitter Ada <ada@example.org> %d +0000\ndata %d\n%s\n", i+1, 1700000000+i, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(&in, "from :%d\n", i)
		}
	}
	gitIn(t, dir, in.String(), "fast-import", "--quiet")
	head := gitIn(t, dir, "", "rev-parse", "main")
	h, err := readHistory(t.Context(), dir, head)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Truncated || len(h.Commits) != 0 {
		t.Fatalf("a history cut by the byte bound: %d commits, truncated %v", len(h.Commits), h.Truncated)
	}
}

// TestTagSignatureEndsTheTag: a signature block quoted in a tag's notes is
// not a signature.
func TestTagSignatureEndsTheTag(t *testing.T) {
	fake := parseTag("v1", []byte("object x\ntype commit\ntag v1\ntagger A <a@b> 1 +0000\n\nnotes\n\n-----BEGIN PGP SIGNATURE-----\nnot really\n"))
	if fake.Signature != "" {
		t.Errorf("a quoted armour line was taken for a signature: %+v", fake)
	}
	real := parseTag("v1", []byte("object x\ntype commit\ntag v1\ntagger A <a@b> 1 +0000\n\nnotes\n-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"))
	if real.Signature != "ssh" || real.Message != "notes" {
		t.Errorf("a signed tag read as %+v", real)
	}
}
