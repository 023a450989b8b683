// Package review is the differential review of a release: what changed
// since an earlier release of its product, file by file and line by line,
// and how much of it evaluators marked reviewed (the review coverage).
package review

import (
	"bytes"
	"context"
	"io"
	"slices"

	"glassbox.dev"
	"glassbox.dev/diff"
)

// maxFile bounds a file compared line by line; a larger one, or one
// that is not text, counts as one changed line.
const maxFile = 4 << 20

// maxReviewEdits bounds the line edits computed for one file.
const maxReviewEdits = 20000

// File is one file that differs between the two releases.
type File struct {
	Path     string
	Status   string // added, removed or changed
	Added    int    // lines added (or modified) in the release
	Removed  int    // lines removed from the base
	Text     bool   // compared line by line
	Reviewed *glassbox.ReviewMark
}

// Lines is how many changed lines the file counts for in the coverage.
func (f *File) Lines() int {
	if !f.Text {
		return 1
	}
	return f.Added + f.Removed
}

// Review is a differential review of Release against Base.
type Review struct {
	Release, Base *glassbox.Release
	Files         []File
	Changed       int // changed lines
	Reviewed      int // changed lines of reviewed files
}

// Coverage is the share of changed lines reviewed, from 0 to 1; 1 when
// nothing changed.
func (r *Review) Coverage() float64 {
	if r.Changed == 0 {
		return 1
	}
	return float64(r.Reviewed) / float64(r.Changed)
}

// Reviewer computes reviews from the evidence store and the review marks.
type Reviewer struct {
	Blobs glassbox.BlobStore
	Marks glassbox.ReviewStore
}

// Review compares rel with base, an earlier release of the same product,
// and counts the changed lines that evaluators marked reviewed.
func (c *Reviewer) Review(ctx context.Context, rel, base *glassbox.Release) (*Review, error) {
	if rel.Manifest.Product != base.Manifest.Product || rel.ID == base.ID {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a review compares two releases of one product: %s@%s and %s@%s", rel.Manifest.Product, rel.Manifest.Version, base.Manifest.Product, base.Manifest.Version)
	}
	if c.Marks == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre's store keeps no reviews")
	}
	marks, err := c.Marks.FindReviewMarks(ctx, rel.ID, base.ID)
	if err != nil {
		return nil, err
	}
	marked := map[string]*glassbox.ReviewMark{}
	for _, m := range marks {
		if marked[m.Path] == nil {
			marked[m.Path] = m // the first mark says who reviewed it first
		}
	}
	r := &Review{Release: rel, Base: base}
	for _, ch := range Changes(rel, base) {
		rf, err := c.compare(ctx, ch.Path, ch.Base, ch.Release)
		if err != nil {
			return nil, err
		}
		r.Files = append(r.Files, rf)
	}
	slices.SortFunc(r.Files, func(a, b File) int {
		if a.Path < b.Path {
			return -1
		}
		return 1
	})
	for i := range r.Files {
		f := &r.Files[i]
		f.Reviewed = marked[f.Path]
		r.Changed += f.Lines()
		if f.Reviewed != nil {
			r.Reviewed += f.Lines()
		}
	}
	return r, nil
}

// Change is a file that differs between two releases: its version in
// each (nil where it is absent).
type Change struct {
	Path          string
	Base, Release *glassbox.File
}

// Changes lists the files that differ between base and rel, from their
// manifests alone: added, removed, or with other content, mode or link
// target.
func Changes(rel, base *glassbox.Release) []Change {
	old := map[string]*glassbox.File{}
	for i := range base.Manifest.Source.Files {
		old[base.Manifest.Source.Files[i].Path] = &base.Manifest.Source.Files[i]
	}
	var out []Change
	seen := map[string]bool{}
	for i := range rel.Manifest.Source.Files {
		f := &rel.Manifest.Source.Files[i]
		seen[f.Path] = true
		b := old[f.Path]
		if b == nil || b.Digest != f.Digest || b.Mode != f.Mode || b.Target != f.Target {
			out = append(out, Change{Path: f.Path, Base: b, Release: f})
		}
	}
	for i := range base.Manifest.Source.Files {
		if f := &base.Manifest.Source.Files[i]; !seen[f.Path] {
			out = append(out, Change{Path: f.Path, Base: f})
		}
	}
	return out
}

// compare counts the changed lines of one file (nil: absent on that side).
func (c *Reviewer) compare(ctx context.Context, path string, a, b *glassbox.File) (File, error) {
	rf := File{Path: path, Status: "changed"}
	if a == nil {
		rf.Status = "added"
	} else if b == nil {
		rf.Status = "removed"
	}
	d, err := c.FileDiff(ctx, a, b)
	if err != nil {
		return rf, err
	}
	if d != nil {
		rf.Text = true
		for _, h := range d.Hunks {
			rf.Added += h.B1 - h.B0
			rf.Removed += h.A1 - h.A0
		}
	}
	return rf, nil
}

// FileDiff is the line diff of one file between two releases.
type FileDiff struct {
	Hunks    []diff.Hunk
	Old, New []string // the lines, each with its newline
}

// FileDiff compares two versions of a file (nil: absent) line by line. It
// returns nil when either is not text, is a link, or is larger than
// maxFile.
func (c *Reviewer) FileDiff(ctx context.Context, a, b *glassbox.File) (*FileDiff, error) {
	read := func(f *glassbox.File) ([]byte, bool, error) {
		if f == nil {
			return nil, true, nil
		}
		if f.Mode == glassbox.ModeSymlink || f.Size > maxFile {
			return nil, false, nil
		}
		rc, err := c.Blobs.Open(ctx, f.Digest)
		if err != nil {
			return nil, false, err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxFile+1))
		if err != nil {
			return nil, false, err
		}
		return data, bytes.IndexByte(data, 0) < 0, nil
	}
	old, okA, err := read(a)
	if err != nil || !okA {
		return nil, err
	}
	cur, okB, err := read(b)
	if err != nil || !okB {
		return nil, err
	}
	hs, la, lb, _ := diff.Lines(old, cur, maxReviewEdits)
	return &FileDiff{Hunks: hs, Old: la, New: lb}, nil
}

// MarkReviewed records that evaluator reviewed the changes to path between
// base and rel; path must be one of the review's changed files.
func (c *Reviewer) MarkReviewed(ctx context.Context, rel, base *glassbox.Release, evaluator, path string) (*glassbox.ReviewMark, error) {
	if c.Marks == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre's store keeps no reviews")
	}
	if !slices.ContainsFunc(Changes(rel, base), func(ch Change) bool { return ch.Path == path }) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "%s did not change between %s and %s", path, base.Manifest.Version, rel.Manifest.Version)
	}
	m := &glassbox.ReviewMark{Release: rel.ID, Base: base.ID, Path: path, Evaluator: evaluator}
	if err := c.Marks.MarkReviewed(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Mark returns the first mark on path in the review of rel against base,
// or nil if nobody marked it reviewed.
func (c *Reviewer) Mark(ctx context.Context, rel, base *glassbox.Release, path string) (*glassbox.ReviewMark, error) {
	if c.Marks == nil {
		return nil, nil
	}
	marks, err := c.Marks.FindReviewMarks(ctx, rel.ID, base.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range marks {
		if m.Path == path {
			return m, nil
		}
	}
	return nil, nil
}

// Previous returns the newest release of rel's product submitted before
// it, or nil if there is none: the base of rel's review.
func Previous(ctx context.Context, releases glassbox.ReleaseStore, rel *glassbox.Release) (*glassbox.Release, error) {
	rels, err := releases.FindReleases(ctx, glassbox.ReleaseFilter{Product: rel.Manifest.Product, Limit: 1000})
	if err != nil {
		return nil, err
	}
	return PreviousIn(rels, rel), nil
}

// PreviousIn is Previous among rels, which may hold other products too.
func PreviousIn(rels []*glassbox.Release, rel *glassbox.Release) *glassbox.Release {
	var base *glassbox.Release
	for _, x := range rels {
		if x.ID != rel.ID && x.Manifest.Product == rel.Manifest.Product && x.SubmittedAt.Before(rel.SubmittedAt) && (base == nil || x.SubmittedAt.After(base.SubmittedAt)) {
			base = x
		}
	}
	return base
}

// Summary is what an evaluation reports of a release's review: the base,
// and the changed and reviewed lines and files.
type Summary struct {
	Base          glassbox.Digest `json:"base"`
	BaseVersion   string          `json:"base_version"`
	Changed       int             `json:"changed_lines"`
	Reviewed      int             `json:"reviewed_lines"`
	Files         int             `json:"files"`
	FilesReviewed int             `json:"files_reviewed"`
}

// Coverage is the share of changed lines reviewed, from 0 to 1.
func (s *Summary) Coverage() float64 {
	if s.Changed == 0 {
		return 1
	}
	return float64(s.Reviewed) / float64(s.Changed)
}

// Summarise returns the summary of the review.
func (r *Review) Summarise() *Summary {
	s := &Summary{Base: r.Base.ID, BaseVersion: r.Base.Manifest.Version, Changed: r.Changed, Reviewed: r.Reviewed, Files: len(r.Files)}
	for _, f := range r.Files {
		if f.Reviewed != nil {
			s.FilesReviewed++
		}
	}
	return s
}
