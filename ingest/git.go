package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"glassbox.dev"
)

// gitEnv keeps git from prompting, from using transports that run commands
// (ext::), and from translating its messages, which we quote.
var gitEnv = []string{
	"GIT_TERMINAL_PROMPT=0",
	"GIT_ALLOW_PROTOCOL=file:git:http:https:ssh",
	"LC_ALL=C",
}

func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out, nil
}

// validRef refuses refs that git could read as options or that carry
// characters no ref or commit name has.
func validRef(ref string) error {
	if ref == "" || strings.HasPrefix(ref, "-") {
		return fmt.Errorf("ref %q is not a tag, branch or commit name", ref)
	}
	for _, r := range ref {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("ref %q contains a space or control character", ref)
		}
	}
	return nil
}

// readGit feeds the tree of a git commit into t, reading objects directly
// (ls-tree, cat-file) rather than through git archive, whose export-subst and
// export-ignore attributes would change what is recorded. A repository that
// is not a local directory is cloned into tmp first. It returns the commit id
// and the git directory it read, for reading the history there too.
func readGit(ctx context.Context, t *tree, repo, ref, tmp string) (commit, gitDir string, err error) {
	if err := validRef(ref); err != nil {
		return "", "", glassbox.Errorf(glassbox.EINVALID, "%v", err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return "", "", glassbox.Errorf(glassbox.EINTERNAL, "submitting from a git repository needs git installed: %w", err)
	}
	gitDir = repo
	if fi, err := os.Stat(repo); err != nil || !fi.IsDir() {
		gitDir = filepath.Join(tmp, "clone.git")
		if _, err := git(ctx, tmp, "clone", "--bare", "--quiet", "--", repo, gitDir); err != nil {
			return "", "", glassbox.Errorf(glassbox.EINVALID, "cannot clone %s: %v", repo, err)
		}
	}
	out, err := git(ctx, gitDir, "rev-parse", "--verify", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", "", glassbox.Errorf(glassbox.EINVALID, "%s has no commit %q: %v", repo, ref, err)
	}
	commit = strings.TrimSpace(string(out))
	if len(commit) != 40 && len(commit) != 64 {
		return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git rev-parse printed %q, not a commit id", commit)
	}
	listing, err := git(ctx, gitDir, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return "", "", glassbox.Errorf(glassbox.EINVALID, "cannot list the tree of %s: %v", commit, err)
	}
	type object struct{ mode, id, name string }
	var objects []object
	for _, rec := range bytes.Split(bytes.TrimSuffix(listing, []byte{0}), []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git ls-tree printed %q, which glassbox cannot parse", rec)
		}
		if f[0] == "160000" {
			return "", "", t.refuse("%q is a submodule at commit %s; glassbox cannot fetch submodules, so submit an archive that includes their source", name, f[2])
		}
		objects = append(objects, object{mode: f[0], id: f[2], name: string(name)})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops cat-file if the tree refuses an entry
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch")
	cmd.Dir = gitDir
	cmd.Env = append(os.Environ(), gitEnv...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		return "", "", glassbox.Errorf(glassbox.EINTERNAL, "start git cat-file: %w", err)
	}
	// Kill cat-file before waiting for it: if the tree refuses an entry
	// early, cat-file is blocked writing objects no one will read, and
	// waiting first would wait forever.
	defer func() {
		cancel()
		cmd.Wait()
	}()
	go func() {
		w := bufio.NewWriter(stdin)
		for _, o := range objects {
			fmt.Fprintln(w, o.id)
		}
		w.Flush()
		stdin.Close()
	}()
	br := bufio.NewReaderSize(stdout, 1<<20)
	for _, o := range objects {
		header, err := br.ReadString('\n')
		if err != nil {
			return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git cat-file: %w", err)
		}
		f := strings.Fields(header)
		if len(f) != 3 || f[0] != o.id || f[1] != "blob" {
			return "", "", glassbox.Errorf(glassbox.EINVALID, "object %s of %q cannot be read: git cat-file said %q", o.id, o.name, strings.TrimSpace(header))
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || size < 0 {
			return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git cat-file printed a bad size in %q", header)
		}
		body := io.LimitReader(br, size)
		e := entry{name: o.name, size: size, body: body, kind: kindFile, exec: o.mode == "100755"}
		if o.mode == "120000" {
			if size > 4096 {
				return "", "", t.refuse("symbolic link %q has a target longer than 4096 bytes", o.name)
			}
			target, err := io.ReadAll(body)
			if err != nil {
				return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git cat-file: %w", err)
			}
			e = entry{name: o.name, kind: kindSymlink, link: string(target)}
		}
		if err := t.add(e); err != nil {
			return "", "", err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git cat-file: %w", err)
		}
		if b, err := br.ReadByte(); err != nil || b != '\n' {
			return "", "", glassbox.Errorf(glassbox.EINTERNAL, "git cat-file: missing newline after object %s", o.id)
		}
	}
	return commit, gitDir, nil
}
