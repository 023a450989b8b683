package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"glassbox.dev"
)

var _ glassbox.AttestationStore = (*Store)(nil)

// attestationRow is an attestation as RecordAttestations writes it.
type attestationRow struct {
	a        *glassbox.Attestation // the caller's, which gets the recorded time
	at       time.Time             // LoggedAt as recorded: in UTC, the current time if none was given
	nanos    int64
	subjects []glassbox.Digest // sorted, without repeats
}

// RecordAttestations records atts, read from the transparency log up to (not
// including) index next, and moves the watermark to next, all in one
// transaction. Any attestation that is not valid, or an index past what the
// store can record, is an EINVALID error, and then nothing is written.
//
// An envelope already recorded keeps its first index and everything else
// recorded about it; so does an envelope that atts holds more than once,
// at the lowest index it is given. The watermark never moves backwards: a
// next below it leaves it where it is.
//
// An attestation whose LoggedAt is zero is recorded at the current time. On
// success the LoggedAt of each attestation that was recorded is set to the
// recorded time, in UTC, exactly as FindAttestation will return it; the
// attestations that were already recorded are left as they were given.
func (s *Store) RecordAttestations(ctx context.Context, atts []*glassbox.Attestation, next uint64) error {
	if next > math.MaxInt64 {
		return glassbox.Errorf(glassbox.EINVALID, "log index %d is past the largest the store can record, %d", next, int64(math.MaxInt64))
	}
	now := time.Now().UTC()
	rows := make([]attestationRow, 0, len(atts))
	first := make(map[glassbox.Digest]int, len(atts)) // envelope → its row
	for i, a := range atts {
		r, err := newAttestationRow(a, next, now)
		if err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "attestation %d of %d: %w", i+1, len(atts), err)
		}
		if j, ok := first[a.EnvelopeDigest]; ok {
			if a.LogIndex < rows[j].a.LogIndex {
				rows[j] = r
			}
			continue
		}
		first[a.EnvelopeDigest] = len(rows)
		rows = append(rows, r)
	}
	// In the order of the primary key, so that concurrent writers of the
	// same envelopes take their locks in the same order and cannot
	// deadlock.
	slices.SortFunc(rows, func(x, y attestationRow) int {
		return strings.Compare(string(x.a.EnvelopeDigest), string(y.a.EnvelopeDigest))
	})

	var added map[string]bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		added = make(map[string]bool, len(rows))
		err := s.insertRows(`INSERT INTO attestations (envelope_digest, log_index, predicate_type, key_id, logged_at) VALUES`,
			`ON CONFLICT (envelope_digest) DO NOTHING RETURNING envelope_digest`, 5, len(rows),
			func(args []any, i int) []any {
				a := rows[i].a
				return append(args, string(a.EnvelopeDigest), int64(a.LogIndex), a.PredicateType, a.KeyID, rows[i].nanos)
			},
			func(query string, args []any) error {
				return s.collect(ctx, tx, query, args, added)
			})
		if err != nil {
			return err
		}
		// The subjects of the envelopes this call added; those recorded
		// before keep the subjects they were recorded with.
		type subjectRow struct{ subject, envelope glassbox.Digest }
		var subjects []subjectRow
		for _, r := range rows {
			if added[string(r.a.EnvelopeDigest)] {
				for _, d := range r.subjects {
					subjects = append(subjects, subjectRow{d, r.a.EnvelopeDigest})
				}
			}
		}
		err = s.insertRows(`INSERT INTO attestation_subjects (subject_digest, envelope_digest) VALUES`, "", 2, len(subjects),
			func(args []any, i int) []any {
				return append(args, string(subjects[i].subject), string(subjects[i].envelope))
			},
			func(query string, args []any) error {
				_, err := tx.ExecContext(ctx, query, args...)
				return err
			})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO log_state (id, next_index) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET next_index = CASE
				WHEN excluded.next_index > log_state.next_index THEN excluded.next_index
				ELSE log_state.next_index END`), int64(next))
		return err
	})
	if err != nil {
		return s.errorf("record %d attestations up to log index %d: %w", len(atts), next, err)
	}
	for _, r := range rows {
		if added[string(r.a.EnvelopeDigest)] {
			r.a.LoggedAt = r.at
		}
	}
	return nil
}

// newAttestationRow checks a, which was read from the log before index
// next, and returns what to record of it.
func newAttestationRow(a *glassbox.Attestation, next uint64, now time.Time) (attestationRow, error) {
	if a == nil {
		return attestationRow{}, errors.New("no attestation")
	}
	if err := a.EnvelopeDigest.Validate(); err != nil {
		return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope digest: %w", err)
	}
	if a.LogIndex >= next {
		return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope %s is at log index %d, not before %d, where the entries read end", a.EnvelopeDigest, a.LogIndex, next)
	}
	if a.PredicateType == "" {
		return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope %s has no predicate type", a.EnvelopeDigest)
	}
	if a.KeyID == "" {
		return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope %s has no key id", a.EnvelopeDigest)
	}
	if len(a.Subjects) == 0 {
		return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope %s has no subjects", a.EnvelopeDigest)
	}
	for i, d := range a.Subjects {
		if err := d.Validate(); err != nil {
			return attestationRow{}, glassbox.Errorf(glassbox.EINVALID, "envelope %s: subject %d: %w", a.EnvelopeDigest, i+1, err)
		}
	}
	at := a.LoggedAt
	if at.IsZero() {
		at = now
	}
	at = at.UTC() // also drops the monotonic clock reading
	nanos, err := unixNanos("envelope "+string(a.EnvelopeDigest)+": log time", at)
	if err != nil {
		return attestationRow{}, err
	}
	subjects := slices.Clone(a.Subjects)
	slices.Sort(subjects)
	return attestationRow{a: a, at: at, nanos: nanos, subjects: slices.Compact(subjects)}, nil
}

// collect runs an INSERT … RETURNING envelope_digest and adds the envelopes
// it inserted to added.
func (s *Store) collect(ctx context.Context, tx *sql.Tx, query string, args []any, added map[string]bool) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return err
		}
		added[d] = true
	}
	return rows.Err()
}

// LogWatermark returns the index of the first log entry not yet recorded:
// 0 before anything was.
func (s *Store) LogWatermark(ctx context.Context) (uint64, error) {
	var next int64
	err := s.db.QueryRowContext(ctx, `SELECT next_index FROM log_state WHERE id = 1`).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.errorf("read the log watermark: %w", err)
	}
	if next < 0 {
		return 0, glassbox.Errorf(glassbox.ECORRUPT, "%s: the log watermark is %d; the database was changed outside glassbox", s.d.Name, next)
	}
	return uint64(next), nil
}

// The columns scanAttestations reads: one row per subject of each
// attestation, o being the attestation's subjects.
const attestationColumns = `a.envelope_digest, a.log_index, a.predicate_type, a.key_id, a.logged_at, o.subject_digest`

// FindAttestation returns the attestation of an envelope, or an ENOTFOUND
// error.
func (s *Store) FindAttestation(ctx context.Context, envelope glassbox.Digest) (*glassbox.Attestation, error) {
	if err := envelope.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "envelope digest: %w", err)
	}
	atts, err := s.findAttestations(ctx, "find the attestation of envelope "+string(envelope), `SELECT `+attestationColumns+`
		FROM attestations a
		JOIN attestation_subjects o ON o.envelope_digest = a.envelope_digest
		WHERE a.envelope_digest = ?`, envelope)
	if err != nil {
		return nil, err
	}
	if len(atts) == 0 {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no attestation of envelope %s in the log", envelope)
	}
	return atts[0], nil
}

// FindAttestations lists the attestations about a subject in the order of
// their log indexes, each with all its subjects; none is an empty list.
func (s *Store) FindAttestations(ctx context.Context, subject glassbox.Digest) ([]*glassbox.Attestation, error) {
	if err := subject.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "subject digest: %w", err)
	}
	return s.findAttestations(ctx, "find the attestations about "+string(subject), `SELECT `+attestationColumns+`
		FROM attestation_subjects s
		JOIN attestations a ON a.envelope_digest = s.envelope_digest
		JOIN attestation_subjects o ON o.envelope_digest = a.envelope_digest
		WHERE s.subject_digest = ?`, subject)
}

// findAttestations runs a query of attestationColumns with one argument and
// returns the attestations it finds, by log index, each with its subjects
// sorted. Its errors say that it failed to do what.
func (s *Store) findAttestations(ctx context.Context, what, query string, arg glassbox.Digest) ([]*glassbox.Attestation, error) {
	// Ordered so that the rows of each attestation come together. The
	// subjects are sorted here, by bytes, whatever the collation.
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY a.log_index, a.envelope_digest`), string(arg))
	if err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	defer rows.Close()
	atts := []*glassbox.Attestation{}
	var last *glassbox.Attestation
	for rows.Next() {
		var envelope, predicate, key, subject string
		var index, nanos int64
		if err := rows.Scan(&envelope, &index, &predicate, &key, &nanos, &subject); err != nil {
			return nil, s.errorf("%s: %w", what, err)
		}
		if last == nil || string(last.EnvelopeDigest) != envelope {
			if index < 0 {
				return nil, glassbox.Errorf(glassbox.ECORRUPT, "%s: envelope %s is recorded at log index %d; the database was changed outside glassbox", s.d.Name, envelope, index)
			}
			last = &glassbox.Attestation{
				EnvelopeDigest: glassbox.Digest(envelope),
				PredicateType:  predicate,
				KeyID:          key,
				LogIndex:       uint64(index),
				LoggedAt:       time.Unix(0, nanos).UTC(),
			}
			atts = append(atts, last)
		}
		last.Subjects = append(last.Subjects, glassbox.Digest(subject))
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	for _, a := range atts {
		slices.Sort(a.Subjects)
	}
	return atts, nil
}
