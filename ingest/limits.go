package ingest

import (
	"fmt"
	"io"
	"sync/atomic"
)

// Limits bound what one submission may make the centre read and store. They
// are what stops a zip or tar bomb; every one is configurable because a real
// firmware release can be large.
type Limits struct {
	MaxTotalSize int64   // bytes of content in the whole release, after decompression
	MaxEntries   int     // entries (files, directories, links) in the source tree
	MaxRatio     float64 // decompressed bytes per compressed byte of an archive
}

// DefaultLimits are generous for real releases and small for bombs.
func DefaultLimits() Limits {
	return Limits{
		MaxTotalSize: 16 << 30,
		MaxEntries:   1_000_000,
		MaxRatio:     200,
	}
}

// ratioFloor is how much an archive may expand before its compression ratio
// is judged: small archives of very repetitive files are legitimate, and a
// bomb is stopped after producing at most this much.
const ratioFloor = 64 << 20

// budget is what remains of the size limit for one submission.
type budget struct {
	limits Limits
	used   int64
}

func (b *budget) check(n int64) error {
	if n > b.limits.MaxTotalSize-b.used {
		return fmt.Errorf("the release would exceed the size limit of %d bytes; raise --max-size if it is really this large", b.limits.MaxTotalSize)
	}
	return nil
}

func (b *budget) take(n int64) error {
	if err := b.check(n); err != nil {
		return err
	}
	b.used += n
	return nil
}

// budgetReader charges what it reads to the budget and keeps apart the
// errors that are the input's fault (a limit, a corrupt stream) from those of
// the store it is copied to.
type budgetReader struct {
	r        io.Reader
	b        *budget
	progress *Progress
	limitErr error // the budget ran out
	srcErr   error // the input could not be read
}

func (r *budgetReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if lerr := r.b.take(int64(n)); lerr != nil {
		r.limitErr = lerr
		return 0, lerr
	}
	r.progress.addBytes(int64(n))
	if err != nil && err != io.EOF {
		r.srcErr = err
	}
	return n, err
}

// ratioGuard sits on a decompressor's output and stops it when it has
// produced more than ratioFloor bytes and more than MaxRatio times what it
// consumed.
type ratioGuard struct {
	r        io.Reader
	limit    float64
	consumed func() int64 // compressed bytes read so far
	max      int64        // the most the stream may produce at all
	produced int64
	err      error // set once the ratio is exceeded
	// elsewhere: the guard bounds a stream outside a submission (Guard),
	// where ingest's flags cannot raise the limits, so its errors do not
	// advise raising them.
	elsewhere bool
}

func (g *ratioGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.produced += int64(n)
	if g.produced > g.max {
		g.err = fmt.Errorf("it expands to more than %d bytes, beyond the size limit (a bomb?)%s", g.max, g.advice("--max-size"))
		return n, g.err
	}
	if g.produced > ratioFloor {
		if in := g.consumed(); in <= 0 || float64(g.produced) > g.limit*float64(in) {
			g.err = fmt.Errorf("it expands more than %g times (%d bytes from %d; a compression bomb?)%s", g.limit, g.produced, in, g.advice("--max-ratio"))
			return n, g.err
		}
	}
	return n, err
}

func (g *ratioGuard) advice(flag string) string {
	if g.elsewhere {
		return ""
	}
	return "; raise " + flag + " if it is real"
}

// Guard bounds r, the output of a decompressor, as a submission's archives
// are bounded: it fails once r has produced more than the limits allow in
// all, or, past the first 64 MiB, more than MaxRatio bytes for each
// compressed byte that consumed reports read so far. It is for other
// packages that expand untrusted input (the rebuild's stabilisers), so that
// one set of limits holds wherever the centre decompresses.
func (l Limits) Guard(r io.Reader, consumed func() int64) io.Reader {
	return &ratioGuard{r: r, limit: l.MaxRatio, max: streamLimit(l), consumed: consumed, elsewhere: true}
}

// streamLimit is the most a decompressed archive stream may hold: the
// content budget plus room for headers and padding of every entry. Data that
// is not file content (a directory's bogus size, what follows the tar
// trailer) is read too and must not escape the limits.
func streamLimit(l Limits) int64 {
	return l.MaxTotalSize + int64(l.MaxEntries)*1536 + 1<<20
}

// Counted returns a reader that counts the bytes read through r, and a
// function that reports the count: the consumed of Guard.
func Counted(r io.Reader) (io.Reader, func() int64) {
	c := &countingReader{r: r}
	return c, func() int64 { return c.n }
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Progress counts what a submission has read so far. It is safe to read from
// another goroutine while the submission runs.
type Progress struct {
	Files atomic.Int64
	Bytes atomic.Int64
}

func (p *Progress) addFile() {
	if p != nil {
		p.Files.Add(1)
	}
}

func (p *Progress) addBytes(n int64) {
	if p != nil {
		p.Bytes.Add(n)
	}
}
