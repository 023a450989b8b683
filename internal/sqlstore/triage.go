package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"glassbox.dev"
)

var _ glassbox.TriageStore = (*Store)(nil)

// RecordTriage adds an evaluator's decision on a finding. Nothing is ever
// replaced: the newest decision on a finding is the one in force; a time
// another decision on the finding has is moved on by a nanosecond. A
// dismissal needs a reason. The release must exist (ENOTFOUND).
func (s *Store) RecordTriage(ctx context.Context, t *glassbox.Triage) error {
	if t == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no decision to record")
	}
	if err := t.Release.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record triage: release id: %w", err)
	}
	for _, f := range []struct{ what, v string }{{"fingerprint", t.Fingerprint}, {"rule", t.RuleID}, {"evaluator", t.Evaluator}} {
		if err := validName(f.what, f.v); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "record triage on %s: %w", t.Release, err)
		}
	}
	if err := glassbox.ValidatePath(t.Path); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record triage on %s: path: %w", t.Release, err)
	}
	if err := validNote("the reason", t.Reason); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "record triage on %s: %w", t.Release, err)
	}
	if t.Dismissed && t.Reason == "" {
		return glassbox.Errorf(glassbox.EINVALID, "record triage on %s: a dismissal needs a reason", t.Release)
	}
	at := t.At
	if at.IsZero() {
		at = time.Now()
	}
	nanos, err := unixNanos("triage time", at.UTC())
	if err != nil {
		return err
	}
	dismissed := 0
	if t.Dismissed {
		dismissed = 1
	}
	var recorded int64
	err = s.retryRace(func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.releaseExists(ctx, tx, t.Release); err != nil {
				return err
			}
			var err error
			if recorded, err = s.freeInstant(ctx, tx, `SELECT decided_at FROM finding_triage WHERE release_id = ? AND fingerprint = ? AND decided_at >= ? ORDER BY decided_at`,
				nanos, string(t.Release), t.Fingerprint); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO finding_triage (release_id, fingerprint, decided_at, rule_id, path, line, dismissed, reason, evaluator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				string(t.Release), t.Fingerprint, recorded, t.RuleID, t.Path, t.Line, dismissed, t.Reason, t.Evaluator)
			return err
		})
	})
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			return err
		}
		return s.errorf("record triage of finding %s of release %s: %w", t.Fingerprint, t.Release, err)
	}
	t.At = time.Unix(0, recorded).UTC()
	return nil
}

// FindTriage returns every decision recorded about a release's findings,
// oldest first.
func (s *Store) FindTriage(ctx context.Context, release glassbox.Digest) ([]*glassbox.Triage, error) {
	if err := release.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "find triage: release id: %w", err)
	}
	return list(ctx, s, "find triage of release "+string(release),
		`SELECT fingerprint, decided_at, rule_id, path, line, dismissed, reason, evaluator FROM finding_triage WHERE release_id = ? ORDER BY decided_at, fingerprint`,
		[]any{string(release)}, func(rows *sql.Rows) (*glassbox.Triage, error) {
			t := glassbox.Triage{Release: release}
			var nanos, dismissed int64
			err := rows.Scan(&t.Fingerprint, &nanos, &t.RuleID, &t.Path, &t.Line, &dismissed, &t.Reason, &t.Evaluator)
			t.At, t.Dismissed = time.Unix(0, nanos).UTC(), dismissed == 1
			return &t, err
		})
}
