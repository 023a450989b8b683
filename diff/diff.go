// Package diff compares two artefacts structurally and says where they
// differ and what kind of difference it is, recursing into archives and
// binaries.
//
// It answers the question a rebuild leaves open when the bytes do not match:
// is the difference noise a stabiliser can remove (timestamps, build paths,
// member order, owners) or a change in code or data? Every input is treated
// as hostile: nothing touches the file system, and recursion depth, member
// sizes, decompressed bytes and the number of differences are bounded.
package diff

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"glassbox.dev"
)

// Kind says what sort of difference was found.
type Kind string

// The kinds of difference. Timestamp, build-path, ordering and owner are
// benign: a stabiliser (SOURCE_DATE_EPOCH, -trimpath, sorted archives,
// numeric owners) removes them without changing what the artefact does.
const (
	KindTimestamp   Kind = "timestamp"   // a recorded time differs
	KindBuildPath   Kind = "build-path"  // an absolute path of the build machine is embedded
	KindOrdering    Kind = "ordering"    // the same members in another order
	KindOwner       Kind = "owner"       // uid, gid, user or group names
	KindMode        Kind = "mode"        // permission bits
	KindCompression Kind = "compression" // the same payload compressed differently
	KindCode        Kind = "code"        // machine code or its layout
	KindData        Kind = "data"        // content
	KindMetadata    Kind = "metadata"    // headers, tables and other descriptions of the content
	KindAdded       Kind = "added"       // present only in B
	KindRemoved     Kind = "removed"     // present only in A
)

// Benign reports whether differences of kind k are noise that a stabiliser
// can remove.
func (k Kind) Benign() bool {
	switch k {
	case KindTimestamp, KindBuildPath, KindOrdering, KindOwner:
		return true
	}
	return false
}

// Difference is one place where A and B differ.
type Difference struct {
	// Path leads from the artefact through members and sections to the
	// smallest thing that differs, e.g. ["hello-1.0.tar.gz",
	// "hello-1.0/bin/hello", ".text", "main.greeting"].
	Path   []string `json:"path"`
	Kind   Kind     `json:"kind"`
	Detail string   `json:"detail"`
	// Benign is true for timestamps, build paths, ordering and owners:
	// noise a stabiliser can remove.
	Benign bool `json:"benign"`
}

// String formats the difference as one line: path → path: kind: detail.
func (d Difference) String() string {
	return strings.Join(d.Path, " → ") + ": " + string(d.Kind) + ": " + d.Detail
}

// Result is the outcome of Compare.
type Result struct {
	Equal       bool         `json:"equal"`
	Differences []Difference `json:"differences"`
	// Truncated is true when Options.MaxDifferences was reached before the
	// comparison was complete: more differences may exist.
	Truncated bool `json:"truncated,omitempty"`
	// IdenticalMembers counts the archive members (at any depth) found
	// the same on both sides: what a difference elsewhere leaves intact.
	IdenticalMembers int    `json:"identical_members"`
	ASize            int64  `json:"a_size"`
	BSize            int64  `json:"b_size"`
	ADigest          string `json:"a_digest"`
	BDigest          string `json:"b_digest"`
}

// Benign counts the benign differences reported.
func (r *Result) Benign() int {
	n := 0
	for _, d := range r.Differences {
		if d.Benign {
			n++
		}
	}
	return n
}

// Input is one side of a comparison: a name to report it by and its bytes.
// The name is only a label; it is never opened.
type Input struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// Options bound the work Compare does on hostile inputs. Zero fields take
// the defaults.
type Options struct {
	// MaxDepth bounds nesting: an archive in an archive in … . Deeper
	// members are compared as bytes. Default 12.
	MaxDepth int
	// MaxMemberSize is the largest member (or top-level input) read into
	// memory to look inside; larger ones are compared by digest and first
	// differing offset only. Default 256 MiB.
	MaxMemberSize int64
	// MaxTotalBytes bounds every byte decompressed or copied out of an
	// archive, for both sides together; past it Compare fails with an
	// EINVALID error instead of exhausting memory (a zip bomb). Default 2 GiB.
	MaxTotalBytes int64
	// MaxMembers bounds the members of one archive. Default 200,000.
	MaxMembers int
	// MaxDifferences bounds the differences reported. Default 1,000.
	MaxDifferences int
	// MaxTextSize is the largest text compared line by line; larger texts
	// are reported by byte range. Default 4 MiB.
	MaxTextSize int64
}

func (o *Options) defaults() {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 12
	}
	if o.MaxMemberSize <= 0 {
		o.MaxMemberSize = 256 << 20
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 2 << 30
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = 200_000
	}
	if o.MaxDifferences <= 0 {
		o.MaxDifferences = 1000
	}
	if o.MaxTextSize <= 0 {
		o.MaxTextSize = 4 << 20
	}
}

// Compare compares a and b. Identical bytes are Equal without looking
// inside; otherwise the format is detected from magic bytes and the
// comparison recurses through containers down to members, sections,
// functions and lines. An error means a limit was exceeded, the context
// ended, or an input could not be read; malformed content is a difference,
// not an error.
func Compare(ctx context.Context, a, b Input, opts Options) (*Result, error) {
	opts.defaults()
	res := &Result{ASize: a.Size, BSize: b.Size}
	c := &comparer{ctx: ctx, opts: opts, res: res}
	c.budget.Store(opts.MaxTotalBytes)
	root := a.Name
	if b.Name != a.Name {
		root = a.Name + " ↔ " + b.Name
	}
	path := []string{root}
	// Inputs small enough to inspect are read once and hashed in memory;
	// larger ones are hashed and compared as streams. The two sides are
	// read at once.
	inspect := a.Size <= opts.MaxMemberSize && b.Size <= opts.MaxMemberSize
	var ab, bb []byte
	var errA, errB error
	both(func(i int) {
		in, data, digest, err := a, &ab, &res.ADigest, &errA
		if i == 1 {
			in, data, digest, err = b, &bb, &res.BDigest, &errB
		}
		if inspect {
			if *data, *err = readAll(in); *err == nil {
				sum := sha256.Sum256(*data)
				*digest = "sha256:" + hex.EncodeToString(sum[:])
			}
			return
		}
		*digest, *err = digestOf(ctx, in)
	})
	if errA != nil {
		return nil, errA
	}
	if errB != nil {
		return nil, errB
	}
	if res.ADigest == res.BDigest && a.Size == b.Size {
		res.Equal = true
		return res, nil
	}
	if !inspect {
		if err := c.compareLarge(path, a, b); err != nil {
			return nil, err
		}
		return res, nil
	}
	if err := c.compare(path, ab, bb, 0); err != nil {
		return nil, err
	}
	return res, nil
}

func digestOf(ctx context.Context, in Input) (string, error) {
	if in.Size < 0 {
		return "", glassbox.Errorf(glassbox.EINVALID, "%s: negative size %d", in.Name, in.Size)
	}
	h := sha256.New()
	r := io.NewSectionReader(in.R, 0, in.Size)
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", in.Name, err)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func readAll(in Input) ([]byte, error) {
	if in.Size < 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: negative size %d", in.Name, in.Size)
	}
	b := make([]byte, in.Size)
	if _, err := in.R.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", in.Name, err)
	}
	return b, nil
}

// comparer carries the state of one Compare call. It is not shared between
// goroutines.
type comparer struct {
	ctx          context.Context
	opts         Options
	res          *Result
	sizeA, sizeB int          // sizes of the ELF files whose code is being compared
	budget       atomic.Int64 // bytes still allowed to be decompressed or copied; both sides charge it at once
}

// add records a difference unless the limit is reached.
func (c *comparer) add(path []string, kind Kind, format string, args ...any) {
	if len(c.res.Differences) >= c.opts.MaxDifferences {
		c.res.Truncated = true
		return
	}
	c.res.Differences = append(c.res.Differences, Difference{
		Path:   append([]string(nil), path...),
		Kind:   kind,
		Detail: fmt.Sprintf(format, args...),
		Benign: kind.Benign(),
	})
}

// full reports whether no more differences can be recorded, so callers can
// stop early. Callers ask only when work remains, so the result is marked
// truncated.
func (c *comparer) full() bool {
	if len(c.res.Differences) >= c.opts.MaxDifferences {
		c.res.Truncated = true
		return true
	}
	return false
}

// charge takes n bytes from the budget, failing once it is spent.
func (c *comparer) charge(n int64) error {
	if c.budget.Add(-n) < 0 {
		return glassbox.Errorf(glassbox.EINVALID, "more than %d bytes decompressed or extracted in total; refusing the comparison (a decompression bomb, or raise the total limit)", c.opts.MaxTotalBytes)
	}
	return nil
}

// readLimited reads r to its end into memory, charging the budget; hint,
// when positive, is the expected size, so the buffer is allocated once.
// When r holds more than MaxMemberSize bytes it returns nil data and the
// digest and length of the whole stream instead: the member is compared
// but not inspected. sum is set only then; in-memory data is compared
// byte for byte, which is cheaper than hashing it.
func (c *comparer) readLimited(r io.Reader, hint int64) (data []byte, sum [32]byte, n int64, err error) {
	limit := c.opts.MaxMemberSize
	buf := make([]byte, 0, max(min(hint, limit)+1, 512))
	cr := &chargedReader{r: r, c: c}
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(int(limit)+1, 2*cap(buf))-len(buf))
		}
		m, err := cr.Read(buf[len(buf):min(cap(buf), int(limit)+1)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, sum, int64(len(buf)), nil
		}
		if err != nil {
			return nil, sum, int64(len(buf)), err
		}
	}
	h := sha256.New()
	h.Write(buf)
	rest, err := io.Copy(h, cr)
	if err != nil {
		return nil, sum, int64(len(buf)) + rest, err
	}
	copy(sum[:], h.Sum(nil))
	return nil, sum, int64(len(buf)) + rest, nil
}

// both runs f(0) and f(1) at once: the two sides of a comparison are
// independent, and decompressing them is most of the work.
func both(f func(i int)) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(1)
	}()
	f(0)
	wg.Wait()
}

// chargedReader charges every byte read to the comparison's budget and
// stops when the context ends.
type chargedReader struct {
	r io.Reader
	c *comparer
}

func (r *chargedReader) Read(p []byte) (int, error) {
	if err := r.c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if cerr := r.c.charge(int64(n)); cerr != nil {
		return n, cerr
	}
	return n, err
}

// fatal reports whether err is one Compare must return rather than record
// as a difference: the budget is spent or the context ended.
func (c *comparer) fatal(err error) bool {
	return err != nil && (c.budget.Load() < 0 || c.ctx.Err() != nil)
}

// format is what the magic bytes say a blob is.
type format string

const (
	fmtGzip   format = "gzip"
	fmtXz     format = "xz"
	fmtBzip2  format = "bzip2"
	fmtZip    format = "zip"
	fmtAr     format = "ar"
	fmtTar    format = "tar"
	fmtELF    format = "ELF"
	fmtText   format = "text"
	fmtBinary format = "binary"
)

func detect(b []byte) format {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return fmtGzip
	case bytes.HasPrefix(b, xzMagic):
		return fmtXz
	case bytes.HasPrefix(b, []byte("BZh")) && len(b) >= 4 && b[3] >= '1' && b[3] <= '9':
		return fmtBzip2
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return fmtZip
	case bytes.HasPrefix(b, []byte(arMagic)):
		return fmtAr
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return fmtELF
	case isTar(b):
		return fmtTar
	case isText(b):
		return fmtText
	}
	return fmtBinary
}

// compare compares two blobs known to differ or not, at path, and records
// every difference found beneath it.
func (c *comparer) compare(path []string, a, b []byte, depth int) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if bytes.Equal(a, b) || c.full() {
		return nil
	}
	before := len(c.res.Differences)
	fa, fb := detect(a), detect(b)
	if depth >= c.opts.MaxDepth && fa != fmtText {
		c.add(path, KindData, "%s (not inspected: nested deeper than %d levels)", describeBytes(a, b), c.opts.MaxDepth)
		return nil
	}
	var err error
	switch {
	case fa != fb && compressed(fa) && compressed(fb):
		err = c.compareRecompressed(path, fa, fb, a, b, depth)
	case fa != fb && !(isTextLike(fa) && isTextLike(fb)):
		c.add(path, KindData, "format differs: %s → %s (%d → %d bytes)", fa, fb, len(a), len(b))
		return nil
	case fa == fmtGzip:
		err = c.compareGzip(path, a, b, depth)
	case fa == fmtXz:
		err = c.compareXz(path, a, b, depth)
	case fa == fmtBzip2:
		err = c.compareBzip2(path, a, b, depth)
	case fa == fmtTar:
		err = c.compareTar(path, a, b, depth)
	case fa == fmtZip:
		err = c.compareZip(path, a, b, depth)
	case fa == fmtAr:
		err = c.compareAr(path, a, b, depth)
	case fa == fmtELF:
		err = c.compareELF(path, a, b, depth)
	case isTextLike(fa) && (fa == fmtText || fb == fmtText):
		c.compareText(path, a, b)
	default:
		c.compareBinary(path, a, b, KindData)
	}
	if err != nil {
		return err
	}
	// A format comparer that found nothing still owes an answer: the bytes
	// differ somewhere its structure does not describe (padding, encoding).
	if len(c.res.Differences) == before && !c.full() {
		c.compareBinary(path, a, b, KindData)
	}
	return nil
}

func isTextLike(f format) bool { return f == fmtText || f == fmtBinary }

// compareBinary reports the first differing offset, how many bytes differ,
// and whether build paths explain it.
func (c *comparer) compareBinary(path []string, a, b []byte, kind Kind) {
	if paths := buildPathsDiffer(a, b); paths != "" {
		c.add(path, KindBuildPath, "%s; embedded paths differ: %s", describeBytes(a, b), paths)
		return
	}
	c.add(path, kind, "%s", describeBytes(a, b))
}

// describeBytes says where two blobs first differ.
func describeBytes(a, b []byte) string {
	n := min(len(a), len(b))
	off := n
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			off = i
			break
		}
	}
	if len(a) == len(b) {
		diff := 0
		for i := off; i < n; i++ {
			if a[i] != b[i] {
				diff++
			}
		}
		return fmt.Sprintf("%d of %d bytes differ, first at offset %#x", diff, len(a), off)
	}
	return fmt.Sprintf("size %d → %d bytes, first difference at offset %#x", len(a), len(b), off)
}

// compareLarge compares inputs too large to inspect by streaming both and
// reporting the first differing offset.
func (c *comparer) compareLarge(path []string, a, b Input) error {
	ra := io.NewSectionReader(a.R, 0, a.Size)
	rb := io.NewSectionReader(b.R, 0, b.Size)
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	var off int64
	for {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		na, errA := io.ReadFull(ra, bufA)
		nb, errB := io.ReadFull(rb, bufB)
		n := min(na, nb)
		for i := 0; i < n; i++ {
			if bufA[i] != bufB[i] {
				c.add(path, KindData, "size %d → %d bytes, first difference at offset %#x (not inspected: larger than %d bytes)", a.Size, b.Size, off+int64(i), c.opts.MaxMemberSize)
				return nil
			}
		}
		off += int64(n)
		if na != nb || errA != nil || errB != nil {
			break
		}
	}
	c.add(path, KindData, "size %d → %d bytes, first difference at offset %#x (not inspected: larger than %d bytes)", a.Size, b.Size, off, c.opts.MaxMemberSize)
	return nil
}

// member is one entry of an archive (tar, zip, ar), reduced to what the
// comparison needs.
type member struct {
	name string   // unique within its archive (a repeated name gets " (2)")
	data []byte   // nil when larger than MaxMemberSize
	sum  [32]byte // SHA-256 of the content when data is nil
	size int64
	// attrs are the member's metadata in a fixed order, each with the kind
	// a difference in it is.
	attrs []attr
}

type attr struct {
	kind  Kind
	label string
	value string
}

// uniqueName makes repeated member names distinct, in order of appearance.
func uniqueName(seen map[string]int, name string) string {
	seen[name]++
	if n := seen[name]; n > 1 {
		return fmt.Sprintf("%s (%d)", name, n)
	}
	return name
}

// compareMembers compares two archives' member lists: members only in one
// (added, removed), the same members in another order, then each member's
// metadata and content.
func (c *comparer) compareMembers(path []string, ma, mb []member, depth int) error {
	ia := make(map[string]int, len(ma))
	for i, m := range ma {
		ia[m.name] = i
	}
	ib := make(map[string]int, len(mb))
	for i, m := range mb {
		ib[m.name] = i
	}
	var commonA, commonB []string
	for _, m := range ma {
		if _, ok := ib[m.name]; ok {
			commonA = append(commonA, m.name)
		} else {
			c.add(append(path, m.name), KindRemoved, "only in A (%d bytes)", m.size)
		}
	}
	for _, m := range mb {
		if _, ok := ia[m.name]; ok {
			commonB = append(commonB, m.name)
		} else {
			c.add(append(path, m.name), KindAdded, "only in B (%d bytes)", m.size)
		}
	}
	for i := range commonA {
		if commonA[i] != commonB[i] {
			c.add(path, KindOrdering, "the same members in another order: member %d is %q in A, %q in B", i+1, commonA[i], commonB[i])
			break
		}
	}
	for _, name := range commonA {
		if c.full() {
			return nil
		}
		a, b := &ma[ia[name]], &mb[ib[name]]
		p := append(path[:len(path):len(path)], name)
		before := len(c.res.Differences)
		compareAttrs(c, p, a.attrs, b.attrs)
		if a.size == b.size && ((a.data != nil && b.data != nil && bytes.Equal(a.data, b.data)) ||
			(a.data == nil && b.data == nil && a.sum == b.sum)) {
			if len(c.res.Differences) == before {
				c.res.IdenticalMembers++
			}
			continue
		}
		if a.data == nil || b.data == nil {
			c.add(p, KindData, "size %d → %d bytes, content differs (not inspected: larger than %d bytes)", a.size, b.size, c.opts.MaxMemberSize)
			continue
		}
		if err := c.compare(p, a.data, b.data, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func compareAttrs(c *comparer, path []string, a, b []attr) {
	bv := make(map[string]attr, len(b))
	for _, x := range b {
		bv[x.label] = x
	}
	seen := make(map[string]bool, len(a))
	for _, x := range a {
		seen[x.label] = true
		y, ok := bv[x.label]
		switch {
		case !ok:
			c.add(path, x.kind, "%s %s → (none)", x.label, x.value)
		case x.value != y.value:
			c.add(path, x.kind, "%s %s → %s", x.label, x.value, y.value)
		}
	}
	for _, y := range b {
		if !seen[y.label] {
			c.add(path, y.kind, "%s (none) → %s", y.label, y.value)
		}
	}
}
