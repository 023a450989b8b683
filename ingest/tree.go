package ingest

import (
	"context"
	"io"
	"path"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"glassbox.dev"
)

// kind is what an entry of a source tree is.
type kind int

const (
	kindFile kind = iota
	kindDir
	kindSymlink
	kindHardlink // an archive's second name for an earlier regular file
)

// entry is one item of a source tree as a reader (directory walk, tar, zip,
// git) presents it, before any of it is trusted.
type entry struct {
	name string    // as found in the input, slash-separated
	kind kind      //
	exec bool      // for files: any executable bit set
	size int64     // for files: the declared size, or -1 if unknown
	link string    // symlink target or hard link name
	body io.Reader // for files: the content
}

// node is an accepted item of the tree.
type node struct {
	kind kind
	file glassbox.File
}

// maxSymlinkHops bounds symlink chains as Linux does (ELOOP after 40).
const maxSymlinkHops = 40

// tree accepts entries one by one, refusing anything that could escape the
// root, collide with another name, or exceed the limits, and stages the
// content of files. Nothing it stages becomes visible until the caller
// commits, so a refusal late in an archive leaves no trace.
type tree struct {
	ctx      context.Context
	what     string // "source archive x.tar.gz", for messages
	budget   *budget
	stage    func(io.Reader) (glassbox.StagedBlob, error)
	progress *Progress

	nodes    map[string]*node  // by exact path; directories included
	explicit map[string]bool   // paths that appeared as entries themselves
	folded   map[string]string // case-folded NFC path → the path that has it
	staged   []glassbox.StagedBlob
	entries  int
}

func newTree(ctx context.Context, what string, b *budget, stage func(io.Reader) (glassbox.StagedBlob, error), p *Progress) *tree {
	return &tree{
		ctx: ctx, what: what, budget: b, stage: stage, progress: p,
		nodes:    map[string]*node{},
		explicit: map[string]bool{},
		folded:   map[string]string{},
	}
}

var folder = cases.Fold()

// foldKey is the name under which two paths collide on a case-insensitive
// or normalising file system (macOS, Windows).
func foldKey(p string) string { return norm.NFC.String(folder.String(norm.NFD.String(p))) }

func (t *tree) refuse(format string, args ...any) error {
	return glassbox.Errorf(glassbox.EINVALID, "%s: "+format+"; refusing the source", append([]any{t.what}, args...)...)
}

// cleanName turns an archive member name into a tree path, or reports why it
// cannot be one. Leading "./" and a directory's trailing "/" are the only
// liberties taken; everything else must already be clean.
func (t *tree) cleanName(name string, isDir bool) (string, bool, error) {
	n := name
	for strings.HasPrefix(n, "./") {
		n = n[2:]
	}
	if isDir {
		n = strings.TrimSuffix(n, "/")
	}
	if n == "" || n == "." {
		return "", false, nil // the root itself
	}
	if escapes(n) {
		return "", false, t.refuse("entry %q escapes the extraction root", name)
	}
	if err := glassbox.ValidatePath(n); err != nil {
		return "", false, t.refuse("entry %q has a name glassbox does not accept: %v", name, err)
	}
	return n, true, nil
}

// escapes reports whether a name points outside the root it is read in: an
// absolute path, a Windows drive letter, or a ".." element.
func escapes(n string) bool {
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return true
	}
	for _, elem := range strings.Split(strings.ReplaceAll(n, "\\", "/"), "/") {
		if elem == ".." {
			return true
		}
	}
	return false
}

// add accepts one entry or explains why the whole source is refused.
func (t *tree) add(e entry) error {
	if err := t.ctx.Err(); err != nil {
		return err
	}
	t.entries++
	if t.entries > t.budget.limits.MaxEntries {
		return t.refuse("more than %d entries (a bomb?); raise --max-entries if this is a real release", t.budget.limits.MaxEntries)
	}
	p, ok, err := t.cleanName(e.name, e.kind == kindDir)
	if err != nil || !ok {
		return err
	}
	if t.explicit[p] {
		return t.refuse("entry %q appears twice", p)
	}
	t.explicit[p] = true
	if err := t.makeParents(p); err != nil {
		return err
	}
	if n, ok := t.nodes[p]; ok {
		if e.kind == kindDir && n.kind == kindDir {
			return nil // named before as the parent of an earlier entry
		}
		return t.refuse("entry %q is both a directory and a file", p)
	}
	if err := t.claim(p); err != nil {
		return err
	}
	switch e.kind {
	case kindDir:
		t.nodes[p] = &node{kind: kindDir}
	case kindFile:
		f, err := t.stageFile(p, e)
		if err != nil {
			return err
		}
		t.nodes[p] = &node{kind: kindFile, file: f}
	case kindSymlink:
		if e.link == "" {
			return t.refuse("symbolic link %q has an empty target", p)
		}
		if err := t.budget.take(int64(len(e.link))); err != nil {
			return t.refuse("%v", err)
		}
		t.nodes[p] = &node{kind: kindSymlink, file: glassbox.File{
			Path: p, Size: int64(len(e.link)), Mode: glassbox.ModeSymlink,
			Digest: glassbox.DigestOf([]byte(e.link)), Target: e.link,
		}}
	case kindHardlink:
		target, ok, err := t.cleanName(e.link, false)
		if err != nil {
			return err
		}
		n := t.nodes[target]
		if !ok || n == nil || n.kind != kindFile {
			return t.refuse("hard link %q points to %q, which is not an earlier regular file of the archive", p, e.link)
		}
		f := n.file
		f.Path = p
		t.nodes[p] = &node{kind: kindFile, file: f}
	}
	return nil
}

// makeParents records the directories above p, refusing a path that runs
// through a file or a symbolic link: "link/x" would be written wherever
// "link" points.
func (t *tree) makeParents(p string) error {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		dir := p[:i]
		n, ok := t.nodes[dir]
		switch {
		case !ok:
			if err := t.claim(dir); err != nil {
				return err
			}
			t.nodes[dir] = &node{kind: kindDir}
		case n.kind == kindSymlink:
			return t.refuse("entry %q lies beneath the symbolic link %q", p, dir)
		case n.kind != kindDir:
			return t.refuse("entry %q lies beneath %q, which is a file", p, dir)
		}
	}
	return nil
}

// claim reserves p's case-folded, normalised name.
func (t *tree) claim(p string) error {
	k := foldKey(p)
	if other, ok := t.folded[k]; ok && other != p {
		return t.refuse("entries %q and %q differ only by case or Unicode normalisation and would collide on macOS and Windows", other, p)
	}
	t.folded[k] = p
	return nil
}

func (t *tree) stageFile(p string, e entry) (glassbox.File, error) {
	if e.size > 0 {
		if err := t.budget.check(e.size); err != nil {
			return glassbox.File{}, t.refuse("file %q: %v", p, err)
		}
	}
	r := &budgetReader{r: e.body, b: t.budget, progress: t.progress}
	b, err := t.stage(r)
	if err != nil {
		switch {
		case r.limitErr != nil:
			return glassbox.File{}, t.refuse("file %q: %v", p, r.limitErr)
		case r.srcErr != nil:
			return glassbox.File{}, t.refuse("file %q cannot be read (is the input truncated or corrupt?): %v", p, r.srcErr)
		}
		return glassbox.File{}, err
	}
	t.staged = append(t.staged, b)
	if e.size >= 0 && b.Size() != e.size {
		return glassbox.File{}, t.refuse("file %q holds %d bytes but its header says %d", p, b.Size(), e.size)
	}
	t.progress.addFile()
	mode := glassbox.ModeRegular
	if e.exec {
		mode = glassbox.ModeExecutable
	}
	return glassbox.File{Path: p, Size: b.Size(), Mode: mode, Digest: b.Digest()}, nil
}

// files checks every symbolic link and returns the tree's files, links
// included, sorted by path.
func (t *tree) files() ([]glassbox.File, error) {
	var out []glassbox.File
	for p, n := range t.nodes {
		switch n.kind {
		case kindFile:
			out = append(out, n.file)
		case kindSymlink:
			if err := t.checkLink(p); err != nil {
				return nil, err
			}
			out = append(out, n.file)
		}
	}
	glassbox.SortFiles(out)
	return out, nil
}

// checkLink resolves the symbolic link at p inside the tree, following other
// links of the tree as the kernel would, and refuses it if the resolution
// ever leaves the root. Judging the target text alone is not enough: with
// "d -> ." a link "l -> d/../x" looks harmless and escapes.
func (t *tree) checkLink(p string) error {
	target := t.nodes[p].file.Target
	if strings.HasPrefix(target, "/") || (len(target) >= 2 && target[1] == ':') || strings.Contains(target, "\\") {
		return t.refuse("symbolic link %q points to %q, outside the tree", p, target)
	}
	hops := 0
	var walk func(dir []string, target string) ([]string, error)
	walk = func(dir []string, target string) ([]string, error) {
		for _, elem := range strings.Split(target, "/") {
			switch elem {
			case "", ".":
				continue
			case "..":
				if len(dir) == 0 {
					return nil, t.refuse("symbolic link %q points to %q, outside the tree", p, t.nodes[p].file.Target)
				}
				dir = dir[:len(dir)-1]
				continue
			}
			cur := path.Join(append(append([]string{}, dir...), elem)...)
			n := t.nodes[cur]
			if n == nil || n.kind != kindSymlink {
				dir = append(dir, elem)
				continue
			}
			if hops++; hops > maxSymlinkHops {
				return nil, t.refuse("symbolic link %q is part of a loop or a chain of more than %d links", p, maxSymlinkHops)
			}
			if strings.HasPrefix(n.file.Target, "/") {
				return nil, t.refuse("symbolic link %q resolves through %q to an absolute path", p, cur)
			}
			var err error
			if dir, err = walk(dir, n.file.Target); err != nil {
				return nil, err
			}
		}
		return dir, nil
	}
	parent := strings.Split(path.Dir(p), "/")
	if path.Dir(p) == "." {
		parent = nil
	}
	_, err := walk(parent, target)
	return err
}
