package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"glassbox.dev"
)

// Bounds on what a passkey row may hold: a credential record is a public
// key and a few flags, a few kilobytes at most.
const (
	maxPasskeyID     = 1400 // base64url of WebAuthn's 1023-byte limit
	maxCredential    = 64 << 10
	maxCeremonyBytes = 64 << 10
)

// AddPasskey keeps k, in one transaction with the administrative action a.
func (s *Store) AddPasskey(ctx context.Context, k *glassbox.Passkey, a glassbox.AdminAction) error {
	if k == nil || k.ID == "" || len(k.ID) > maxPasskeyID || len(k.Credential) == 0 || len(k.Credential) > maxCredential || len(k.Name) > glassbox.MaxPartyName {
		return glassbox.Errorf(glassbox.EINVALID, "add a passkey: the credential is empty or too large")
	}
	c := created(k.Created)
	nanos, err := unixNanos("passkey creation", c)
	if err != nil {
		return err
	}
	err = s.change(ctx, "add a passkey of "+k.UserID, a, func(tx *sql.Tx) error {
		if err := s.check(ctx, tx, true, glassbox.Errorf(glassbox.ENOTFOUND, "there is no user %q", k.UserID),
			`SELECT 1 FROM users WHERE id = ?`, k.UserID); err != nil {
			return err
		}
		if err := s.check(ctx, tx, false, glassbox.Errorf(glassbox.ECONFLICT, "that passkey is already registered"),
			`SELECT 1 FROM passkeys WHERE id = ?`, k.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO passkeys (id, user_id, name, credential, created) VALUES (?, ?, ?, ?, ?)`),
			k.ID, k.UserID, k.Name, string(k.Credential), nanos)
		return err
	})
	if err == nil {
		k.Created = c
	}
	return err
}

func scanPasskey(rows interface{ Scan(...any) error }) (*glassbox.Passkey, error) {
	var k glassbox.Passkey
	var cred string
	var cnanos int64
	var used sql.NullInt64
	if err := rows.Scan(&k.ID, &k.UserID, &k.Name, &cred, &cnanos, &used); err != nil {
		return nil, err
	}
	k.Credential, k.Created, k.LastUsed = []byte(cred), time.Unix(0, cnanos).UTC(), nullTime(used)
	return &k, nil
}

// Passkeys lists userID's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, userID string) ([]*glassbox.Passkey, error) {
	return list(ctx, s, "list the passkeys of "+userID,
		`SELECT id, user_id, name, credential, created, last_used FROM passkeys WHERE user_id = ? ORDER BY created, id`,
		[]any{userID}, func(rows *sql.Rows) (*glassbox.Passkey, error) { return scanPasskey(rows) })
}

// FindPasskey returns the passkey with credential ID id, or ENOTFOUND.
func (s *Store) FindPasskey(ctx context.Context, id string) (*glassbox.Passkey, error) {
	k, err := scanPasskey(s.db.QueryRowContext(ctx, s.q(`SELECT id, user_id, name, credential, created, last_used FROM passkeys WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no such passkey")
	}
	if err != nil {
		return nil, s.errorf("find a passkey: %w", err)
	}
	return k, nil
}

// UsePasskey records a sign-in with passkey id and its credential record
// as it now stands.
func (s *Store) UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error {
	if len(credential) == 0 || len(credential) > maxCredential {
		return glassbox.Errorf(glassbox.EINVALID, "use a passkey: the credential is empty or too large")
	}
	nanos, err := unixNanos("passkey use", created(at))
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE passkeys SET credential = ?, last_used = ? WHERE id = ?`), string(credential), nanos, id)
	if err != nil {
		return s.errorf("record the use of a passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return glassbox.Errorf(glassbox.ENOTFOUND, "there is no such passkey")
	}
	return nil
}

// RemovePasskey removes userID's passkey id, with the administrative
// action a.
func (s *Store) RemovePasskey(ctx context.Context, userID, id string, a glassbox.AdminAction) error {
	return s.change(ctx, "remove a passkey of "+userID, a, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM passkeys WHERE id = ? AND user_id = ?`), id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return glassbox.Errorf(glassbox.ENOTFOUND, "user %s has no such passkey", userID)
		}
		return nil
	})
}

// SaveCeremony keeps c until it is taken or expires; ceremonies that
// expired an hour before c will are forgotten on the way (by the caller's
// clock, which is c's).
func (s *Store) SaveCeremony(ctx context.Context, c *glassbox.Ceremony) error {
	if len(c.Data) == 0 || len(c.Data) > maxCeremonyBytes {
		return glassbox.Errorf(glassbox.EINVALID, "begin a passkey ceremony: the session data is empty or too large")
	}
	exp, err := unixNanos("ceremony expiry", c.Expires.UTC())
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM passkey_ceremonies WHERE expires < ?`), exp-int64(time.Hour)); err != nil {
			return s.errorf("forget expired passkey ceremonies: %w", err)
		}
		var user any
		if c.UserID != "" {
			user = c.UserID
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO passkey_ceremonies (hash, kind, user_id, data, expires) VALUES (?, ?, ?, ?, ?)`),
			hex.EncodeToString(c.Hash[:]), c.Kind, user, string(c.Data), exp); err != nil {
			return s.errorf("begin a passkey ceremony: %w", err)
		}
		return nil
	})
}

// TakeCeremony returns the ceremony whose secret hashes to h and deletes
// it, in one statement, so that two requests racing with the same cookie
// cannot both have it.
func (s *Store) TakeCeremony(ctx context.Context, h [32]byte, now time.Time) (*glassbox.Ceremony, error) {
	c := glassbox.Ceremony{Hash: h}
	var user sql.NullString
	var data string
	var exp int64
	err := s.db.QueryRowContext(ctx, s.q(`DELETE FROM passkey_ceremonies WHERE hash = ? RETURNING kind, user_id, data, expires`), hex.EncodeToString(h[:])).
		Scan(&c.Kind, &user, &data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no such passkey ceremony")
	}
	if err != nil {
		return nil, s.errorf("take a passkey ceremony: %w", err)
	}
	c.UserID, c.Data, c.Expires = user.String, []byte(data), time.Unix(0, exp).UTC()
	if !now.Before(c.Expires) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "the passkey ceremony has expired")
	}
	return &c, nil
}
