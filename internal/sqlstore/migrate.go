package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The schema is built by numbered migrations, migrations/NNNN_name.sql, each
// applied once, in order, in its own transaction, and recorded in
// schema_migrations. A migration is never edited once released: a change to
// the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string // the file name, for error messages
	sql     string
}

// loadMigrations returns the migrations in fsys, which must be numbered 1, 2,
// 3, … without gaps, so that a migration lost or duplicated in a merge is
// noticed before it reaches a database.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: want a name NNNN_description.sql", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d; versions must count up from 1 without gaps or repeats", m.name, i+1)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL -- Unix nanoseconds, UTC
)`

// migrate applies the migrations the database lacks.
func (s *Store) migrate(ctx context.Context) error {
	known, err := loadMigrations(migrationFiles)
	if err != nil {
		return s.errorf("migrate: %w", err)
	}
	// Most opens find nothing to do, and finding that out must not take
	// the write lock another process may hold. The read fails when the
	// table does not exist yet; then the locked path below creates it, and
	// reports any other failure.
	recorded, err := s.recordedVersions(ctx)
	if err == nil {
		for v := range recorded {
			if v > len(known) {
				return s.errorf("the database schema is at version %d, which this glassbox does not know (it knows up to %d): the database was written by a newer glassbox; upgrade this one", v, len(known))
			}
		}
	}
	for _, m := range known {
		if recorded[m.version] {
			continue
		}
		applied, err := s.apply(ctx, m)
		if err != nil {
			return s.errorf("migrate: %s: %w", m.name, err)
		}
		if applied {
			s.applied = append(s.applied, m.version)
		}
	}
	return nil
}

func (s *Store) recordedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vs := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs[v] = true
	}
	return vs, rows.Err()
}

// apply applies m unless it already has been, all under the dialect's
// migration lock, so that of several processes opening a new database at
// once exactly one applies each migration and the others wait and see it
// done.
func (s *Store) apply(ctx context.Context, m migration) (applied bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.LockMigrations != nil {
			if err := s.d.LockMigrations(ctx, tx); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // another opener applied it while we waited for the lock
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			m.version, time.Now().UnixNano()); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied && err == nil, err
}
