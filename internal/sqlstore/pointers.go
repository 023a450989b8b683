package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"glassbox.dev"
)

// Pointer returns the blob the pointer name points to, or "" if it points
// to none yet.
func (s *Store) Pointer(ctx context.Context, name string) (glassbox.Digest, error) {
	var d string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT digest FROM pointers WHERE name = ?`), name).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", s.errorf("read pointer %s: %w", name, err)
	}
	return glassbox.Digest(d), nil
}

// SetPointer points name to d.
func (s *Store) SetPointer(ctx context.Context, name string, d glassbox.Digest) error {
	if err := d.Validate(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO pointers (name, digest, updated) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, updated = excluded.updated`), name, string(d), time.Now().UnixNano())
	if err != nil {
		return s.errorf("set pointer %s: %w", name, err)
	}
	return nil
}
