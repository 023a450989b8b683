package rebuild

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"glassbox.dev"
	"glassbox.dev/ingest"
)

// Stabiliser names a difference between two builds that a recipe declares
// meaningless, as Google OSS Rebuild calls them. glassbox applies only the
// stabilisers a recipe declares, and reports a match found through them as
// "equivalent after normalisation", never as bit-for-bit.
type Stabiliser string

// The stabilisers glassbox knows.
const (
	// StabiliseOrder ignores the order of members in tar and zip archives.
	StabiliseOrder Stabiliser = "archive-order"
	// StabiliseTimestamps ignores member modification times in tar and zip
	// archives and the timestamp in gzip headers.
	StabiliseTimestamps Stabiliser = "timestamps"
	// StabiliseOwners ignores user and group ids and names of tar members.
	StabiliseOwners Stabiliser = "owners"
	// StabiliseCompression compares gzip streams and zip members by their
	// decompressed content, ignoring compression level and method.
	StabiliseCompression Stabiliser = "compression"
)

// Stabilisers lists every known stabiliser.
var Stabilisers = []Stabiliser{StabiliseOrder, StabiliseTimestamps, StabiliseOwners, StabiliseCompression}

// ParseStabiliser checks a stabiliser's name.
func ParseStabiliser(s string) (Stabiliser, error) {
	for _, k := range Stabilisers {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Stabilisers))
	for i, k := range Stabilisers {
		names[i] = string(k)
	}
	return "", glassbox.Errorf(glassbox.EINVALID, "unknown stabiliser %q; known: %s", s, strings.Join(names, ", "))
}

// Normalise returns the digest of an artefact's canonical form under the
// given stabilisers. Two artefacts with the same normalised digest differ
// only in what the stabilisers ignore. Formats it does not know are hashed
// as they are.
//
// The artefacts are the vendor's and the rebuild's, both untrusted: what
// they expand to is bounded as a submission's archives are
// (ingest.DefaultLimits: size and compression ratio), and is streamed, never
// held in memory. A zip, which needs random access, is read in place when r
// is a file, and otherwise from a temporary file bounded the same way.
func Normalise(r io.Reader, stab []Stabiliser) (glassbox.Digest, error) {
	limits := ingest.DefaultLimits()
	in, consumed := ingest.Counted(r)
	n := &normaliser{stab: stab, limits: limits, budget: limits.MaxTotalSize, consumed: consumed}
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			n.file, n.fileSize = f, st.Size()
		}
	}
	h := sha256.New()
	if err := n.write(h, bufio.NewReaderSize(in, 1<<16), 0); err != nil {
		return "", err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum), nil
}

type normaliser struct {
	stab     []Stabiliser
	limits   ingest.Limits
	budget   int64        // what remains of limits.MaxTotalSize
	consumed func() int64 // bytes of the artefact read so far, for the ratio
	file     io.ReaderAt  // the artefact, when it is a file (read in place if a zip)
	fileSize int64
}

func (n *normaliser) has(s Stabiliser) bool { return slices.Contains(n.stab, s) }

// guard bounds a decompressor's output by the limits, measured against the
// artefact's bytes read so far.
func (n *normaliser) guard(r io.Reader) io.Reader { return n.limits.Guard(r, n.consumed) }

// write writes the canonical form of the stream to h.
func (n *normaliser) write(h io.Writer, br *bufio.Reader, depth int) error {
	if depth > 4 {
		_, err := io.Copy(h, br)
		return err
	}
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return n.gzip(h, br, depth)
	case len(head) >= 263 && string(head[257:262]) == "ustar":
		return n.tar(h, br, depth)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if depth == 0 && n.file != nil {
			// Every member's inflation is judged against the whole zip,
			// as ingest judges a submitted zip (members may overlap).
			n.consumed = func() int64 { return n.fileSize }
			return n.zip(h, n.file, n.fileSize, depth)
		}
		return n.spoolZip(h, br, depth)
	}
	_, err := io.Copy(h, br)
	return err
}

// spoolZip copies a zip found inside another stream to a temporary file,
// within the budget, and normalises it from there.
func (n *normaliser) spoolZip(h io.Writer, r io.Reader, depth int) error {
	f, err := os.CreateTemp("", "glassbox-normalise-*.zip")
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, io.LimitReader(r, n.budget+1))
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if size > n.budget {
		return fmt.Errorf("zip: expands beyond the size limit of %d bytes", n.limits.MaxTotalSize)
	}
	n.budget -= size
	return n.zip(h, f, size, depth)
}

func (n *normaliser) gzip(h io.Writer, br *bufio.Reader, depth int) error {
	if !n.has(StabiliseCompression) {
		// The compressed bytes must match; only the header's timestamp may
		// be ignored. MTIME is bytes 4-7 of the header (RFC 1952).
		head := make([]byte, 10)
		if _, err := io.ReadFull(br, head); err != nil {
			return fmt.Errorf("gzip header: %w", err)
		}
		if n.has(StabiliseTimestamps) {
			binary.LittleEndian.PutUint32(head[4:8], 0)
		}
		h.Write(head)
		_, err := io.Copy(h, br)
		return err
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	fmt.Fprintf(h, "gzip-content\n")
	if !n.has(StabiliseTimestamps) {
		fmt.Fprintf(h, "mtime %d name %q\n", zr.ModTime.Unix(), zr.Name)
	}
	if err := n.write(h, bufio.NewReaderSize(n.guard(zr), 1<<16), depth+1); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}

// member is a canonical description of an archive member.
type member struct {
	name string
	line string // everything about it but its content, canonicalised
	sum  []byte // the digest of its normalised content
}

func (n *normaliser) tar(h io.Writer, br *bufio.Reader, depth int) error {
	tr := tar.NewReader(br)
	var ms []member
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		line := fmt.Sprintf("%q type %c mode %o link %q size %d", hdr.Name, hdr.Typeflag, hdr.Mode, hdr.Linkname, hdr.Size)
		if !n.has(StabiliseTimestamps) {
			line += fmt.Sprintf(" mtime %d", hdr.ModTime.Unix())
		}
		if !n.has(StabiliseOwners) {
			line += fmt.Sprintf(" owner %d:%d %q:%q", hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname)
		}
		// Sparse members expand inside the tar reader: guarded too.
		sum, err := n.sum(n.guard(tr), depth)
		if err != nil {
			return fmt.Errorf("tar member %q: %w", hdr.Name, err)
		}
		ms = append(ms, member{name: hdr.Name, line: line, sum: sum})
	}
	n.members(h, "tar", ms)
	return nil
}

func (n *normaliser) zip(h io.Writer, ra io.ReaderAt, size int64, depth int) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	var ms []member
	for _, f := range zr.File {
		line := fmt.Sprintf("%q mode %o", f.Name, f.Mode())
		if !n.has(StabiliseTimestamps) {
			line += fmt.Sprintf(" mtime %d", f.Modified.Unix())
		}
		if !n.has(StabiliseCompression) {
			line += fmt.Sprintf(" method %d csize %d crc %08x", f.Method, f.CompressedSize64, f.CRC32)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("zip member %q: %w", f.Name, err)
		}
		sum, err := n.sum(n.guard(rc), depth)
		rc.Close()
		if err != nil {
			return fmt.Errorf("zip member %q: %w", f.Name, err)
		}
		ms = append(ms, member{name: f.Name, line: line, sum: sum})
	}
	n.members(h, "zip", ms)
	return nil
}

// sum returns the digest of a member's normalised content, charging it to
// the budget.
func (n *normaliser) sum(r io.Reader, depth int) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: n.budget + 1}
	mh := sha256.New()
	if err := n.write(mh, bufio.NewReaderSize(lr, 1<<16), depth+1); err != nil {
		return nil, err
	}
	n.budget = lr.N - 1
	if n.budget < 0 {
		return nil, fmt.Errorf("expands beyond the size limit of %d bytes", n.limits.MaxTotalSize)
	}
	return mh.Sum(nil), nil
}

func (n *normaliser) members(h io.Writer, kind string, ms []member) {
	if n.has(StabiliseOrder) {
		slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.name, b.name) })
	}
	fmt.Fprintf(h, "%s %d members\n", kind, len(ms))
	for _, m := range ms {
		fmt.Fprintf(h, "%s %x\n", m.line, m.sum)
	}
}
