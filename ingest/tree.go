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
	kind     kind
	file     glassbox.File
	children map[string]*node // of a directory, by name
}

// maxSymlinkHops bounds symlink chains as Linux does (ELOOP after 40).
const maxSymlinkHops = 40

// maxPathLen bounds entry names and symbolic link targets as Linux does
// (PATH_MAX). Checking a path costs time in its length for each of its
// directories; a name of a megabyte (a PAX record allows one) would take
// hours and gigabytes to check.
const maxPathLen = 4096

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

	root     *node             // the root directory
	nodes    map[string]*node  // by exact path; directories included
	explicit map[string]bool   // paths that appeared as entries themselves
	folded   map[string]string // case-folded NFC path → the path that has it
	staged   []glassbox.StagedBlob
	entries  int
}

func newTree(ctx context.Context, what string, b *budget, stage func(io.Reader) (glassbox.StagedBlob, error), p *Progress) *tree {
	return &tree{
		ctx: ctx, what: what, budget: b, stage: stage, progress: p,
		root:     &node{kind: kindDir, children: map[string]*node{}},
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
	if len(n) > maxPathLen {
		return "", false, t.refuse("entry %.64q… has a name longer than %d bytes", name, maxPathLen)
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
	if err := t.count(); err != nil {
		return err
	}
	p, ok, err := t.cleanName(e.name, e.kind == kindDir)
	if err != nil || !ok {
		return err
	}
	if t.explicit[p] {
		return t.refuse("entry %q appears twice", p)
	}
	t.explicit[p] = true
	fk := foldKey(p)
	parent, err := t.makeParents(p, fk)
	if err != nil {
		return err
	}
	if n, ok := t.nodes[p]; ok {
		if e.kind == kindDir && n.kind == kindDir {
			return nil // named before as the parent of an earlier entry
		}
		return t.refuse("entry %q is both a directory and a file", p)
	}
	if err := t.claim(p, fk); err != nil {
		return err
	}
	switch e.kind {
	case kindDir:
		t.put(parent, p, &node{kind: kindDir, children: map[string]*node{}})
	case kindFile:
		f, err := t.stageFile(p, e)
		if err != nil {
			return err
		}
		t.put(parent, p, &node{kind: kindFile, file: f})
	case kindSymlink:
		if e.link == "" {
			return t.refuse("symbolic link %q has an empty target", p)
		}
		if len(e.link) > maxPathLen {
			return t.refuse("symbolic link %q has a target longer than %d bytes", p, maxPathLen)
		}
		if err := glassbox.ValidateLinkTarget(e.link); err != nil {
			return t.refuse("symbolic link %q: %v", p, err)
		}
		if err := t.budget.take(int64(len(e.link))); err != nil {
			return t.refuse("%v", err)
		}
		t.put(parent, p, &node{kind: kindSymlink, file: glassbox.File{
			Path: p, Size: int64(len(e.link)), Mode: glassbox.ModeSymlink,
			Digest: glassbox.DigestOf([]byte(e.link)), Target: e.link,
		}})
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
		t.put(parent, p, &node{kind: kindFile, file: f})
	}
	return nil
}

// put records n at p, in the directory parent.
func (t *tree) put(parent *node, p string, n *node) {
	t.nodes[p] = n
	parent.children[p[strings.LastIndexByte(p, '/')+1:]] = n
}

// count charges one entry of the tree, named or implied, to the limit.
func (t *tree) count() error {
	t.entries++
	if t.entries > t.budget.limits.MaxEntries {
		return t.refuse("more than %d entries (a bomb?); raise --max-entries if this is a real release", t.budget.limits.MaxEntries)
	}
	return nil
}

// makeParents records the directories above p, refusing a path that runs
// through a file or a symbolic link: "link/x" would be written wherever
// "link" points. Directories it implies count as entries: a few long names
// must not make millions of them.
//
// It returns the directory p is in. fk is foldKey(p): the key of each
// directory is a prefix of it, as folding and normalising never cross a "/".
func (t *tree) makeParents(p, fk string) (*node, error) {
	// Every directory of the tree had its own parents checked when it was
	// made, so a known parent directory settles the whole path.
	if i := strings.LastIndexByte(p, '/'); i < 0 {
		return t.root, nil
	} else if n, ok := t.nodes[p[:i]]; ok && n.kind == kindDir {
		return n, nil
	}
	parent, j := t.root, 0
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		dir := p[:i]
		var dirKey string
		if k := strings.IndexByte(fk[j:], '/'); k >= 0 {
			dirKey = fk[:j+k]
			j += k + 1
		} else {
			dirKey = foldKey(dir) // not expected, but never wrong
		}
		n, ok := t.nodes[dir]
		switch {
		case !ok:
			if err := t.count(); err != nil {
				return nil, err
			}
			if err := t.claim(dir, dirKey); err != nil {
				return nil, err
			}
			n = &node{kind: kindDir, children: map[string]*node{}}
			t.put(parent, dir, n)
		case n.kind == kindSymlink:
			return nil, t.refuse("entry %q lies beneath the symbolic link %q", p, dir)
		case n.kind != kindDir:
			return nil, t.refuse("entry %q lies beneath %q, which is a file", p, dir)
		}
		parent = n
	}
	return parent, nil
}

// claim reserves p's case-folded, normalised name, k = foldKey(p).
func (t *tree) claim(p, k string) error {
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
	// dir holds the directories from the root down to the one being
	// resolved in, nil where the tree has no such directory. Each step is a
	// lookup in one directory, whatever the depth.
	var walk func(dir []*node, target string) ([]*node, error)
	walk = func(dir []*node, target string) ([]*node, error) {
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
			cur := t.root
			if len(dir) > 0 {
				cur = dir[len(dir)-1]
			}
			var n *node
			if cur != nil {
				n = cur.children[elem]
			}
			if n == nil || n.kind != kindSymlink {
				dir = append(dir, n)
				continue
			}
			if hops++; hops > maxSymlinkHops {
				return nil, t.refuse("symbolic link %q is part of a loop or a chain of more than %d links", p, maxSymlinkHops)
			}
			if strings.HasPrefix(n.file.Target, "/") {
				return nil, t.refuse("symbolic link %q resolves through %q to an absolute path", p, n.file.Path)
			}
			var err error
			if dir, err = walk(dir, n.file.Target); err != nil {
				return nil, err
			}
		}
		return dir, nil
	}
	var parent []*node
	if d := path.Dir(p); d != "." {
		cur := t.root
		for _, elem := range strings.Split(d, "/") {
			cur = cur.children[elem]
			parent = append(parent, cur)
		}
	}
	_, err := walk(parent, target)
	return err
}
