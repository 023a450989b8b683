package centre

import (
	"context"

	"glassbox.dev"
	"glassbox.dev/review"
)

// reviewer is the differential review over the centre's stores.
func (c *Centre) reviewer() *review.Reviewer {
	marks, _ := c.Store.(glassbox.ReviewStore)
	return &review.Reviewer{Blobs: c.Blobs, Marks: marks}
}

// Review compares rel with base, an earlier release of its product, and
// counts the changed lines evaluators marked reviewed (package review).
func (c *Centre) Review(ctx context.Context, rel, base *glassbox.Release) (*review.Review, error) {
	return c.reviewer().Review(ctx, rel, base)
}

// FileDiff compares two versions of a file line by line.
func (c *Centre) FileDiff(ctx context.Context, a, b *glassbox.File) (*review.FileDiff, error) {
	return c.reviewer().FileDiff(ctx, a, b)
}

// MarkReviewed records evaluator's review of the changes to path.
func (c *Centre) MarkReviewed(ctx context.Context, rel, base *glassbox.Release, evaluator, path string) (*glassbox.ReviewMark, error) {
	return c.reviewer().MarkReviewed(ctx, rel, base, evaluator, path)
}

// ReviewMark returns who first marked path reviewed in the review of rel
// against base, or nil.
func (c *Centre) ReviewMark(ctx context.Context, rel, base *glassbox.Release, path string) (*glassbox.ReviewMark, error) {
	return c.reviewer().Mark(ctx, rel, base, path)
}
