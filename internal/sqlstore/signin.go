package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"glassbox.dev"
)

var _ glassbox.SignInStore = (*Store)(nil)

// SetPassword keeps userID's password hash and ends the user's sessions,
// in one transaction with the administrative action a.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, a glassbox.AdminAction) error {
	if hash == "" || len(hash) > 512 {
		return glassbox.Errorf(glassbox.EINVALID, "set password of %s: not a password hash", userID)
	}
	now := time.Now().UTC().UnixNano()
	return s.change(ctx, "set password of "+userID, a, func(tx *sql.Tx) error {
		if err := s.check(ctx, tx, true, glassbox.Errorf(glassbox.ENOTFOUND, "there is no user %q", userID),
			`SELECT 1 FROM users WHERE id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM user_passwords WHERE user_id = ?`), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO user_passwords (user_id, hash, changed) VALUES (?, ?, ?)`), userID, hash, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE web_sessions SET ended = ? WHERE user_id = ? AND ended IS NULL`), now, userID)
		return err
	})
}

// PasswordHash returns userID's password hash, or ENOTFOUND.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	var hash string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT hash FROM user_passwords WHERE user_id = ?`), userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", glassbox.Errorf(glassbox.ENOTFOUND, "user %s has no password", userID)
	}
	if err != nil {
		return "", s.errorf("read the password of %s: %w", userID, err)
	}
	return hash, nil
}

// CreateSession records a new session.
func (s *Store) CreateSession(ctx context.Context, ses *glassbox.Session) error {
	c := created(ses.Created)
	nanos, err := unixNanos("session start", c)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO web_sessions (hash, user_id, csrf, created, last_seen) VALUES (?, ?, ?, ?, ?)`),
		hex.EncodeToString(ses.Hash[:]), ses.UserID, ses.CSRF, nanos, nanos)
	if err != nil {
		return s.errorf("start a session of %s: %w", ses.UserID, err)
	}
	ses.Created, ses.LastSeen = c, c
	ses.ID = hex.EncodeToString(ses.Hash[:8])
	return nil
}

// FindSession returns the session whose secret hashes to h, or ENOTFOUND.
func (s *Store) FindSession(ctx context.Context, h [32]byte) (*glassbox.Session, error) {
	ses := glassbox.Session{Hash: h, ID: hex.EncodeToString(h[:8])}
	var cnanos, snanos int64
	var ended sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT user_id, csrf, created, last_seen, ended FROM web_sessions WHERE hash = ?`), hex.EncodeToString(h[:])).
		Scan(&ses.UserID, &ses.CSRF, &cnanos, &snanos, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no such session")
	}
	if err != nil {
		return nil, s.errorf("find a session: %w", err)
	}
	ses.Created, ses.LastSeen, ses.Ended = time.Unix(0, cnanos).UTC(), time.Unix(0, snanos).UTC(), nullTime(ended)
	return &ses, nil
}

// TouchSession moves the session's last activity forward, at most once a
// minute.
func (s *Store) TouchSession(ctx context.Context, h [32]byte, at time.Time) error {
	nanos, err := unixNanos("session activity", created(at))
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.q(`UPDATE web_sessions SET last_seen = ? WHERE hash = ? AND last_seen <= ?`),
		nanos, hex.EncodeToString(h[:]), nanos-int64(time.Minute))
	if err != nil {
		return s.errorf("record session activity: %w", err)
	}
	return nil
}

// EndSession ends a session (signing out); ending an ended one changes
// nothing.
func (s *Store) EndSession(ctx context.Context, h [32]byte, at time.Time) error {
	nanos, err := unixNanos("session end", created(at))
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE web_sessions SET ended = ? WHERE hash = ? AND ended IS NULL`), nanos, hex.EncodeToString(h[:])); err != nil {
		return s.errorf("end a session: %w", err)
	}
	return nil
}
