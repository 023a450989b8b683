package scan

import (
	"io"
	"path"
	"slices"
	"sync"
)

// Layout is what an analyser may know of the tree around a file: which
// paths it holds, and the content of its small manifests. A file's meaning
// depends on the tree it is in — a compiled extension module listed in a
// wheel's RECORD is the wheel's build output; the same file committed among
// a project's sources is an unreviewable blob — and an analyser that sees
// one file at a time asks the layout.
type Layout struct {
	files map[string]SourceFile
	dirs  map[string][]string // directory -> names of its entries, sorted

	mu    sync.Mutex
	cache map[string][]byte // manifests already read, by path; guarded by mu
}

// MaxManifestSize bounds what Layout.Read returns: manifests (a RECORD, a
// package.json, an md5sums) are small, and a larger file is not read.
const MaxManifestSize = 1 << 20

// newLayout indexes the files of one scan.
func newLayout(files []SourceFile) *Layout {
	l := &Layout{files: make(map[string]SourceFile, len(files)), dirs: map[string][]string{}, cache: map[string][]byte{}}
	seen := map[string]bool{}
	for _, f := range files {
		l.files[f.Path] = f
		for p := f.Path; p != "." && p != "/" && !seen[p]; p = path.Dir(p) {
			seen[p] = true
			d := path.Dir(p)
			l.dirs[d] = append(l.dirs[d], path.Base(p))
		}
	}
	for _, names := range l.dirs {
		slices.Sort(names)
	}
	return l
}

// Has reports whether the scanned tree holds the file p (slash-separated,
// relative to the scanned root). A nil Layout, for a file analysed on its
// own, holds nothing.
func (l *Layout) Has(p string) bool {
	if l == nil {
		return false
	}
	_, ok := l.files[path.Clean(p)]
	return ok
}

// Read returns the content of the file p of the tree if it is at most
// MaxManifestSize bytes, and false otherwise (absent, larger, unreadable).
// Contents are read once per scan however many files ask.
func (l *Layout) Read(p string) ([]byte, bool) {
	if l == nil {
		return nil, false
	}
	p = path.Clean(p)
	sf, ok := l.files[p]
	if !ok || sf.Open == nil || sf.Size > MaxManifestSize {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.cache[p]; ok {
		return b, b != nil
	}
	var b []byte
	if rc, err := sf.Open(); err == nil {
		b, err = io.ReadAll(io.LimitReader(rc, MaxManifestSize+1))
		rc.Close()
		if err != nil || len(b) > MaxManifestSize {
			b = nil
		}
	}
	l.cache[p] = b
	return b, b != nil
}

// List returns the names of the entries (files and directories) directly
// in dir ("." for the root), sorted, so an analyser can find a layout's
// manifests: the *.dist-info directories beside a package, a package.json.
func (l *Layout) List(dir string) []string {
	if l == nil {
		return nil
	}
	return l.dirs[path.Clean(dir)]
}

// Size returns the size of the file p of the tree, so an analyser can tell
// whether it sees the whole of a file or its first window.
func (l *Layout) Size(p string) (int64, bool) {
	if l == nil {
		return 0, false
	}
	sf, ok := l.files[path.Clean(p)]
	return sf.Size, ok
}
