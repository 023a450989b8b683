package rebuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"glassbox.dev"
)

// Materialise writes a release's source tree into dir, which must be empty
// or not yet exist: regular files with their content and mode, symbolic
// links with their targets. Ingest already refused hostile trees; this
// checks again, because a sandbox is only as good as the directory it is
// given: every path must be valid, no path may lie beneath a symbolic link,
// and no link may point out of the tree (an absolute target, or one whose ..
// elements climb above the root).
func Materialise(ctx context.Context, blobs glassbox.BlobStore, files []glassbox.File, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %w", err)
	}
	if len(entries) > 0 {
		return glassbox.Errorf(glassbox.EINVALID, "materialise: work directory %s is not empty; each build needs a fresh one", dir)
	}
	// os.Root refuses any operation that would leave dir, through ".." or
	// through a symbolic link: the last line of defence.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %w", err)
	}
	defer root.Close()

	links := map[string]bool{}
	for i := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := &files[i]
		if err := f.Validate(); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "materialise: refusing the source tree: %w", err)
		}
		for p := path.Dir(f.Path); p != "."; p = path.Dir(p) {
			if links[p] {
				return glassbox.Errorf(glassbox.EINVALID, "materialise: %q lies beneath the symbolic link %q; refusing the source tree", f.Path, p)
			}
		}
		if parent := path.Dir(f.Path); parent != "." {
			if err := root.MkdirAll(filepath.FromSlash(parent), 0o755); err != nil {
				return glassbox.Errorf(glassbox.EINVALID, "materialise: %q: %w", f.Path, err)
			}
		}
		name := filepath.FromSlash(f.Path)
		switch f.Mode {
		case glassbox.ModeSymlink:
			if path.IsAbs(f.Target) || !filepath.IsLocal(path.Join(path.Dir(f.Path), f.Target)) || strings.Contains(f.Target, "\\") {
				return glassbox.Errorf(glassbox.EINVALID, "materialise: symbolic link %q -> %q points out of the source tree; refusing the source tree", f.Path, f.Target)
			}
			if err := root.Symlink(f.Target, name); err != nil {
				return glassbox.Errorf(glassbox.EINVALID, "materialise: %q: %w", f.Path, err)
			}
			links[f.Path] = true
		case glassbox.ModeRegular, glassbox.ModeExecutable:
			perm := os.FileMode(0o644)
			if f.Mode == glassbox.ModeExecutable {
				perm = 0o755
			}
			if err := writeBlob(ctx, blobs, root, name, f, perm); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeBlob(ctx context.Context, blobs glassbox.BlobStore, root *os.Root, name string, f *glassbox.File, perm os.FileMode) error {
	src, err := blobs.Open(ctx, f.Digest)
	if err != nil {
		return fmt.Errorf("materialise: %q: %w", f.Path, err)
	}
	defer src.Close()
	dst, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "materialise: %q: %w", f.Path, err)
	}
	n, err := io.Copy(dst, io.LimitReader(src, f.Size+1))
	if err != nil {
		dst.Close()
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %q: %w", f.Path, err)
	}
	if n != f.Size {
		dst.Close()
		return glassbox.Errorf(glassbox.ECORRUPT, "materialise: %q: blob %s holds %d bytes, the manifest says %d", f.Path, f.Digest, n, f.Size)
	}
	// The umask may have taken bits away; the manifest's mode is the truth.
	if err := dst.Chmod(perm); err != nil {
		dst.Close()
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %q: %w", f.Path, err)
	}
	if err := dst.Close(); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "materialise: %q: %w", f.Path, err)
	}
	return nil
}

// Collect finds the recipe's artefacts in dir after a build and returns
// their host paths by artefact name. An output that is missing, not a
// regular file, a symbolic link, or reached through links that leave dir is
// refused: the build is the vendor's code, and its outputs are what the
// centre will hash and compare.
func Collect(dir string, r *Recipe) (map[string]string, error) {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "collect: %w", err)
	}
	out := map[string]string{}
	for _, name := range sortedKeys(r.Artifacts) {
		rel := r.Artifacts[name]
		if err := glassbox.ValidatePath(rel); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q: %w", name, err)
		}
		p := filepath.Join(realDir, filepath.FromSlash(rel))
		st, err := os.Lstat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, glassbox.Errorf(glassbox.ENOTFOUND, "collect: the build did not produce artifact %q at %s", name, rel)
			}
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q at %s: %w", name, rel, err)
		}
		if st.Mode()&os.ModeSymlink != 0 {
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q at %s is a symbolic link; the build must leave the file itself there", name, rel)
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q at %s: %w", name, rel, err)
		}
		inside, err := filepath.Rel(realDir, real)
		if err != nil || !filepath.IsLocal(inside) {
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q at %s resolves to %s, outside the work directory; refusing it", name, rel, real)
		}
		st, err = os.Lstat(real)
		if err != nil || !st.Mode().IsRegular() {
			return nil, glassbox.Errorf(glassbox.EINVALID, "collect: artifact %q at %s is not a regular file", name, rel)
		}
		out[name] = real
	}
	return out, nil
}
