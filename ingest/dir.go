package ingest

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// vcsDirs are version-control metadata, not source: a checkout's history is
// recorded by submitting with --git instead.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// readDir feeds a directory tree into t without following any symbolic link
// in it, and returns the paths it skipped: version-control metadata, and the
// directories in exclude (the centre's own data directory).
func readDir(t *tree, root string, exclude []string) (skipped []string, err error) {
	var excluded []os.FileInfo
	for _, e := range exclude {
		if fi, err := os.Stat(e); err == nil {
			excluded = append(excluded, fi)
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return t.refuse("cannot be read: %v", err)
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return t.refuse("cannot be read: %v", err)
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() && len(excluded) > 0 {
			if fi, err := os.Lstat(p); err == nil {
				for _, x := range excluded {
					if os.SameFile(fi, x) {
						skipped = append(skipped, rel)
						return filepath.SkipDir
					}
				}
			}
		}
		if vcsDirs[d.Name()] {
			skipped = append(skipped, rel)
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch typ := d.Type(); {
		case typ.IsDir():
			return t.add(entry{name: rel, kind: kindDir})
		case typ&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return t.refuse("symbolic link %q cannot be read: %v", rel, err)
			}
			return t.add(entry{name: rel, kind: kindSymlink, link: filepath.ToSlash(target)})
		case typ.IsRegular():
			// O_NOFOLLOW: if the file was swapped for a link since the
			// walk saw it, refuse rather than read what it points to.
			f, fi, err := openRegular(p, syscall.O_NOFOLLOW)
			if err != nil {
				return t.refuse("file %q: %v", rel, err)
			}
			defer f.Close()
			return t.add(entry{name: rel, kind: kindFile, body: f, size: fi.Size(), exec: fi.Mode()&0o111 != 0})
		case typ&(fs.ModeDevice|fs.ModeCharDevice) != 0:
			return t.refuse("%q is a device file; releases may hold only files, directories and links", rel)
		case typ&fs.ModeNamedPipe != 0:
			return t.refuse("%q is a FIFO; releases may hold only files, directories and links", rel)
		default:
			return t.refuse("%q is a %v, not a file, directory or link", rel, typ)
		}
	})
	return skipped, err
}
