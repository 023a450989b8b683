package diff

import (
	"bytes"
	"compress/bzip2"
)

// compareBzip2 compares the payloads of two bzip2 streams (whose headers
// carry nothing but the block size).
func (c *comparer) compareBzip2(path []string, a, b []byte, depth int) error {
	var pa, pb []byte
	var errA, errB error
	both(func(i int) {
		if i == 0 {
			pa, _, _, errA = c.readLimited(bzip2.NewReader(bytes.NewReader(a)), int64(len(a))*4)
		} else {
			pb, _, _, errB = c.readLimited(bzip2.NewReader(bytes.NewReader(b)), int64(len(b))*4)
		}
	})
	if c.fatal(errA) {
		return errA
	}
	if c.fatal(errB) {
		return errB
	}
	switch {
	case errA != nil || errB != nil:
		c.add(path, KindData, "bzip2 stream unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	case pa == nil || pb == nil:
		c.add(path, KindData, "bzip2 payload larger than %d bytes; not inspected", c.opts.MaxMemberSize)
		return nil
	case bytes.Equal(pa, pb):
		c.add(path, KindCompression, "the same %d-byte payload compressed differently (%d → %d compressed bytes, block size %c → %c)", len(pa), len(a), len(b), a[3], b[3])
		return nil
	}
	return c.compare(path, pa, pb, depth+1)
}
