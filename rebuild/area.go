package rebuild

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"glassbox.dev"
)

// buildArea is where a build writes: a tmpfs of its own whose size= and
// nr_inodes= are the build's disk and file limits, so that the kernel
// refuses the write (ENOSPC) that would pass either, as fast as it is made.
// Watching a directory on the host's disk let a build write far past its
// limit between two looks (fallocate needs no time at all) and create
// files without bound. The source is copied in before the build, mounted at
// /src, and the recipe's artefacts are copied back out afterwards; /tmp is
// a directory of the same tmpfs, so the limits cover both.
//
// Its pages are memory: what the build writes counts towards its memory
// limit too, as /tmp always did.
type buildArea struct {
	dir      string // the tmpfs mount point
	src, tmp string // mounted at /src and /tmp
	disk     Size
	inodes   int
	// base is what the source took once copied in: the limits are on what
	// the build adds.
	baseBytes, baseFiles int64
}

// newBuildArea mounts a tmpfs at dir, large enough for the source in
// srcDir and the limits beyond it, and copies the source in.
func newBuildArea(dir, srcDir string, limits Limits) (*buildArea, error) {
	srcBytes, srcFiles, err := treeSize(srcDir)
	if err != nil {
		return nil, err
	}
	a := &buildArea{dir: dir, src: filepath.Join(dir, "src"), tmp: filepath.Join(dir, "tmp"), disk: limits.Disk, inodes: limits.Inodes}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	// Room for the source (rounded up per file to whole pages) and the
	// three directories made here, then the limits.
	size := srcBytes + srcFiles*int64(os.Getpagesize()) + int64(limits.Disk)
	opts := fmt.Sprintf("size=%d,nr_inodes=%d,mode=0755", size, srcFiles+3+int64(limits.Inodes))
	if err := unix.Mount("glassbox-build", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return nil, fmt.Errorf("mounting the build's tmpfs (its disk and file limits; glassbox must run as root): %w", err)
	}
	if err := os.Mkdir(a.src, 0o755); err != nil {
		a.remove()
		return nil, err
	}
	if err := os.Mkdir(a.tmp, 0o777); err != nil || os.Chmod(a.tmp, 0o1777) != nil {
		a.remove()
		return nil, fmt.Errorf("making the build's /tmp: %v", err)
	}
	if err := copyTree(a.src, srcDir); err != nil {
		a.remove()
		return nil, fmt.Errorf("copying the source into the build's tmpfs: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		a.remove()
		return nil, err
	}
	a.baseBytes = int64(st.Blocks-st.Bfree) * st.Bsize
	a.baseFiles = int64(st.Files - st.Ffree)
	return a, nil
}

// exceeded returns CauseDisk or CauseInodes when the build has used up its
// space or its files, else "".
func (a *buildArea) exceeded() string {
	var st unix.Statfs_t
	if err := unix.Statfs(a.dir, &st); err != nil {
		return ""
	}
	switch {
	case st.Bavail == 0 || int64(st.Blocks-st.Bfree)*st.Bsize-a.baseBytes >= int64(a.disk):
		return CauseDisk
	case st.Ffree == 0:
		return CauseInodes
	}
	return ""
}

// remove unmounts the tmpfs, freeing what the build wrote.
func (a *buildArea) remove() error {
	if err := unix.Unmount(a.dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("unmounting the build's tmpfs %s: %w", a.dir, err)
	}
	return os.Remove(a.dir)
}

// copyBack makes the recipe's artefacts in hostDir what the build left in
// the tmpfs: a regular file is copied with its mode, a symbolic link is
// made again (Collect refuses it, with the reason), and an artefact the
// build did not leave is removed, so that a stale copy from the source is
// never taken for a rebuilt one. Paths are resolved inside each tree only.
func (a *buildArea) copyBack(hostDir string, r *Recipe) error {
	from, err := os.OpenRoot(a.src)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := os.OpenRoot(hostDir)
	if err != nil {
		return err
	}
	defer to.Close()
	for _, name := range sortedKeys(r.Artifacts) {
		rel := r.Artifacts[name]
		if glassbox.ValidatePath(rel) != nil {
			continue // Collect says why
		}
		p := filepath.FromSlash(rel)
		if err := to.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if st, serr := to.Lstat(p); serr == nil && st.IsDir() {
				continue // a directory is not an artefact; Collect says so
			}
		}
		st, err := from.Lstat(p)
		if err != nil {
			continue // not produced, or reached through a link that leaves the tree
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, err := from.Readlink(p)
			if err != nil {
				return err
			}
			if err := to.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := to.Symlink(target, p); err != nil {
				return err
			}
		case st.Mode().IsRegular():
			if err := copyFileIn(from, to, p, st); err != nil {
				return fmt.Errorf("artifact %q: %w", name, err)
			}
		}
	}
	return nil
}

func copyFileIn(from, to *os.Root, p string, st fs.FileInfo) error {
	in, err := from.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := to.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	out, err := to.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	// The size was bounded by the tmpfs; a sparse file's holes were not,
	// so the copy stops at what the file says it holds.
	_, err = io.Copy(out, io.LimitReader(in, st.Size()))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// treeSize is the bytes and the number of entries under dir.
func treeSize(dir string) (bytes, files int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		files++
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			bytes += info.Size()
		}
		return nil
	})
	return bytes, files, err
}

// copyTree copies the directories, regular files (with their modes and
// modification times) and symbolic links under src into dst, which exists.
// Anything else is left out: a source tree holds nothing else.
func copyTree(dst, src string) error {
	type dirMode struct {
		path string
		mode fs.FileMode
	}
	var dirs []dirMode
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			// Made writable now, given its mode once its content is in.
			dirs = append(dirs, dirMode{target, info.Mode().Perm()})
			return os.Mkdir(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			if err := out.Chmod(info.Mode().Perm()); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			return os.Chtimes(target, info.ModTime(), info.ModTime())
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0 && err == nil; i-- {
		err = os.Chmod(dirs[i].path, dirs[i].mode)
	}
	return err
}
