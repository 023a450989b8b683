package diff

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strconv"
)

// compareZip compares two zip archives member by member: names, order,
// times, permissions, compression method, extra fields and content.
func (c *comparer) compareZip(path []string, a, b []byte, depth int) error {
	var ma, mb []member
	var ca, cb string
	var errA, errB error
	both(func(i int) {
		if i == 0 {
			ma, ca, errA = c.zipMembers(a)
		} else {
			mb, cb, errB = c.zipMembers(b)
		}
	})
	if c.fatal(errA) {
		return errA
	}
	if c.fatal(errB) {
		return errB
	}
	if errA != nil || errB != nil {
		c.add(path, KindData, "zip archive unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	}
	if ca != cb {
		c.add(path, KindMetadata, "archive comment %q → %q", ca, cb)
	}
	return c.compareMembers(path, ma, mb, depth)
}

func (c *comparer) zipMembers(b []byte) ([]member, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, "", err
	}
	if len(zr.File) > c.opts.MaxMembers {
		return nil, "", fmt.Errorf("more than %d members", c.opts.MaxMembers)
	}
	seen := map[string]int{}
	ms := make([]member, 0, len(zr.File))
	for _, f := range zr.File {
		m := member{name: uniqueName(seen, f.Name)}
		if !f.Mode().IsDir() {
			rc, err := f.Open()
			if err != nil {
				return nil, "", fmt.Errorf("member %q: %w", f.Name, err)
			}
			// The declared size is not trusted: readLimited stops at the
			// member limit and the budget whatever the header claims.
			m.data, m.sum, m.size, err = c.readLimited(rc, int64(min(f.UncompressedSize64, 1<<20)))
			rc.Close()
			if err != nil {
				return nil, "", fmt.Errorf("member %q: %w", f.Name, err)
			}
		}
		m.attrs = []attr{
			{KindTimestamp, "modified", fmtTime(f.Modified)},
			{KindMode, "mode", f.Mode().String()},
			{KindCompression, "method", strconv.Itoa(int(f.Method))},
			{KindMetadata, "comment", strconv.Quote(f.Comment)},
			{KindMetadata, "creator version", fmt.Sprintf("%#x", f.CreatorVersion)},
			{KindMetadata, "flags", fmt.Sprintf("%#x", f.Flags)},
		}
		for _, x := range zipExtras(f.Extra) {
			m.attrs = append(m.attrs, x)
		}
		ms = append(ms, m)
	}
	return ms, zr.Comment, nil
}

// zipExtras splits a member's extra field into its tagged records, so that
// an extended-timestamp record (0x5455) is a timestamp difference and a
// Unix uid/gid record (0x7875) an owner difference.
func zipExtras(extra []byte) []attr {
	var out []attr
	seen := map[string]int{}
	for len(extra) >= 4 {
		tag := int(extra[0]) | int(extra[1])<<8
		n := int(extra[2]) | int(extra[3])<<8
		if 4+n > len(extra) {
			n = len(extra) - 4
		}
		body := extra[4 : 4+n]
		extra = extra[4+n:]
		kind := KindMetadata
		name := fmt.Sprintf("extra field %#04x", tag)
		switch tag {
		case 0x5455:
			kind, name = KindTimestamp, "extended timestamp"
		case 0x000a:
			kind, name = KindTimestamp, "NTFS times"
		case 0x7875, 0x7855:
			kind, name = KindOwner, "unix owner"
		}
		out = append(out, attr{kind, uniqueName(seen, name), fmt.Sprintf("%x", body)})
	}
	return out
}
