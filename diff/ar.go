package diff

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const arMagic = "!<arch>\n"

// compareAr compares two ar archives member by member. A Debian package is
// an ar archive (debian-binary, control.tar.*, data.tar.*), so its control
// and data tarballs are compared through the same recursion.
func (c *comparer) compareAr(path []string, a, b []byte, depth int) error {
	ma, errA := c.arMembers(a)
	mb, errB := c.arMembers(b)
	if errA != nil || errB != nil {
		c.add(path, KindData, "ar archive unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	}
	return c.compareMembers(path, ma, mb, depth)
}

// arMembers parses an ar archive in the common (System V/GNU) and BSD
// variants. Member content is sliced from b, not copied, and charged to the
// budget only as it is decompressed further down.
func (c *comparer) arMembers(b []byte) ([]member, error) {
	if !bytes.HasPrefix(b, []byte(arMagic)) {
		return nil, errors.New("not an ar archive")
	}
	var ms []member
	var longNames []byte
	seen := map[string]int{}
	for off := len(arMagic); off < len(b); {
		if off+60 > len(b) {
			return nil, fmt.Errorf("truncated member header at offset %d", off)
		}
		h := b[off : off+60]
		if string(h[58:60]) != "`\n" {
			return nil, fmt.Errorf("bad member header at offset %d", off)
		}
		field := func(i, j int) string { return strings.TrimSpace(string(h[i:j])) }
		size, err := strconv.ParseInt(field(48, 58), 10, 64)
		if err != nil || size < 0 || size > int64(len(b)-off-60) {
			return nil, fmt.Errorf("bad member size %q at offset %d", field(48, 58), off)
		}
		data := b[off+60 : off+60+int(size)]
		off += 60 + int(size) + int(size&1)
		name := field(0, 16)
		switch {
		case name == "//": // GNU table of long names
			longNames = data
			continue
		case name == "/" || name == "/SYM64/":
			name = "(symbol table)"
		case strings.HasPrefix(name, "#1/"): // BSD: the name precedes the data
			n, err := strconv.Atoi(name[3:])
			if err != nil || n < 0 || n > len(data) {
				return nil, fmt.Errorf("bad BSD name %q", name)
			}
			name = strings.TrimRight(string(data[:n]), "\x00")
			data = data[n:]
		case strings.HasPrefix(name, "/") && len(name) > 1:
			n, err := strconv.Atoi(name[1:])
			if err != nil || n < 0 || n >= len(longNames) {
				return nil, fmt.Errorf("bad long name reference %q", name)
			}
			name = string(longNames[n:])
			if i := strings.Index(name, "/\n"); i >= 0 {
				name = name[:i]
			}
		default:
			name = strings.TrimSuffix(name, "/")
		}
		if len(ms) >= c.opts.MaxMembers {
			return nil, fmt.Errorf("more than %d members", c.opts.MaxMembers)
		}
		m := member{name: uniqueName(seen, name), size: int64(len(data))}
		if m.size <= c.opts.MaxMemberSize {
			m.data = data
		} else {
			m.sum = sha256.Sum256(data)
		}
		m.attrs = []attr{
			{KindTimestamp, "mtime", field(16, 28)},
			{KindOwner, "uid", field(28, 34)},
			{KindOwner, "gid", field(34, 40)},
			{KindMode, "mode", field(40, 48)},
		}
		ms = append(ms, m)
	}
	return ms, nil
}
