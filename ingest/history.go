package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
)

// Bounds of a history record: git's output is read up to maxHistoryBytes,
// a subject is cut at maxSubject bytes and a tag message at maxTagMessage.
// maxHistoryBytes is a variable for the tests.
var maxHistoryBytes int64 = 64 << 20

const (
	maxSubject    = 200
	maxTagMessage = 16 << 10
	maxTagObject  = 1 << 20
)

// readHistory records the history of commit in gitDir: its newest commits
// and the tags that point at it.
func readHistory(ctx context.Context, gitDir, commit string) (*glassbox.GitHistory, error) {
	h := &glassbox.GitHistory{Type: glassbox.GitHistoryType, Commit: commit, Commits: []glassbox.GitCommit{}}
	if out, err := git(ctx, gitDir, "rev-parse", "--is-shallow-repository"); err == nil && strings.TrimSpace(string(out)) == "true" {
		h.Shallow, h.Truncated = true, true
	}
	cmd := exec.CommandContext(ctx, "git", "log", "-z", "--pretty=raw", "--no-color", "--no-decorate", "--no-show-signature",
		"-n", strconv.Itoa(glassbox.MaxHistoryCommits+1), "--end-of-options", commit)
	cmd.Dir = gitDir
	cmd.Env = append(os.Environ(), gitEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "start git log: %w", err)
	}
	// One byte past the bound tells a history cut by it from one that
	// ends there.
	lr := &io.LimitedReader{R: stdout, N: maxHistoryBytes + 1}
	br := bufio.NewReaderSize(lr, 1<<20)
	var perr error
	for {
		rec, err := br.ReadBytes(0)
		if err == io.EOF && lr.N == 0 {
			// The bound cut this record: it is not a commit, and the
			// history goes on.
			h.Truncated = true
			break
		}
		if len(bytes.TrimSpace(rec)) > 0 {
			if len(h.Commits) == glassbox.MaxHistoryCommits {
				h.Truncated = true
				break
			}
			c, cerr := parseRawCommit(bytes.TrimSuffix(rec, []byte{0}))
			if cerr != nil {
				perr = cerr
				break
			}
			h.Commits = append(h.Commits, c)
		}
		if err != nil {
			if err != io.EOF {
				perr = err
			}
			break
		}
	}
	// Stop git if it still writes (more commits than recorded, or the
	// byte bound was reached) before waiting for it.
	io.Copy(io.Discard, io.LimitReader(br, 1))
	stdout.Close()
	werr := cmd.Wait()
	if perr != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "cannot read the history of %s: %v", commit, perr)
	}
	if werr != nil && !h.Truncated && len(h.Commits) <= glassbox.MaxHistoryCommits {
		if msg := strings.TrimSpace(stderr.String()); msg != "" || len(h.Commits) == 0 {
			return nil, glassbox.Errorf(glassbox.EINVALID, "cannot read the history of %s: git log: %s", commit, firstNonEmpty(msg, werr.Error()))
		}
	}
	if len(h.Commits) == 0 && h.Truncated {
		// Cut before the first commit ended: nothing to record but that.
	} else if len(h.Commits) == 0 || h.Commits[0].ID != commit {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "git log of %s did not start at that commit", commit)
	}
	if h.Tags, err = readTags(ctx, gitDir, commit); err != nil {
		return nil, err
	}
	return h, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// readTags returns the tags that point at commit, sorted by name.
func readTags(ctx context.Context, gitDir, commit string) ([]glassbox.GitTag, error) {
	out, err := git(ctx, gitDir, "for-each-ref", "--points-at", commit, "--sort=refname", "--count="+strconv.Itoa(glassbox.MaxHistoryTags),
		"--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)", "refs/tags")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "cannot list the tags of %s: %v", commit, err)
	}
	var tags []glassbox.GitTag
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 3 {
			continue
		}
		name := strings.ToValidUTF8(f[0], "\uFFFD")
		if f[1] != "tag" {
			tags = append(tags, glassbox.GitTag{Name: name})
			continue
		}
		size, err := git(ctx, gitDir, "cat-file", "-s", f[2])
		if n, perr := strconv.ParseInt(strings.TrimSpace(string(size)), 10, 64); err != nil || perr != nil || n > maxTagObject {
			// Not read: a tag this large is no release's; it counts as
			// unsigned and without notes.
			tags = append(tags, glassbox.GitTag{Name: name, Annotated: true})
			continue
		}
		body, err := git(ctx, gitDir, "cat-file", "tag", f[2])
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "cannot read tag %s: %v", name, err)
		}
		tags = append(tags, *parseTag(name, body))
	}
	return tags, nil
}

// parseTag reads a tag object: headers, a blank line, the message, and a
// signature appended to the message.
func parseTag(name string, body []byte) *glassbox.GitTag {
	t := &glassbox.GitTag{Name: name, Annotated: true}
	head, msg, _ := bytes.Cut(body, []byte("\n\n"))
	for _, line := range strings.Split(string(head), "\n") {
		if v, ok := strings.CutPrefix(line, "tagger "); ok {
			t.Tagger, t.TaggerEmail, t.Time = parseIdent(v)
		}
	}
	m := string(msg)
	for _, sig := range signatureKinds {
		// A signature is the armoured block that ends the object; the same
		// line inside the notes is text.
		i := strings.LastIndex(m, sig.begin)
		if i >= 0 && (i == 0 || m[i-1] == '\n') && strings.HasSuffix(strings.TrimRight(m, "\n"), sig.end) {
			t.Signature = sig.kind
			m = m[:i]
			break
		}
	}
	if len(m) > maxTagMessage {
		m = m[:maxTagMessage]
	}
	t.Message = strings.ToValidUTF8(strings.TrimSpace(m), "\uFFFD")
	return t
}

// signatureKinds are the armour lines git writes for each signature type.
var signatureKinds = []struct{ begin, end, kind string }{
	{"-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----", "openpgp"},
	{"-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----", "openpgp"},
	{"-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----", "ssh"},
	{"-----BEGIN SIGNED MESSAGE-----", "-----END SIGNED MESSAGE-----", "x509"},
}

// parseRawCommit reads one commit of git log --pretty=raw: "commit ID",
// headers, a blank line, the message indented by four spaces.
func parseRawCommit(rec []byte) (glassbox.GitCommit, error) {
	var c glassbox.GitCommit
	lines := strings.Split(string(rec), "\n")
	i := 0
	for ; i < len(lines) && lines[i] != ""; i++ {
		line := lines[i]
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "commit":
			c.ID, _, _ = strings.Cut(val, " ")
		case "parent":
			c.Parents = append(c.Parents, val)
		case "author":
			c.Author, c.AuthorEmail, c.AuthorTime = parseIdent(val)
		case "committer":
			c.Committer, c.CommitterEmail, c.CommitTime = parseIdent(val)
		case "gpgsig", "gpgsig-sha256":
			for _, sig := range signatureKinds {
				if strings.HasPrefix(val, sig.begin) {
					c.Signature = sig.kind
				}
			}
			if c.Signature == "" {
				c.Signature = "unknown"
			}
		}
	}
	if len(c.ID) != 40 && len(c.ID) != 64 {
		return c, fmt.Errorf("git log printed a record without a commit id")
	}
	var msg []string
	for _, line := range lines[min(i+1, len(lines)):] {
		msg = append(msg, strings.TrimPrefix(line, "    "))
	}
	for _, line := range msg {
		if line = strings.TrimSpace(line); line != "" {
			c.Subject = line
			break
		}
	}
	if len(c.Subject) > maxSubject {
		c.Subject = c.Subject[:maxSubject]
	}
	c.Subject = strings.ToValidUTF8(c.Subject, "\uFFFD")
	for _, line := range msg {
		if v, ok := cutFold(strings.TrimSpace(line), "signed-off-by:"); ok && strings.TrimSpace(v) != "" {
			c.SignedOffBy = append(c.SignedOffBy, strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD"))
		}
	}
	return c, nil
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// parseIdent reads "Name <email> 1700000000 +0100".
func parseIdent(v string) (name, email string, at time.Time) {
	lt, gt := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>')
	if lt < 0 || gt < lt {
		return strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD"), "", time.Time{}
	}
	name = strings.ToValidUTF8(strings.TrimSpace(v[:lt]), "\uFFFD")
	email = strings.ToValidUTF8(v[lt+1:gt], "\uFFFD")
	f := strings.Fields(v[gt+1:])
	if len(f) >= 1 {
		if sec, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			at = time.Unix(sec, 0).UTC()
		}
	}
	return name, email, at
}
