package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"glassbox.dev"
)

// Bounds on what a judgement records: names are names, and a note is a
// paragraph or a few, not a place for documents (those are evidence).
const (
	maxJudgementName = 256
	maxJudgementNote = 64 << 10
)

var _ glassbox.JudgementStore = (*Store)(nil)

// RecordJudgement adds an evaluator's judgement on a control. Nothing is
// ever replaced: the newest judgement on a control is the one in force.
// If j.At is zero the current time is recorded; a time another judgement
// on the same control already has is moved on by a nanosecond, so that the
// order of a control's judgements is never ambiguous. On success j.At is
// the recorded time, in UTC. The release must exist (ENOTFOUND).
func (s *Store) RecordJudgement(ctx context.Context, j *glassbox.Judgement) error {
	if j == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no judgement to record")
	}
	if err := j.Release.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record judgement: release id: %w", err)
	}
	for _, f := range []struct{ what, v string }{{"catalog", j.Catalog}, {"control", j.Control}, {"evaluator", j.Evaluator}} {
		if err := validName(f.what, f.v); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "record judgement on %s: %w", j.Release, err)
		}
	}
	if err := validNote("the note", j.Note); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record judgement on %s: %w", j.Release, err)
	}
	at := j.At
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC()
	nanos, err := unixNanos("judgement time", at)
	if err != nil {
		return err
	}
	satisfied := 0
	if j.Satisfied {
		satisfied = 1
	}
	var recorded int64
	err = s.retryRace(func() error { return s.recordJudgement(ctx, j, nanos, satisfied, &recorded) })
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			return err
		}
		return s.errorf("record judgement on %s %s of release %s: %w", j.Catalog, j.Control, j.Release, err)
	}
	j.At = time.Unix(0, recorded).UTC()
	return nil
}

// validNote checks an evaluator's note (a judgement's, a triage's reason).
func validNote(what, note string) error {
	if len(note) > maxJudgementNote || !utf8.ValidString(note) || strings.IndexFunc(note, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
	}) >= 0 {
		return fmt.Errorf("%s must be UTF-8 text of at most %d bytes, without control characters other than line breaks and tabs", what, maxJudgementNote)
	}
	return nil
}

// retryRace runs record, which inserts at a free instant, again when a
// concurrent insert took the instant first.
func (s *Store) retryRace(record func() error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = record()
		if err == nil || attempt == 8 || glassbox.ErrorCode(err) == glassbox.ENOTFOUND || !s.d.IsUniqueViolation(err) {
			return err
		}
	}
}

// freeInstant returns the first instant at or after nanos that query
// (which lists the taken ones at or after its last argument, in order)
// does not list: concurrent records of one thing can pick the same
// instant, and the loser of the race takes the next free one.
func (s *Store) freeInstant(ctx context.Context, tx *sql.Tx, query string, nanos int64, args ...any) (int64, error) {
	rows, err := tx.QueryContext(ctx, s.q(query), append(args, nanos)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	free := nanos
	for rows.Next() {
		var taken int64
		if err := rows.Scan(&taken); err != nil {
			return 0, err
		}
		if taken == free {
			free++
		}
	}
	return free, rows.Err()
}

// releaseExists is ENOTFOUND unless release is stored.
func (s *Store) releaseExists(ctx context.Context, tx *sql.Tx, release glassbox.Digest) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM releases WHERE id = ?`), string(release)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return glassbox.Errorf(glassbox.ENOTFOUND, "no release has id %s", release)
	}
	return err
}

func (s *Store) recordJudgement(ctx context.Context, j *glassbox.Judgement, nanos int64, satisfied int, recorded *int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.releaseExists(ctx, tx, j.Release)
		if err != nil {
			return err
		}
		if *recorded, err = s.freeInstant(ctx, tx, `SELECT judged_at FROM judgements WHERE release_id = ? AND catalog = ? AND control = ? AND judged_at >= ? ORDER BY judged_at`,
			nanos, string(j.Release), j.Catalog, j.Control); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO judgements (release_id, catalog, control, judged_at, satisfied, note, evaluator) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			string(j.Release), j.Catalog, j.Control, *recorded, satisfied, j.Note, j.Evaluator)
		return err
	})
}

// FindJudgements returns every judgement recorded about a release, oldest
// first (superseded ones included), or none when there are none or no such
// release.
func (s *Store) FindJudgements(ctx context.Context, release glassbox.Digest) ([]*glassbox.Judgement, error) {
	if err := release.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "find judgements: release id: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT catalog, control, judged_at, satisfied, note, evaluator FROM judgements WHERE release_id = ? ORDER BY judged_at, catalog, control`),
		string(release))
	if err != nil {
		return nil, s.errorf("find judgements on release %s: %w", release, err)
	}
	defer rows.Close()
	out := []*glassbox.Judgement{}
	for rows.Next() {
		j := &glassbox.Judgement{Release: release}
		var nanos, satisfied int64
		if err := rows.Scan(&j.Catalog, &j.Control, &nanos, &satisfied, &j.Note, &j.Evaluator); err != nil {
			return nil, s.errorf("find judgements on release %s: %w", release, err)
		}
		j.At = time.Unix(0, nanos).UTC()
		j.Satisfied = satisfied == 1
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("find judgements on release %s: %w", release, err)
	}
	return out, nil
}

// validName checks a catalog id, control id or evaluator name: 1 to 256
// bytes of UTF-8 without control characters.
func validName(what, v string) error {
	if strings.TrimSpace(v) == "" || len(v) > maxJudgementName || !utf8.ValidString(v) {
		return glassbox.Errorf(glassbox.EINVALID, "%s %q: want 1 to %d bytes of UTF-8 text", what, v, maxJudgementName)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return glassbox.Errorf(glassbox.EINVALID, "%s %q contains a control character", what, v)
		}
	}
	return nil
}
