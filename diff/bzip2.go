package diff

import (
	"bytes"
)

// compareBzip2 compares the payloads of two bzip2 streams (whose headers
// carry nothing but the block size).
func (c *comparer) compareBzip2(path []string, a, b []byte, depth int) error {
	pa, pb, errA, errB, err := c.payloads(fmtBzip2, fmtBzip2, a, b)
	if err != nil {
		return err
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
