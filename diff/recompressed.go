package diff

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
)

// compressed reports whether f is a compression format whose payload
// Compare can read.
func compressed(f format) bool { return f == fmtGzip || f == fmtXz || f == fmtBzip2 }

// decompress returns the payload of a compressed stream of format f (nil
// when it is larger than MaxMemberSize), charging the budget.
func (c *comparer) decompress(f format, b []byte) ([]byte, error) {
	switch f {
	case fmtGzip:
		_, data, err := c.gunzip(b)
		return data, err
	case fmtXz:
		return c.unxz(b)
	case fmtBzip2:
		data, _, _, err := c.readLimited(bzip2.NewReader(bytes.NewReader(b)), int64(len(b))*4)
		return data, err
	}
	return nil, errors.New("not a compression format: " + string(f))
}

// payloads decompresses both sides at once. A side that cannot be read
// has its error in errA or errB (a difference to report); err is set when
// the comparison must stop (the budget is spent, the context ended).
func (c *comparer) payloads(fa, fb format, a, b []byte) (pa, pb []byte, errA, errB, err error) {
	both(func(i int) {
		if i == 0 {
			pa, errA = c.decompress(fa, a)
		} else {
			pb, errB = c.decompress(fb, b)
		}
	})
	if c.fatal(errA) {
		return nil, nil, nil, nil, errA
	}
	if c.fatal(errB) {
		return nil, nil, nil, nil, errB
	}
	return pa, pb, errA, errB, nil
}

// compareRecompressed compares two streams compressed with different
// tools (a .tar.gz and a .tar.xz of one release): the compression is one
// difference, and the payloads are compared as any two blobs are, so that
// the same tar members in both are found the same.
func (c *comparer) compareRecompressed(path []string, fa, fb format, a, b []byte, depth int) error {
	pa, pb, errA, errB, err := c.payloads(fa, fb, a, b)
	if err != nil {
		return err
	}
	switch {
	case errA != nil || errB != nil:
		c.add(path, KindData, "%s → %s, and a stream is unreadable (%v / %v)", fa, fb, errOrOK(errA), errOrOK(errB))
		return nil
	case pa == nil || pb == nil:
		c.add(path, KindData, "%s → %s; payload larger than %d bytes, not inspected", fa, fb, c.opts.MaxMemberSize)
		return nil
	case bytes.Equal(pa, pb):
		what := fmt.Sprintf("%d-byte payload", len(pa))
		if detect(pa) == fmtTar {
			// The same tar stream: every member is identical.
			if ms, err := c.tarMembers(pa); err == nil {
				c.res.IdenticalMembers += len(ms)
				what = fmt.Sprintf("tar of %d members", len(ms))
			} else if c.fatal(err) {
				return err
			}
		}
		c.add(path, KindCompression, "the same %s compressed with %s → %s (%d → %d compressed bytes)", what, fa, fb, len(a), len(b))
		return nil
	}
	c.add(path, KindCompression, "compressed with %s → %s (%d → %d compressed bytes); the payloads are compared below", fa, fb, len(a), len(b))
	return c.compare(path, pa, pb, depth+1)
}
