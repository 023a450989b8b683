package rebuild

import (
	"fmt"
	"sync"
)

// DefaultLogLimit bounds the build log kept as evidence.
const DefaultLogLimit = 16 << 20

// buildLog keeps the first and the last half of a build's output. A build
// that prints without end cannot fill the centre's disk, and the end of the
// log, where a failing build says why, is never lost.
type buildLog struct {
	mu      sync.Mutex
	half    int
	head    []byte
	tail    []byte // a ring of half bytes once full
	pos     int    // next write position in tail when full
	dropped int64  // bytes that fell out of the ring
}

func newBuildLog(limit int) *buildLog {
	if limit < 2 {
		limit = 2
	}
	return &buildLog{half: limit / 2}
}

func (l *buildLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	if room := l.half - len(l.head); room > 0 {
		k := min(room, len(p))
		l.head = append(l.head, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		if len(l.tail) < l.half {
			k := min(l.half-len(l.tail), len(p))
			l.tail = append(l.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := min(l.half-l.pos, len(p))
		l.dropped += int64(k)
		copy(l.tail[l.pos:], p[:k])
		l.pos = (l.pos + k) % l.half
		p = p[k:]
	}
	return n, nil
}

// Bytes returns the log, with a note where bytes were left out.
func (l *buildLog) Bytes() (log []byte, truncated bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]byte(nil), l.head...)
	if l.dropped > 0 {
		out = fmt.Appendf(out, "\n[glassbox: %d bytes of build output left out here; the log keeps the first and last %d bytes]\n", l.dropped, l.half)
	}
	out = append(out, l.tail[l.pos:]...)
	out = append(out, l.tail[:l.pos]...)
	return out, l.dropped > 0
}
