package diff

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// isTar recognises a tar header block: the ustar magic, or (for old v7
// archives) a header whose checksum is right.
func isTar(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if string(b[257:262]) == "ustar" {
		return true
	}
	want, err := strconv.ParseUint(strings.Trim(string(b[148:156]), " \x00"), 8, 32)
	if err != nil || b[0] == 0 {
		return false
	}
	var sum uint64
	for i, x := range b[:512] {
		if i >= 148 && i < 156 {
			x = ' '
		}
		sum += uint64(x)
	}
	return sum == want
}

// compareTar compares two tar archives member by member.
func (c *comparer) compareTar(path []string, a, b []byte, depth int) error {
	var ma, mb []member
	var errA, errB error
	both(func(i int) {
		if i == 0 {
			ma, errA = c.tarMembers(a)
		} else {
			mb, errB = c.tarMembers(b)
		}
	})
	if c.fatal(errA) {
		return errA
	}
	if c.fatal(errB) {
		return errB
	}
	if errA != nil || errB != nil {
		c.add(path, KindData, "tar archive unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	}
	return c.compareMembers(path, ma, mb, depth)
}

// paxShown are the PAX records already compared as header fields.
var paxShown = map[string]bool{
	"path": true, "linkpath": true, "size": true, "uid": true, "gid": true,
	"uname": true, "gname": true, "mtime": true, "atime": true, "ctime": true,
}

func (c *comparer) tarMembers(b []byte) ([]member, error) {
	br := bytes.NewReader(b)
	tr := tar.NewReader(br)
	seen := map[string]int{}
	var ms []member
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return ms, nil
		}
		if err != nil {
			return nil, err
		}
		if len(ms) >= c.opts.MaxMembers {
			return nil, fmt.Errorf("more than %d members", c.opts.MaxMembers)
		}
		m := member{name: uniqueName(seen, h.Name)}
		// A regular member's content lies right after its header in b:
		// slice it rather than copy it. Sparse members, whose content the
		// reader reassembles, are read.
		pos := int64(len(b)) - int64(br.Len())
		if (h.Typeflag == tar.TypeReg || h.Typeflag == 0) && !sparse(h) && h.Size >= 0 && h.Size <= c.opts.MaxMemberSize && pos+h.Size <= int64(len(b)) {
			m.data, m.size = b[pos:pos+h.Size], h.Size
		} else {
			m.data, m.sum, m.size, err = c.readLimited(tr, h.Size)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", h.Name, err)
			}
		}
		m.attrs = []attr{
			{KindMetadata, "type", tarType(h.Typeflag)},
			{KindData, "link target", h.Linkname},
			{KindMode, "mode", fmt.Sprintf("%04o", h.Mode)},
			{KindOwner, "uid", strconv.Itoa(h.Uid)},
			{KindOwner, "gid", strconv.Itoa(h.Gid)},
			{KindOwner, "user", h.Uname},
			{KindOwner, "group", h.Gname},
			{KindTimestamp, "mtime", fmtTime(h.ModTime)},
		}
		if !h.AccessTime.IsZero() {
			m.attrs = append(m.attrs, attr{KindTimestamp, "atime", fmtTime(h.AccessTime)})
		}
		if !h.ChangeTime.IsZero() {
			m.attrs = append(m.attrs, attr{KindTimestamp, "ctime", fmtTime(h.ChangeTime)})
		}
		if h.Typeflag == tar.TypeChar || h.Typeflag == tar.TypeBlock {
			m.attrs = append(m.attrs, attr{KindMetadata, "device", fmt.Sprintf("%d,%d", h.Devmajor, h.Devminor)})
		}
		for _, k := range slices.Sorted(maps.Keys(h.PAXRecords)) {
			if !paxShown[k] {
				m.attrs = append(m.attrs, attr{KindMetadata, "PAX " + k, strconv.Quote(h.PAXRecords[k])})
			}
		}
		ms = append(ms, m)
	}
}

func tarType(t byte) string {
	switch t {
	case tar.TypeReg, 0:
		return "file"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeDir:
		return "directory"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("type %q", t)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// sparse reports whether a header describes a sparse file, whose content is
// not stored contiguously.
func sparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
