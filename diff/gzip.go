package diff

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
)

// compareGzip compares two gzip streams: their headers (time, name, OS),
// then the payloads. Identical payloads compressed differently are a
// compression difference; different payloads are compared in turn at the
// same path, since a .tar.gz is one artefact, not a container of one.
func (c *comparer) compareGzip(path []string, a, b []byte, depth int) error {
	var ha, hb *gzip.Header
	var pa, pb []byte
	var errA, errB error
	both(func(i int) {
		if i == 0 {
			ha, pa, errA = c.gunzip(a)
		} else {
			hb, pb, errB = c.gunzip(b)
		}
	})
	if c.fatal(errA) {
		return errA
	}
	if c.fatal(errB) {
		return errB
	}
	if errA != nil || errB != nil {
		c.add(path, KindData, "gzip stream unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	}
	if !ha.ModTime.Equal(hb.ModTime) {
		c.add(path, KindTimestamp, "gzip header time %s → %s", fmtTime(ha.ModTime), fmtTime(hb.ModTime))
	}
	if ha.Name != hb.Name {
		c.add(path, KindMetadata, "gzip header file name %q → %q", ha.Name, hb.Name)
	}
	if ha.OS != hb.OS {
		c.add(path, KindMetadata, "gzip header OS %d → %d", ha.OS, hb.OS)
	}
	if ha.Comment != hb.Comment || !bytes.Equal(ha.Extra, hb.Extra) {
		c.add(path, KindMetadata, "gzip header comment or extra field differs")
	}
	if pa == nil || pb == nil {
		c.add(path, KindData, "gzip payload larger than %d bytes; not inspected", c.opts.MaxMemberSize)
		return nil
	}
	if bytes.Equal(pa, pb) {
		ba, bb := gzipBody(a), gzipBody(b)
		if !bytes.Equal(ba, bb) {
			c.add(path, KindCompression, "the same %d-byte payload compressed differently (%d → %d compressed bytes, %s → %s)",
				len(pa), len(ba), len(bb), gzipLevel(a), gzipLevel(b))
		}
		return nil
	}
	return c.compare(path, pa, pb, depth+1)
}

func (c *comparer) gunzip(b []byte) (*gzip.Header, []byte, error) {
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	h := z.Header
	// The trailer's ISIZE is the payload's length modulo 2^32: a good
	// first guess for the buffer, never trusted beyond that.
	var hint int64
	if len(b) >= 4 {
		hint = int64(binary.LittleEndian.Uint32(b[len(b)-4:]))
	}
	data, _, _, err := c.readLimited(z, hint)
	if err != nil {
		return nil, nil, err
	}
	return &h, data, nil
}

// gzipBody returns the compressed data after the gzip header, so that a
// header-only difference is not mistaken for a compression difference.
func gzipBody(b []byte) []byte {
	if len(b) < 10 {
		return nil
	}
	flg := b[3]
	i := 10
	if flg&0x04 != 0 { // FEXTRA
		if i+2 > len(b) {
			return nil
		}
		i += 2 + (int(b[i]) | int(b[i+1])<<8)
	}
	for _, bit := range []byte{0x08, 0x10} { // FNAME, FCOMMENT: zero-terminated
		if flg&bit != 0 {
			if i >= len(b) {
				return nil
			}
			j := bytes.IndexByte(b[i:], 0)
			if j < 0 {
				return nil
			}
			i += j + 1
		}
	}
	if flg&0x02 != 0 { // FHCRC
		i += 2
	}
	if i > len(b) {
		return nil
	}
	return b[i:]
}

// gzipLevel names the compression level the header's XFL byte records.
func gzipLevel(b []byte) string {
	if len(b) < 10 {
		return "unknown level"
	}
	switch b[8] {
	case 2:
		return "best compression"
	case 4:
		return "fastest"
	}
	return fmt.Sprintf("XFL %d", b[8])
}

func errOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
