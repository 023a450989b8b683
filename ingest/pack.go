package ingest

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"glassbox.dev"
)

// PackDir writes the source tree under root to w as a gzipped tar that
// ingest reads back as the same tree: entries in lexical order, with no
// owners, times or other modes than the executable bit, so the same tree
// always packs to the same bytes. Version-control metadata is left out
// (and returned), as a directory submitted locally leaves it out; links
// are kept as links, never followed; anything that is not a file,
// directory or link is refused. The CLI packs a --source directory this
// way before uploading it to a remote centre.
func PackDir(w io.Writer, root string) (skipped []string, err error) {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	refuse := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "source directory %s: "+format, append([]any{root}, args...)...)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return refuse("cannot be read: %v", err)
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return refuse("cannot be read: %v", err)
		}
		rel = filepath.ToSlash(rel)
		if vcsDirs[d.Name()] {
			skipped = append(skipped, rel)
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		h := &tar.Header{Name: rel, Mode: 0o644, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch typ := d.Type(); {
		case typ.IsDir():
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, rel+"/", 0o755
			return tw.WriteHeader(h)
		case typ&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return refuse("symbolic link %q cannot be read: %v", rel, err)
			}
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, filepath.ToSlash(target), 0o777
			return tw.WriteHeader(h)
		case typ.IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return refuse("file %q: %v", rel, err)
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil || !fi.Mode().IsRegular() {
				return refuse("file %q changed while it was read", rel)
			}
			h.Typeflag, h.Size = tar.TypeReg, fi.Size()
			if fi.Mode()&0o111 != 0 {
				h.Mode = 0o755
			}
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			n, err := io.Copy(tw, f)
			if err == nil && n != fi.Size() {
				return refuse("file %q changed while it was read", rel)
			}
			return err
		default:
			return refuse("%q is a %v; releases may hold only files, directories and links", rel, typ)
		}
	})
	if err != nil {
		return skipped, err
	}
	if err := tw.Close(); err != nil {
		return skipped, err
	}
	return skipped, zw.Close()
}
