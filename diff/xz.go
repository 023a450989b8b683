package diff

import (
	"bytes"
	"errors"

	"github.com/ulikunitz/xz"
)

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

// maxXzDict bounds the LZMA2 dictionary a stream may ask for. The decoder
// allocates it up front, so a 12-byte hostile stream could otherwise demand
// 1.5 GiB; xz -9 itself uses 64 MiB.
const maxXzDict = 64 << 20

// compareXz compares two xz streams: identical payloads are a compression
// difference (preset, check, block sizes); different payloads are compared
// in turn at the same path.
func (c *comparer) compareXz(path []string, a, b []byte, depth int) error {
	pa, pb, errA, errB, err := c.payloads(fmtXz, fmtXz, a, b)
	if err != nil {
		return err
	}
	switch {
	case errA != nil || errB != nil:
		c.add(path, KindData, "xz stream unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	case pa == nil || pb == nil:
		c.add(path, KindData, "xz payload larger than %d bytes; not inspected", c.opts.MaxMemberSize)
		return nil
	case bytes.Equal(pa, pb):
		c.add(path, KindCompression, "the same %d-byte payload compressed differently (%d → %d compressed bytes)", len(pa), len(a), len(b))
		return nil
	}
	return c.compare(path, pa, pb, depth+1)
}

func (c *comparer) unxz(b []byte) ([]byte, error) {
	if err := checkXzDict(b); err != nil {
		return nil, err
	}
	r, err := xz.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	data, _, _, err := c.readLimited(r, int64(len(b))*4)
	return data, err
}

// checkXzDict refuses a stream whose first block asks for a dictionary
// larger than maxXzDict. Later blocks are not parsed; they are charged to
// the budget like every other decompressed byte.
func checkXzDict(b []byte) error {
	const streamHeader = 12
	if len(b) < streamHeader+2 {
		return errors.New("xz: truncated stream")
	}
	h := b[streamHeader:]
	size := (int(h[0]) + 1) * 4
	if h[0] == 0 || size > len(h) {
		return nil // an index (empty stream) or a truncated header: the decoder will say
	}
	h = h[:size]
	flags := h[1]
	i := 2
	varint := func() uint64 {
		var v uint64
		for s := 0; i < len(h) && s < 63; s += 7 {
			x := h[i]
			i++
			v |= uint64(x&0x7f) << s
			if x&0x80 == 0 {
				break
			}
		}
		return v
	}
	if flags&0x40 != 0 {
		varint()
	}
	if flags&0x80 != 0 {
		varint()
	}
	for n := int(flags&3) + 1; n > 0 && i < len(h); n-- {
		id := varint()
		props := varint()
		if id == 0x21 && props == 1 && i < len(h) {
			bits := h[i] & 0x3f
			if bits > 40 {
				return errors.New("xz: invalid dictionary size")
			}
			dict := uint64(2|bits&1) << (bits/2 + 11)
			if dict > maxXzDict {
				return errors.New("xz: dictionary larger than 64 MiB; refusing to allocate it")
			}
		}
		if props > uint64(len(h)) {
			return nil
		}
		i += int(props)
	}
	return nil
}
