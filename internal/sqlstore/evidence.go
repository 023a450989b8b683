package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"glassbox.dev"
)

// maxEvidenceKind bounds the kind of a piece of evidence: a short name such
// as "scan/sarif", not a place for data.
const maxEvidenceKind = 64

// RecordEvidence records that the blob d is evidence of the given kind
// about a release, for example the SARIF of a scan of it. Recording the
// same evidence again changes nothing (and keeps the first time). The
// release must exist (ENOTFOUND otherwise); the blob is not looked for,
// since it lives in the evidence store, which the caller writes first.
func (s *Store) RecordEvidence(ctx context.Context, release glassbox.Digest, kind string, d glassbox.Digest) error {
	if err := release.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record evidence: release id: %w", err)
	}
	if err := d.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record evidence about %s: %w", release, err)
	}
	if err := validKind(kind); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record evidence about %s: %w", release, err)
	}
	nanos, err := unixNanos("evidence time", time.Now().UTC())
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Checked here rather than left to the foreign key, so that the
		// error says what is missing on both databases alike.
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM releases WHERE id = ?`), string(release)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return glassbox.Errorf(glassbox.ENOTFOUND, "no release has id %s", release)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO release_evidence (release_id, kind, digest, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (release_id, kind, digest) DO NOTHING`), string(release), kind, string(d), nanos)
		return err
	})
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			return err
		}
		return s.errorf("record %s evidence %s about release %s: %w", kind, d, release, err)
	}
	return nil
}

// FindEvidence returns the digests of the evidence of a kind recorded about
// a release, oldest first (by digest when recorded at the same time). It
// returns none, and no error, for a release with no such evidence or no
// release at all.
func (s *Store) FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error) {
	if err := release.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "find evidence: release id: %w", err)
	}
	if err := validKind(kind); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "find evidence about %s: %w", release, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT digest FROM release_evidence WHERE release_id = ? AND kind = ? ORDER BY created_at, digest`),
		string(release), kind)
	if err != nil {
		return nil, s.errorf("find %s evidence about release %s: %w", kind, release, err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, s.errorf("find %s evidence about release %s: %w", kind, release, err)
	}
	return ids, nil
}

func validKind(kind string) error {
	if kind == "" || len(kind) > maxEvidenceKind {
		return glassbox.Errorf(glassbox.EINVALID, "evidence kind %q: want 1 to %d characters", kind, maxEvidenceKind)
	}
	for _, c := range kind {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '/' || c == '.' || c == '_') {
			return glassbox.Errorf(glassbox.EINVALID, "evidence kind %q: want lower-case letters, digits and - / . _", kind)
		}
	}
	return nil
}
