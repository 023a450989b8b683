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

// CreatePointer points name to d if it points nowhere yet: a pointer that
// is never moved (a stored catalog). Pointing it again to the same d
// changes nothing; to another is ECONFLICT, whichever process came first.
func (s *Store) CreatePointer(ctx context.Context, name string, d glassbox.Digest) error {
	if err := d.Validate(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO pointers (name, digest, updated) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`), name, string(d), time.Now().UnixNano())
	if err != nil {
		return s.errorf("create pointer %s: %w", name, err)
	}
	cur, err := s.Pointer(ctx, name)
	if err != nil {
		return err
	}
	if cur != d {
		return glassbox.Errorf(glassbox.ECONFLICT, "%s points to %s already", name, cur)
	}
	return nil
}

// Pointers returns the pointers whose names start with prefix, by name.
func (s *Store) Pointers(ctx context.Context, prefix string) (map[string]glassbox.Digest, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, digest FROM pointers WHERE substr(name, 1, ?) = ? ORDER BY name`), len(prefix), prefix)
	if err != nil {
		return nil, s.errorf("list pointers %s…: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string]glassbox.Digest{}
	for rows.Next() {
		var name, d string
		if err := rows.Scan(&name, &d); err != nil {
			return nil, s.errorf("list pointers %s…: %w", prefix, err)
		}
		out[name] = glassbox.Digest(d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list pointers %s…: %w", prefix, err)
	}
	return out, nil
}
