package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"glassbox.dev"
)

var _ glassbox.ReviewStore = (*Store)(nil)

// MarkReviewed adds a review mark; a time another mark on the same file
// of the same review has is moved on by a nanosecond.
func (s *Store) MarkReviewed(ctx context.Context, m *glassbox.ReviewMark) error {
	if m == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no review mark to record")
	}
	for _, d := range []glassbox.Digest{m.Release, m.Base} {
		if err := d.Validate(); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "mark reviewed: release id: %w", err)
		}
	}
	if m.Release == m.Base {
		return glassbox.Errorf(glassbox.EINVALID, "mark reviewed: a release is compared with another, not itself")
	}
	if err := glassbox.ValidatePath(m.Path); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "mark reviewed: path: %w", err)
	}
	if err := validName("evaluator", m.Evaluator); err != nil {
		return err
	}
	at := m.At
	if at.IsZero() {
		at = time.Now()
	}
	nanos, err := unixNanos("review time", at.UTC())
	if err != nil {
		return err
	}
	var recorded int64
	err = s.retryRace(func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			for _, d := range []glassbox.Digest{m.Release, m.Base} {
				if err := s.releaseExists(ctx, tx, d); err != nil {
					return err
				}
			}
			var err error
			if recorded, err = s.freeInstant(ctx, tx, `SELECT marked_at FROM review_marks WHERE release_id = ? AND base_id = ? AND path = ? AND marked_at >= ? ORDER BY marked_at`,
				nanos, string(m.Release), string(m.Base), m.Path); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO review_marks (release_id, base_id, path, marked_at, evaluator) VALUES (?, ?, ?, ?, ?)`),
				string(m.Release), string(m.Base), m.Path, recorded, m.Evaluator)
			return err
		})
	})
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			return err
		}
		return s.errorf("mark %s reviewed: %w", m.Path, err)
	}
	m.At = time.Unix(0, recorded).UTC()
	return nil
}

// FindReviewMarks returns the marks of the review of release against base,
// oldest first.
func (s *Store) FindReviewMarks(ctx context.Context, release, base glassbox.Digest) ([]*glassbox.ReviewMark, error) {
	return list(ctx, s, "find review marks", `SELECT path, marked_at, evaluator FROM review_marks WHERE release_id = ? AND base_id = ? ORDER BY marked_at, path`,
		[]any{string(release), string(base)}, func(rows *sql.Rows) (*glassbox.ReviewMark, error) {
			m := glassbox.ReviewMark{Release: release, Base: base}
			var nanos int64
			err := rows.Scan(&m.Path, &nanos, &m.Evaluator)
			m.At = time.Unix(0, nanos).UTC()
			return &m, err
		})
}
