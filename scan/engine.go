package scan

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
)

// DefaultMaxFileSize is the window the engine analyses a file in when
// Scanner.MaxFileSize is zero. Source files are far smaller; a larger file
// is read in overlapping windows of this size, never skipped.
const DefaultMaxFileSize = 4 << 20

// binarySniff is how much of a file is searched for a NUL byte to decide
// that it is binary, as git and grep do.
const binarySniff = 8 << 10

// vendoredDirs are directories of third-party code, skipped unless asked
// for: their findings belong to their own upstreams, and they would drown
// the vendor's own code.
var vendoredDirs = map[string]bool{"vendor": true, "node_modules": true, "third_party": true}

// BinaryAnalyzer is implemented by analysers that want binary files too
// (the binary-blob family). Other analysers never see a file with a NUL
// byte in its first 8 KiB.
type BinaryAnalyzer interface {
	Analyzer
	WantsBinary() bool
}

// Scanner runs analysers over files. The zero value is not useful: set
// Analyzers (Analyzers() holds the registered ones). Zero values of the other
// fields mean their defaults.
type Scanner struct {
	Analyzers []Analyzer
	// MaxFileSize is the most of a file analysed at once: a larger file is
	// analysed in windows of this size that overlap by 64 KiB (so a
	// secret cannot hide past it), DefaultMaxFileSize if zero, the whole
	// file at once if negative.
	MaxFileSize int64
	// IncludeVendored scans vendor/, node_modules/ and third_party/, which
	// are otherwise skipped (and reported as skipped).
	IncludeVendored bool
	// Suppressions mark findings as accepted. Each must give a reason.
	Suppressions []Suppression
	// Workers is how many files are analysed at once: runtime.NumCPU() if
	// zero.
	Workers int
}

// SkipVendored reports whether vendored directories are skipped, which
// they are unless IncludeVendored is set. (The option is negative so that
// the zero Scanner skips them.)
func (s *Scanner) SkipVendored() bool { return !s.IncludeVendored }

// SourceFile is one file to scan, wherever it is kept: on disk, or as a
// blob of a stored release.
type SourceFile struct {
	Path string                        // slash-separated, relative to what is scanned
	Open func() (io.ReadCloser, error) // opens the content; not called for skipped files
	Size int64
	Mode fs.FileMode // only the type bits matter: a symlink is skipped
	// Artifact marks a shipped artefact, not source (see File.Artifact).
	Artifact bool

	layout *Layout // the tree the file is in, set by ScanFiles
}

// Skipped is a file (or a whole vendored directory) that was not scanned,
// or not scanned completely, and why. Nothing is skipped silently: an
// auditor must be able to see what the scan did not look at.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// ByDesign is true for what the scan leaves out on purpose: vendored
	// code, version-control metadata, a symbolic link (its target, if in
	// the tree, is scanned in its own right). Anything else skipped is
	// content nobody examined.
	ByDesign bool `json:"by_design,omitempty"`
}

// Unexamined lists what was skipped for want of reading or analysing it
// (unreadable, a binary no analyser reads, an analyser that failed): a scan
// with any cannot vouch for the whole tree.
func (r *Result) Unexamined() []Skipped {
	var out []Skipped
	for _, s := range r.Skipped {
		if !s.ByDesign {
			out = append(out, s)
		}
	}
	return out
}

// Finding is a glassbox.Finding as a scan reports it, with the suppression
// that accepted it, if any. Suppressed findings are kept: suppressions are
// evidence too.
type Finding struct {
	glassbox.Finding
	Suppression *Suppression `json:"suppression,omitempty"`
}

// ResultFormat is the format of the Result this glassbox writes: 2 since
// findings carry the values compared with input (glassbox.Finding.Inputs),
// which the run stage feeds to the running program. A stored result of an
// older format is not reused: it would starve the probes.
const ResultFormat = 2

// Result is what a scan found, sorted by path, line, column and rule.
type Result struct {
	// Format is ResultFormat when written; 0 in results of before it.
	Format   int       `json:"format,omitempty"`
	Rules    []Rule    `json:"rules"`    // every rule of the analysers that ran, by ID
	Findings []Finding `json:"findings"` // suppressed ones included
	Skipped  []Skipped `json:"skipped"`
	// UnusedSuppressions matched no finding: the code they excused has
	// changed or gone, and they should be reviewed.
	UnusedSuppressions []Suppression `json:"unused_suppressions,omitempty"`
	Files              int           `json:"files"` // files analysed
	Bytes              int64         `json:"bytes"` // their total size
	Duration           time.Duration `json:"duration_ns"`
}

// Counts returns the number of findings of each severity that are not
// suppressed.
func (r *Result) Counts() map[glassbox.Severity]int {
	c := make(map[glassbox.Severity]int)
	for _, f := range r.Findings {
		if f.Suppression == nil {
			c[f.Severity]++
		}
	}
	return c
}

// Fails reports whether a finding that is not suppressed is at least as
// severe as min.
func (r *Result) Fails(min glassbox.Severity) bool {
	for _, f := range r.Findings {
		if f.Suppression == nil && f.Severity.Rank() >= min.Rank() {
			return true
		}
	}
	return false
}

// ScanDir scans the files under root, which may also be a single file.
// Paths in the result are relative to root (a single file's is its base
// name). Symbolic links are reported as skipped and never followed.
func (s *Scanner) ScanDir(ctx context.Context, root string) (*Result, error) {
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "scan %s: %w", root, err)
	}
	var pre []Skipped // directories the walk could not read, or skipped whole
	var files iter.Seq[SourceFile]
	if !fi.IsDir() {
		files = func(yield func(SourceFile) bool) {
			yield(diskFile(root, filepath.Base(root), fi))
		}
	} else {
		files = func(yield func(SourceFile) bool) {
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				rel, _ := filepath.Rel(root, p)
				rel = filepath.ToSlash(rel)
				if err != nil {
					if rel != "." {
						pre = append(pre, Skipped{Path: rel, Reason: "unreadable: " + unwrapPathError(err)})
					}
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.IsDir() {
					if rel != "." && s.SkipVendored() && vendoredDirs[d.Name()] {
						pre = append(pre, Skipped{Path: rel, Reason: "vendored directory (--include-vendored scans it)", ByDesign: true})
						return fs.SkipDir
					}
					// .git holds the history, not the tree being shipped.
					if d.Name() == ".git" && rel != "." {
						pre = append(pre, Skipped{Path: rel, Reason: "version-control metadata", ByDesign: true})
						return fs.SkipDir
					}
					return nil
				}
				info, err := d.Info()
				if err != nil {
					pre = append(pre, Skipped{Path: rel, Reason: "unreadable: " + unwrapPathError(err)})
					return nil
				}
				if !yield(diskFile(p, rel, info)) {
					return fs.SkipAll
				}
				return nil
			})
		}
	}
	res, err := s.ScanFiles(ctx, files)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	if len(pre) > 0 {
		res.Skipped = append(res.Skipped, pre...)
		sortSkipped(res.Skipped)
	}
	return res, nil
}

func diskFile(p, rel string, fi fs.FileInfo) SourceFile {
	return SourceFile{
		Path: rel,
		Size: fi.Size(),
		Mode: fi.Mode(),
		Open: func() (io.ReadCloser, error) { return os.Open(p) },
	}
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// job is one file a worker analyses, read by the worker so that reading
// overlaps with analysis on the other cores.
type job struct {
	f SourceFile
}

// workerOut is what one worker found; merged and sorted at the end, so that
// workers never contend on a lock per finding.
type workerOut struct {
	findings []Finding
	skipped  []Skipped
	files    int
	bytes    int64
	err      error // the first stored file that failed its digest
}

// ScanFiles scans files, which need not be on disk: a stored release is
// scanned from its blobs. The sequence is consumed from one goroutine.
func (s *Scanner) ScanFiles(ctx context.Context, files iter.Seq[SourceFile]) (*Result, error) {
	start := time.Now()
	supp, err := indexSuppressions(s.Suppressions)
	if err != nil {
		return nil, err
	}
	rules, table := ruleTable(s.Analyzers)
	maxSize := s.MaxFileSize
	if maxSize == 0 {
		maxSize = DefaultMaxFileSize
	}
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var binary []Analyzer
	for _, a := range s.Analyzers {
		if b, ok := a.(BinaryAnalyzer); ok && b.WantsBinary() {
			binary = append(binary, a)
		}
	}

	jobs := make(chan job, workers*4)
	outs := make([]workerOut, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			o := &outs[w]
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain, so that the producer never blocks
				}
				s.scanOne(j.f, maxSize, binary, table, o)
			}
		})
	}
	// Vendored files are reported once per vendored directory, not once
	// each: node_modules alone can hold a hundred thousand files.
	vendored := map[string]int{}
	var pre []Skipped
	var accepted []SourceFile
	for f := range files {
		if ctx.Err() != nil {
			break
		}
		if err := glassbox.ValidatePath(f.Path); err != nil {
			pre = append(pre, Skipped{Path: f.Path, Reason: "invalid path: " + err.Error()})
			continue
		}
		if s.SkipVendored() {
			if dir, ok := vendoredDir(f.Path); ok {
				vendored[dir]++
				continue
			}
		}
		switch {
		case f.Mode&fs.ModeSymlink != 0:
			pre = append(pre, Skipped{Path: f.Path, Reason: "symbolic link (not followed)", ByDesign: true})
			continue
		case !f.Mode.IsRegular():
			pre = append(pre, Skipped{Path: f.Path, Reason: "not a regular file"})
			continue
		}
		accepted = append(accepted, f)
	}
	// Analysers learn what the tree is (a wheel, a package's data tree, a
	// source release) from its layout, so the files are listed first.
	layout := newLayout(accepted)
	for _, f := range accepted {
		if ctx.Err() != nil {
			break
		}
		f.layout = layout
		jobs <- job{f: f}
	}
	close(jobs)
	wg.Wait()
	// Then what needs several files at once: a package, a file set.
	outs = append(outs, s.scanSets(ctx, accepted, layout, table, workers)...)
	if err := ctx.Err(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "scan interrupted: %w", err)
	}

	for _, o := range outs {
		if o.err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "scan: %w; nothing is reported from a scan of corrupt evidence", o.err)
		}
	}
	res := &Result{Format: ResultFormat, Rules: rules, Skipped: pre}
	for dir, n := range vendored {
		res.Skipped = append(res.Skipped, Skipped{Path: dir, Reason: fmt.Sprintf("vendored directory, %d files (--include-vendored scans it)", n), ByDesign: true})
	}
	for _, o := range outs {
		res.Findings = append(res.Findings, o.findings...)
		res.Skipped = append(res.Skipped, o.skipped...)
		res.Files += o.files
		res.Bytes += o.bytes
	}
	used := map[string]bool{}
	for i := range res.Findings {
		if sp, ok := supp[res.Findings[i].Fingerprint]; ok {
			res.Findings[i].Suppression = sp
			used[sp.Fingerprint] = true
		}
	}
	for _, sp := range s.Suppressions {
		if !used[strings.ToLower(strings.TrimSpace(sp.Fingerprint))] {
			res.UnusedSuppressions = append(res.UnusedSuppressions, sp)
		}
	}
	slices.SortFunc(res.Findings, compareFindings)
	sortSkipped(res.Skipped)
	res.Duration = time.Since(start)
	return res, nil
}

// scanOne reads one file and runs the analysers on it, recording what it
// finds or why it could not. A file larger than maxSize is read in windows
// of maxSize that overlap by windowOverlap, so that nothing can hide past a
// size limit and memory stays bounded. Content that fails its digest is
// not a skip but the scan's error: o.err.
func (s *Scanner) scanOne(sf SourceFile, maxSize int64, binary []Analyzer, table map[string]Rule, o *workerOut) {
	// A SourceFile's Open is the caller's code, as hostile input can make
	// an analyser's panic; neither may take the scan down.
	defer func() {
		if p := recover(); p != nil {
			o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: fmt.Sprintf("unreadable: panic: %v", p)})
		}
	}()
	if sf.Open == nil {
		o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: "unreadable: no content"})
		return
	}
	rc, err := sf.Open()
	if err != nil {
		s.unreadable(sf, err, o)
		return
	}
	defer rc.Close()
	window := maxSize
	if window <= 0 {
		window = 1<<63 - 1
	}
	overlap := min(int64(windowOverlap), window/4)
	buf := make([]byte, 0, max(0, min(sf.Size, window)))
	analyzers, isBinary := s.Analyzers, false
	var at position // where buf[0] is in the file
	seen := map[string]bool{}
	for first := true; ; first = false {
		n, err := readWindow(rc, &buf, window)
		if err != nil && err != io.EOF {
			s.unreadable(sf, err, o)
			return
		}
		if first {
			if bytes.IndexByte(buf[:min(len(buf), binarySniff)], 0) >= 0 {
				if len(binary) == 0 {
					o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: "binary (a NUL byte in the first 8 KiB)"})
					return
				}
				analyzers, isBinary = binary, true
			}
			o.files++
		}
		o.bytes += int64(n)
		// The next window starts overlap bytes before this one's end, at a
		// line start when there is one; what starts there is left to it,
		// where it is whole.
		next := int64(len(buf))
		if err != io.EOF {
			next -= overlap
			if nl := bytes.IndexByte(buf[next:], '\n'); nl >= 0 {
				next += int64(nl) + 1
			}
		}
		// A binary's analysers judge what it is (its header, its
		// entropy), which its first window shows; the rest is read for
		// its digest, a text file's for the analysers.
		if first || !isBinary {
			s.analyzeWindow(sf, buf, at, int(next), err == io.EOF, analyzers, table, seen, o)
		}
		if err == io.EOF {
			return
		}
		at = at.after(buf[:next])
		buf = buf[:copy(buf, buf[next:])]
	}
}

// position is a place in a file: the lines before it, and the bytes of its
// line before it.
type position struct{ lines, col int }

func (p position) after(b []byte) position {
	if nl := bytes.LastIndexByte(b, '\n'); nl >= 0 {
		return position{p.lines + bytes.Count(b, []byte{'\n'}), len(b) - nl - 1}
	}
	return position{p.lines, p.col + len(b)}
}

// windowOverlap is how much consecutive windows of a large file share: a
// match shorter than this (a key block, a line of code) is whole in one.
const windowOverlap = 64 << 10

// readWindow fills buf up to window bytes from r, returning how many new
// bytes it read, and io.EOF once r is exhausted.
func readWindow(r io.Reader, buf *[]byte, window int64) (int, error) {
	b := *buf
	if int64(cap(b)) < window {
		nb := make([]byte, len(b), min(window, int64(max(2*cap(b), 64<<10))))
		copy(nb, b)
		b = nb
	}
	read := 0
	for int64(len(b)) < window {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(window, int64(2*cap(b))))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		read += n
		if err != nil {
			*buf = b
			return read, err
		}
	}
	*buf = b
	return read, nil
}

// analyzeWindow runs the analysers on content, a window of a file that
// starts at position at. Findings that start at or after the offset next
// are left to the next window, unless this is the last.
func (s *Scanner) analyzeWindow(sf SourceFile, content []byte, at position, next int, last bool, analyzers []Analyzer, table map[string]Rule, seen map[string]bool, o *workerOut) {
	p := sf.Path
	f := NewFile(p, content)
	f.Artifact = sf.Artifact
	f.Layout = sf.layout
	defer f.Close()
	nextLine, nextCol := f.LineCol(next)
	for _, a := range analyzers {
		found, perr := analyze(a, f)
		if perr != "" {
			o.skipped = append(o.skipped, Skipped{Path: p, Reason: perr})
			continue
		}
		for _, g := range found {
			r := &g.Region
			if r.StartLine == 0 {
				// About the whole file: once.
				if key := g.RuleID + " " + g.Message; seen[key] {
					continue
				} else {
					seen[key] = true
				}
			} else {
				if !last && (r.StartLine > nextLine || r.StartLine == nextLine && r.StartColumn >= nextCol) {
					continue
				}
				if r.StartLine == 1 {
					r.StartColumn += at.col
				}
				if r.EndLine == 1 {
					r.EndColumn += at.col
				}
				r.StartLine += at.lines
				if r.EndLine > 0 {
					r.EndLine += at.lines
				}
			}
			o.findings = append(o.findings, Finding{Finding: complete(g, p, table)})
		}
	}
}

// unreadable records why a file could not be read. Stored content that no
// longer matches its digest is not a file to skip: the scan fails.
func (s *Scanner) unreadable(sf SourceFile, err error, o *workerOut) {
	if glassbox.ErrorCode(err) == glassbox.ECORRUPT {
		if o.err == nil {
			o.err = fmt.Errorf("%s: %w", sf.Path, err)
		}
		return
	}
	o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: "unreadable: " + unwrapPathError(err)})
}

// analyze runs one analyser on one file and turns a panic into a message,
// so that one analyser's bug on one hostile file costs that file's
// findings from that analyser, not the scan.
func analyze(a Analyzer, f *File) (found []glassbox.Finding, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			name := fmt.Sprintf("%T", a)
			if rs := a.Rules(); len(rs) > 0 {
				name = rs[0].Family
			}
			panicked = fmt.Sprintf("analyser %s panicked: %v", name, p)
			if os.Getenv("GLASSBOX_SCAN_DEBUG") != "" {
				panicked += "\n" + string(debug.Stack())
			}
		}
	}()
	return a.Analyze(f), ""
}

// ruleTable returns the rules of the analysers sorted by ID, and indexed.
func ruleTable(analyzers []Analyzer) ([]Rule, map[string]Rule) {
	table := map[string]Rule{}
	var rules []Rule
	for _, a := range analyzers {
		for _, r := range a.Rules() {
			if _, ok := table[r.ID]; ok {
				continue
			}
			table[r.ID] = r
			rules = append(rules, r)
		}
	}
	slices.SortFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules, table
}

// complete fills in what the engine owns: the path, the fingerprint, and
// the rule's name, family, explanation and severity where the analyser left
// them empty.
func complete(f glassbox.Finding, p string, table map[string]Rule) glassbox.Finding {
	f.Path = p
	if r, ok := table[f.RuleID]; ok {
		f.Rule = cmp.Or(f.Rule, r.Name)
		f.Family = cmp.Or(f.Family, r.Family)
		f.Explanation = cmp.Or(f.Explanation, r.Explanation)
		f.Severity = cmp.Or(f.Severity, r.Severity)
	}
	if f.Severity.Rank() < 0 {
		f.Severity = glassbox.SeverityMedium
	}
	if f.Fingerprint == "" {
		f.Fingerprint = Fingerprint(f.RuleID, p, cmp.Or(f.Snippet, f.Message))
	}
	return f
}

// Fingerprint identifies a finding across scans: the hex SHA-256 of the
// rule ID, the path and the matched text with its whitespace collapsed,
// cut to 32 hex digits. The line number is left out so that a finding keeps
// its fingerprint (and its suppression) when code above it moves.
func Fingerprint(ruleID, p, snippet string) string {
	h := sha256.New()
	io.WriteString(h, ruleID)
	h.Write([]byte{0})
	io.WriteString(h, p)
	h.Write([]byte{0})
	io.WriteString(h, strings.Join(strings.Fields(snippet), " "))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func compareFindings(a, b Finding) int {
	return cmp.Or(
		strings.Compare(a.Path, b.Path),
		cmp.Compare(a.Region.StartLine, b.Region.StartLine),
		cmp.Compare(a.Region.StartColumn, b.Region.StartColumn),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Fingerprint, b.Fingerprint),
		strings.Compare(a.Message, b.Message),
	)
}

func sortSkipped(s []Skipped) {
	slices.SortFunc(s, func(a, b Skipped) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason))
	})
}

// vendoredDir returns the outermost vendored directory that p is in.
func vendoredDir(p string) (string, bool) {
	elems := strings.Split(path.Dir(p), "/")
	for i, e := range elems {
		if vendoredDirs[e] {
			return strings.Join(elems[:i+1], "/"), true
		}
	}
	return "", false
}
