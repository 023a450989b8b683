package ingest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"math"

	"github.com/ulikunitz/xz"
)

// Archive formats, recognised by their content rather than trusted from the
// file name.
const (
	formatTar      = "tar"
	formatTarGzip  = "tar.gz"
	formatTarXz    = "tar.xz"
	formatTarBzip2 = "tar.bz2"
	formatZip      = "zip"
)

// detectFormat names the archive format of a file from its first bytes.
func detectFormat(head []byte) (string, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return formatTarGzip, nil
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return formatTarXz, nil
	case bytes.HasPrefix(head, []byte("BZh")):
		return formatTarBzip2, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return formatZip, nil
	case len(head) >= 263 && string(head[257:262]) == "ustar":
		return formatTar, nil
	}
	return "", errors.New("it is not a tar, tar.gz, tgz, tar.xz, tar.bz2 or zip archive")
}

// readArchive feeds every member of an archive into t. ra must hold size
// bytes; zip needs random access, the tar family reads it once in order.
func readArchive(t *tree, ra io.ReaderAt, size int64) error {
	head := make([]byte, 512)
	n, err := ra.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return t.refuse("cannot be read: %v", err)
	}
	format, err := detectFormat(head[:n])
	if err != nil {
		return t.refuse("%v", err)
	}
	if format == formatZip {
		return readZip(t, ra, size)
	}
	return readTar(t, io.NewSectionReader(ra, 0, size), format)
}

func readTar(t *tree, r io.Reader, format string) error {
	compressed := &countingReader{r: bufio.NewReaderSize(r, 1<<20)}
	var dec io.Reader = compressed
	var err error
	switch format {
	case formatTarGzip:
		dec, err = gzip.NewReader(compressed)
	case formatTarXz:
		dec, err = xz.NewReader(compressed)
	case formatTarBzip2:
		dec = bzip2.NewReader(compressed)
	}
	if err != nil {
		return t.refuse("is not a valid %s archive: %v", format, err)
	}
	consumed := func() int64 { return compressed.n }
	guard := &ratioGuard{r: dec, limit: t.budget.limits.MaxRatio, max: streamLimit(t.budget.limits), consumed: consumed}
	// Sparse files (GNU or PAX) expand inside the tar reader, beneath no
	// decompressor: a few header bytes can declare gigabytes of holes. So
	// the content of the entries is judged against the input too.
	content := &ratioGuard{limit: t.budget.limits.MaxRatio, max: streamLimit(t.budget.limits), consumed: consumed}
	err = readTarEntries(t, tar.NewReader(guard), content)
	if err == nil {
		// Read to the end so that gzip and xz check their checksums, and a
		// truncated stream is noticed even after the tar trailer.
		_, err = io.Copy(io.Discard, guard)
		if err != nil {
			err = t.refuse("is truncated or corrupt after its last entry: %v", err)
		}
	}
	if guard.err != nil {
		return t.refuse("%v", guard.err)
	}
	if content.err != nil {
		return t.refuse("%v", content.err)
	}
	return err
}

func readTarEntries(t *tree, tr *tar.Reader, content *ratioGuard) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return t.refuse("is truncated or corrupt: %v", err)
		}
		e := entry{name: hdr.Name, size: -1}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			content.r = tr
			e.kind, e.body, e.size, e.exec = kindFile, content, hdr.Size, hdr.Mode&0o111 != 0
		case tar.TypeDir:
			e.kind = kindDir
		case tar.TypeSymlink:
			e.kind, e.link = kindSymlink, hdr.Linkname
		case tar.TypeLink:
			e.kind, e.link = kindHardlink, hdr.Linkname
		case tar.TypeXGlobalHeader:
			continue // pax global header: metadata only (git archive writes the commit id there)
		case tar.TypeChar, tar.TypeBlock:
			return t.refuse("entry %q is a device file; releases may hold only files, directories and links", hdr.Name)
		case tar.TypeFifo:
			return t.refuse("entry %q is a FIFO; releases may hold only files, directories and links", hdr.Name)
		default:
			return t.refuse("entry %q has the unsupported tar type %q", hdr.Name, hdr.Typeflag)
		}
		if err := t.add(e); err != nil {
			return err
		}
	}
}

func readZip(t *tree, ra io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath comes with a usable reader; the tree refuses the
		// insecure names itself with a better message.
		return t.refuse("is not a valid zip archive (truncated or corrupt?): %v", err)
	}
	if len(zr.File) > t.budget.limits.MaxEntries {
		return t.refuse("has %d entries, more than the limit of %d (a bomb?); raise --max-entries if this is a real release", len(zr.File), t.budget.limits.MaxEntries)
	}
	// A zip's members can overlap, so the ratio is judged against the whole
	// archive: the most compressed data any member can have read.
	guard := &ratioGuard{limit: t.budget.limits.MaxRatio, max: streamLimit(t.budget.limits), consumed: func() int64 { return size }}
	for _, zf := range zr.File {
		if err := readZipEntry(t, zf, guard); err != nil {
			if guard.err != nil {
				return t.refuse("%v", guard.err)
			}
			return err
		}
	}
	return nil
}

func readZipEntry(t *tree, zf *zip.File, guard *ratioGuard) error {
	if zf.Flags&0x1 != 0 {
		return t.refuse("entry %q is encrypted; submit the source unencrypted", zf.Name)
	}
	mode := zf.Mode()
	e := entry{name: zf.Name, size: -1}
	switch {
	case mode&fs.ModeSymlink != 0:
		e.kind = kindSymlink
	case mode.IsDir():
		e.kind = kindDir
	case mode.Type()&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return t.refuse("entry %q is a device file; releases may hold only files, directories and links", zf.Name)
	case mode.Type()&fs.ModeNamedPipe != 0:
		return t.refuse("entry %q is a FIFO; releases may hold only files, directories and links", zf.Name)
	case mode.Type() != 0:
		return t.refuse("entry %q has the unsupported file type %v", zf.Name, mode.Type())
	default:
		if zf.UncompressedSize64 > math.MaxInt64 {
			return t.refuse("entry %q declares an impossible size", zf.Name)
		}
		e.kind, e.size, e.exec = kindFile, int64(zf.UncompressedSize64), mode&0o111 != 0
	}
	if e.kind == kindDir {
		return t.add(e)
	}
	rc, err := zf.Open()
	if err != nil {
		return t.refuse("entry %q cannot be read: %v", zf.Name, err)
	}
	defer rc.Close()
	guard.r = rc
	if e.kind == kindSymlink {
		target, err := io.ReadAll(io.LimitReader(guard, 4097))
		if err != nil {
			return t.refuse("symbolic link %q cannot be read: %v", zf.Name, err)
		}
		if len(target) > 4096 {
			return t.refuse("symbolic link %q has a target longer than 4096 bytes", zf.Name)
		}
		e.link = string(target)
		return t.add(e)
	}
	e.body = guard
	return t.add(e)
}
