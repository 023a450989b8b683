package notary

import (
	"encoding/binary"
	"sync"

	"glassbox.dev"
)

// seen is a Bloom filter of the envelopes the log holds. A miss proves an
// envelope new, so that appending it needs no index lookup; a hit (or a
// false positive, about 1 in 100 at the sizes it is grown for) falls back
// to the index. It is filled from the index on start and as the log grows.
type seen struct {
	mu        sync.Mutex
	bits      []uint64
	count     int
	refilling bool              // a larger filter is being built: answer "maybe"
	pending   []glassbox.Digest // added while refilling, for the new filter
}

const seenHashes = 7

func newSeen() *seen { return &seen{bits: make([]uint64, 1<<14)} } // 1 Mi bits

func (s *seen) positions(d glassbox.Digest, fn func(word int, mask uint64)) {
	h := []byte(d.Hex())
	// The digest is already uniform: its bytes give independent hashes.
	n := uint64(len(s.bits) * 64)
	for i := range seenHashes {
		v := binary.LittleEndian.Uint64(hexBytes(h[i*8 : i*8+16]))
		p := v % n
		fn(int(p/64), 1<<(p%64))
	}
}

// hexBytes decodes 16 hex digits into 8 bytes.
func hexBytes(h []byte) []byte {
	out := make([]byte, 8)
	for i := range out {
		out[i] = unhex(h[2*i])<<4 | unhex(h[2*i+1])
	}
	return out
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// add records an envelope, growing the filter (and asking the caller to
// refill it) when it would get too full to be useful.
func (s *seen) add(d glassbox.Digest) (regrow bool) {
	if d.Validate() != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refilling {
		s.pending = append(s.pending, d)
	}
	s.positions(d, func(w int, m uint64) { s.bits[w] |= m })
	s.count++
	// Past about one entry per 10 bits, false positives pass 1 %.
	return !s.refilling && s.count*10 > len(s.bits)*64
}

// mayHave reports whether d may be in the log; false is certain.
func (s *seen) mayHave(d glassbox.Digest) bool {
	if d.Validate() != nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refilling {
		return true
	}
	all := true
	s.positions(d, func(w int, m uint64) {
		if s.bits[w]&m == 0 {
			all = false
		}
	})
	return all
}
