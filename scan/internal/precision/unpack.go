package precision

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ulikunitz/xz"
)

// Bounds on what Unpack writes: an archive that exceeds them is refused,
// not truncated, since a partly unpacked project would be scanned as if it
// were whole.
const (
	MaxUnpackedSize  = 2 << 30   // all files together
	MaxUnpackedFile  = 512 << 20 // any one file
	MaxUnpackedFiles = 200000
)

// Unpack extracts the archive at src (a tar, possibly gzip-, xz- or
// bzip2-compressed, a zip, or a Debian .deb) into dst, which must exist.
// Only regular files and folders are written, with modes 0644 or 0755; an
// entry whose name is absolute or climbs out of dst refuses the whole
// archive; links are left out (the scan does not follow them either). A
// .deb is unpacked as dpkg-deb -R does: its data at the root, its control
// files in DEBIAN/.
func Unpack(src, dst string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	u := &unpacker{root: dst}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return u.zip(r, fi.Size())
	case bytes.HasPrefix(head, []byte("!<arch>\n")):
		return u.deb(r)
	}
	return u.compressedTar(r, "")
}

type unpacker struct {
	root  string
	total int64
	files int
}

// compressedTar unpacks a tar, whatever compression its first bytes show,
// under the folder sub of the root.
func (u *unpacker) compressedTar(r io.Reader, sub string) error {
	br := bufio.NewReader(r)
	head, _ := br.Peek(6)
	var tr io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		tr = gz
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		xr, err := xz.NewReader(br)
		if err != nil {
			return fmt.Errorf("xz: %w", err)
		}
		tr = xr
	case bytes.HasPrefix(head, []byte("BZh")):
		tr = bzip2.NewReader(br)
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return fmt.Errorf("zstd-compressed tar: not supported")
	}
	return u.tar(tar.NewReader(tr), sub)
}

func (u *unpacker) tar(tr *tar.Reader, sub string) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if _, err := u.target(path.Join(sub, h.Name), true); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := u.write(path.Join(sub, h.Name), h.Size, h.Mode&0o111 != 0, tr); err != nil {
				return err
			}
		default:
			// Links, devices, FIFOs and pax metadata are not written;
			// a name that escapes is refused all the same.
			if _, err := u.target(path.Join(sub, h.Name), false); err != nil {
				return err
			}
		}
	}
}

func (u *unpacker) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			if _, err := u.target(zf.Name, true); err != nil {
				return err
			}
			continue
		}
		if !zf.Mode().IsRegular() {
			if _, err := u.target(zf.Name, false); err != nil {
				return err
			}
			continue
		}
		if zf.UncompressedSize64 > MaxUnpackedFile {
			return fmt.Errorf("archive entry %q is %d bytes, over the %d a corpus file may have; refusing the archive", zf.Name, zf.UncompressedSize64, MaxUnpackedFile)
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("zip entry %q: %w", zf.Name, err)
		}
		err = u.write(zf.Name, int64(zf.UncompressedSize64), zf.Mode()&0o111 != 0, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// deb unpacks a Debian binary package: an ar archive of debian-binary,
// control.tar.* and data.tar.*.
func (u *unpacker) deb(r io.Reader) error {
	br := bufio.NewReader(r)
	if _, err := io.CopyN(io.Discard, br, 8); err != nil {
		return fmt.Errorf("ar: %w", err)
	}
	for {
		var h [60]byte
		if _, err := io.ReadFull(br, h[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("ar: %w", err)
		}
		name := strings.TrimRight(strings.TrimSpace(string(h[:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
		if err != nil || size < 0 || size > MaxArchiveSize {
			return fmt.Errorf("ar member %q: bad size %q", name, h[48:58])
		}
		member := io.LimitReader(br, size)
		switch {
		case strings.HasPrefix(name, "control.tar"):
			err = u.compressedTar(member, "DEBIAN")
		case strings.HasPrefix(name, "data.tar"):
			err = u.compressedTar(member, "")
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := io.Copy(io.Discard, member); err != nil {
			return fmt.Errorf("ar member %q: %w", name, err)
		}
		if size%2 == 1 {
			if _, err := br.Discard(1); err != nil && err != io.EOF {
				return fmt.Errorf("ar: %w", err)
			}
		}
	}
}

// target returns where the entry name goes, making its folder (and, for a
// folder, itself). A name that is absolute or climbs out of the root
// refuses the archive.
func (u *unpacker) target(name string, dir bool) (string, error) {
	if strings.ContainsRune(name, 0) || strings.Contains(name, "\\") {
		return "", fmt.Errorf("archive entry %q has a NUL or backslash in its name; refusing the archive", name)
	}
	if path.IsAbs(name) {
		return "", fmt.Errorf("archive entry %q is an absolute path; refusing the archive", name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("archive entry %q escapes the extraction root; refusing the archive", name)
	}
	if clean == "." {
		return u.root, nil
	}
	p := filepath.Join(u.root, filepath.FromSlash(clean))
	mk := filepath.Dir(p)
	if dir {
		mk = p
	}
	if err := os.MkdirAll(mk, 0o755); err != nil {
		return "", fmt.Errorf("archive entry %q: %w", name, err)
	}
	return p, nil
}

func (u *unpacker) write(name string, size int64, exec bool, r io.Reader) error {
	u.files++
	if u.files > MaxUnpackedFiles {
		return fmt.Errorf("the archive has over %d files; refusing it", MaxUnpackedFiles)
	}
	if size > MaxUnpackedFile {
		return fmt.Errorf("archive entry %q is %d bytes, over the %d a corpus file may have; refusing the archive", name, size, MaxUnpackedFile)
	}
	u.total += size
	if u.total > MaxUnpackedSize {
		return fmt.Errorf("the archive unpacks to over %d bytes; refusing it", MaxUnpackedSize)
	}
	p, err := u.target(name, false)
	if err != nil {
		return err
	}
	if p == u.root {
		return fmt.Errorf("archive entry %q names the extraction root as a file; refusing the archive", name)
	}
	mode := os.FileMode(0o644)
	if exec {
		mode = 0o755
	}
	// O_EXCL with a removal first: an entry never writes through a link
	// or a file an earlier entry left (links are never created anyway).
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("archive entry %q would replace a folder; refusing the archive", name)
	}
	_ = os.Remove(p)
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("archive entry %q: %w", name, err)
	}
	n, err := io.Copy(w, io.LimitReader(r, size+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("archive entry %q: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("archive entry %q holds %d bytes, its header says %d; refusing the archive", name, n, size)
	}
	return nil
}
