package rebuild

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"glassbox.dev"
)

// TreeDigest pins a directory by its content: the SHA-256 of one line per
// entry, in lexical order of slash-separated paths,
//
//	<path> <mode> <sha256 of the content, or of the link target>\n
//
// where mode is 100644, 100755 or 120000 as in release manifests and
// directories are implied by the paths beneath them. Owners and times do
// not count. Devices, FIFOs and sockets make the tree unpinnable.
func TreeDigest(dir string) (glassbox.Digest, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var mode string
		var sum [sha256.Size]byte
		switch t := d.Type(); {
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			mode, sum = glassbox.ModeSymlink, sha256.Sum256([]byte(target))
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			mode = glassbox.ModeRegular
			if info.Mode()&0o111 != 0 {
				mode = glassbox.ModeExecutable
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			fh := sha256.New()
			_, err = io.Copy(fh, f)
			f.Close()
			if err != nil {
				return err
			}
			fh.Sum(sum[:0])
		default:
			return fmt.Errorf("%s is a %v, which a pinned input cannot hold", rel, t)
		}
		fmt.Fprintf(h, "%s %s %x\n", rel, mode, sum)
		return nil
	})
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "tree digest of %s: %v", dir, err)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum), nil
}
