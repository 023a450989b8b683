// Package sqlstore is the metadata store over database/sql: the one
// implementation of glassbox.ReleaseStore and glassbox.AttestationStore,
// which the sqlite and postgres packages share.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
)

// Dialect is what sqlstore needs to know about a database beyond
// database/sql.
type Dialect struct {
	// Name begins every error message, as in "sqlite: find release …".
	Name string
	// NumberedParams says that the driver wants $1, $2, … where the queries
	// of this package write ?.
	NumberedParams bool
	// LockMigrations, if set, runs first in every migration transaction and
	// returns once no other opener of the same database can be migrating.
	// It may be nil when beginning a transaction already excludes every
	// other writer, as SQLite's BEGIN IMMEDIATE does.
	LockMigrations func(ctx context.Context, tx *sql.Tx) error
	// IsUniqueViolation reports whether err is the violation of a UNIQUE or
	// PRIMARY KEY constraint, which is how a lost race between two writers
	// of the same release shows. It is required.
	IsUniqueViolation func(err error) bool
}

// Store is a glassbox.ReleaseStore, and the glassbox.AttestationStore that
// indexes the transparency log, in a SQL database.
type Store struct {
	db      *sql.DB
	d       Dialect
	applied []int
}

var _ glassbox.ReleaseStore = (*Store)(nil)

// New returns a Store on db after bringing its schema up to date. The Store
// owns db from then on: Close closes it, and so does a failed New.
func New(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, d: d}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// AppliedMigrations returns the versions of the migrations that New applied
// to the database, in order: none when another opener had already applied
// them all.
func (s *Store) AppliedMigrations() []int { return slices.Clone(s.applied) }

// Close closes the database. Every method of a closed Store returns an error.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return s.errorf("close: %w", err)
	}
	return nil
}

// CreateRelease records r and the files of its manifest in one transaction.
// If r.SubmittedAt is zero it records the current time; on success it sets
// r.SubmittedAt to the recorded time, in UTC, exactly as FindRelease will
// return it.
//
// The ID must be the digest of the manifest's canonical JSON, which is also
// what the store keeps, so that the stored manifest can always be checked
// against its ID.
func (s *Store) CreateRelease(ctx context.Context, r *glassbox.Release) (bool, error) {
	if r == nil {
		return false, glassbox.Errorf(glassbox.EINVALID, "no release to create")
	}
	if err := r.ID.Validate(); err != nil {
		return false, glassbox.Errorf(glassbox.EINVALID, "release id: %w", err)
	}
	if err := r.Manifest.Validate(); err != nil {
		return false, glassbox.Errorf(glassbox.EINVALID, "release %s: %w", r.ID, err)
	}
	canonical, err := jcs.Marshal(r.Manifest)
	if err != nil {
		return false, glassbox.Errorf(glassbox.EINVALID, "release %s: %w", r.ID, err)
	}
	if d := glassbox.DigestOf(canonical); d != r.ID {
		return false, glassbox.Errorf(glassbox.EINVALID, "release id %s is not the digest of its manifest, which is %s", r.ID, d)
	}
	at := r.SubmittedAt
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC() // also drops the monotonic clock reading, which is not a time
	nanos, err := unixNanos("submission time", at)
	if err != nil {
		return false, err
	}

	// Look before writing, so that submitting a release again, the common
	// case of a retried upload, takes no write lock at all.
	if created, err := s.mayCreate(ctx, r); !created || err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO releases (id, product, version, manifest, submitted_at) VALUES (?, ?, ?, ?, ?)`),
			string(r.ID), r.Manifest.Product, r.Manifest.Version, string(canonical), nanos); err != nil {
			return err
		}
		return s.insertFiles(ctx, tx, r.ID, fileRows(&r.Manifest))
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			// Another writer got there between our look and our write:
			// whatever it stored decides the answer.
			if created, cerr := s.mayCreate(ctx, r); !created || cerr != nil {
				return false, cerr
			}
		}
		return false, s.errorf("create release %s: %w", r.ID, err)
	}
	r.SubmittedAt = at
	return true, nil
}

// mayCreate reports whether r may be created: false with no error when a
// release with its ID exists, an ECONFLICT error when its product already
// has its version under another ID.
func (s *Store) mayCreate(ctx context.Context, r *glassbox.Release) (bool, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM releases WHERE id = ? OR (product = ? AND version = ?)`),
		string(r.ID), r.Manifest.Product, r.Manifest.Version)
	if err != nil {
		return false, s.errorf("create release %s: %w", r.ID, err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return false, s.errorf("create release %s: %w", r.ID, err)
	}
	if slices.Contains(ids, r.ID) {
		return false, nil
	}
	if len(ids) > 0 {
		return false, glassbox.Errorf(glassbox.ECONFLICT, "product %q version %q is already release %s; a version's content cannot change — submit the new content under a new version",
			r.Manifest.Product, r.Manifest.Version, ids[0])
	}
	return true, nil
}

// Roles of the files of a release, as release_files records them.
const (
	roleSource   = "source"
	roleArchive  = "archive"
	roleHistory  = "history"
	roleRecipe   = "recipe"
	roleArtifact = "artifact"
	roleSBOM     = "sbom"
)

type fileRow struct {
	role string
	f    *glassbox.File
}

// fileRows lists every file a manifest names with its role.
func fileRows(m *glassbox.Manifest) []fileRow {
	var rows []fileRow
	for i := range m.Source.Files {
		rows = append(rows, fileRow{roleSource, &m.Source.Files[i]})
	}
	if m.Source.Archive != nil {
		rows = append(rows, fileRow{roleArchive, m.Source.Archive})
	}
	if m.Source.History != nil {
		rows = append(rows, fileRow{roleHistory, m.Source.History})
	}
	if m.Recipe != nil {
		rows = append(rows, fileRow{roleRecipe, m.Recipe})
	}
	for i := range m.Artifacts {
		rows = append(rows, fileRow{roleArtifact, &m.Artifacts[i]})
	}
	if m.SBOM != nil {
		rows = append(rows, fileRow{roleSBOM, m.SBOM})
	}
	return rows
}

func (s *Store) insertFiles(ctx context.Context, tx *sql.Tx, id glassbox.Digest, rows []fileRow) error {
	return s.insertRows(`INSERT INTO release_files (release_id, role, path, size, mode, digest) VALUES`, "", 6, len(rows),
		func(args []any, i int) []any {
			r := rows[i]
			return append(args, string(id), r.role, r.f.Path, r.f.Size, r.f.Mode, string(r.f.Digest))
		},
		func(query string, args []any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		})
}

// rowsPerInsert is how many rows one INSERT writes. A source tree can have
// tens of thousands of files, and the log indexer records thousands of
// attestations at once; one statement per row would mean as many round
// trips to a PostgreSQL server. At up to 6 parameters per row a statement
// stays far below the parameter limits of SQLite (32766) and PostgreSQL
// (65535).
const rowsPerInsert = 500

// insertRows writes n rows of width values each, in statements of at most
// rowsPerInsert rows: head is the INSERT up to VALUES, tail what follows the
// rows (an ON CONFLICT or RETURNING clause, or nothing), row appends the
// values of row i to args, and run executes each statement, rewritten for
// the dialect.
func (s *Store) insertRows(head, tail string, width, n int, row func(args []any, i int) []any, run func(query string, args []any) error) error {
	placeholders := "(" + strings.Repeat("?, ", width-1) + "?)"
	for lo := 0; lo < n; lo += rowsPerInsert {
		hi := min(n, lo+rowsPerInsert)
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" ")
		args := make([]any, 0, width*(hi-lo))
		for i := lo; i < hi; i++ {
			if i > lo {
				b.WriteString(", ")
			}
			b.WriteString(placeholders)
			args = row(args, i)
		}
		if tail != "" {
			b.WriteString(" ")
			b.WriteString(tail)
		}
		if err := run(s.q(b.String()), args); err != nil {
			return err
		}
	}
	return nil
}

// FindRelease returns the release with this ID, or an ENOTFOUND error.
func (s *Store) FindRelease(ctx context.Context, id glassbox.Digest) (*glassbox.Release, error) {
	if err := id.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "release id: %w", err)
	}
	var manifest string
	var nanos int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT manifest, submitted_at FROM releases WHERE id = ?`), string(id)).Scan(&manifest, &nanos)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "there is no release %s", id)
	}
	if err != nil {
		return nil, s.errorf("find release %s: %w", id, err)
	}
	return s.release(id, manifest, nanos)
}

// FindReleases lists the releases that match f, newest first; releases
// submitted at the same instant are listed in the order of their IDs.
func (s *Store) FindReleases(ctx context.Context, f glassbox.ReleaseFilter) ([]*glassbox.Release, error) {
	query := `SELECT id, manifest, submitted_at FROM releases`
	var where []string
	var args []any
	if f.Product != "" {
		where, args = append(where, "product = ?"), append(args, f.Product)
	}
	if f.Version != "" {
		where, args = append(where, "version = ?"), append(args, f.Version)
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY submitted_at DESC, id"
	if f.Limit > 0 {
		query, args = query+" LIMIT ?", append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.errorf("find releases: %w", err)
	}
	defer rows.Close()
	rels := []*glassbox.Release{}
	for rows.Next() {
		var id, manifest string
		var nanos int64
		if err := rows.Scan(&id, &manifest, &nanos); err != nil {
			return nil, s.errorf("find releases: %w", err)
		}
		r, err := s.release(glassbox.Digest(id), manifest, nanos)
		if err != nil {
			return nil, err
		}
		rels = append(rels, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("find releases: %w", err)
	}
	return rels, nil
}

// FindReleaseIDs returns, in order, at most limit IDs whose hexadecimal part
// starts with prefix, which must be lower-case hex; limit <= 0 means no limit.
func (s *Store) FindReleaseIDs(ctx context.Context, prefix string, limit int) ([]glassbox.Digest, error) {
	if len(prefix) > 64 || strings.Trim(prefix, "0123456789abcdef") != "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%q is not the start of a release id: want at most 64 lower-case hex digits", prefix)
	}
	// LIKE rather than a range on id: it matches by characters whatever the
	// collation of a PostgreSQL database, where a range would compare by
	// the rules of a human language. The scan it costs is small for a
	// table of releases.
	query := `SELECT id FROM releases WHERE id LIKE ? ESCAPE '\' ORDER BY id`
	args := []any{escapeLike(glassbox.DigestPrefix+prefix) + "%"}
	if limit > 0 {
		query, args = query+" LIMIT ?", append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.errorf("find release ids starting with %s: %w", prefix, err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, s.errorf("find release ids starting with %s: %w", prefix, err)
	}
	return ids, nil
}

// escapeLike quotes the LIKE wildcards in s for ESCAPE '\'. The prefixes
// FindReleaseIDs accepts contain none, but the query must not depend on it.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindProducts lists every product that has a release, sorted by name.
func (s *Store) FindProducts(ctx context.Context) ([]*glassbox.Product, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT product, COUNT(*), MAX(submitted_at) FROM releases GROUP BY product`)
	if err != nil {
		return nil, s.errorf("find products: %w", err)
	}
	defer rows.Close()
	products := []*glassbox.Product{}
	for rows.Next() {
		var p glassbox.Product
		var n, latest int64
		if err := rows.Scan(&p.Name, &n, &latest); err != nil {
			return nil, s.errorf("find products: %w", err)
		}
		p.Releases, p.Latest = int(n), time.Unix(0, latest).UTC()
		products = append(products, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("find products: %w", err)
	}
	// Sorted here, by bytes, because ORDER BY follows the collation of the
	// database, which differs between SQLite and PostgreSQL and between
	// PostgreSQL installations.
	slices.SortFunc(products, func(a, b *glassbox.Product) int { return strings.Compare(a.Name, b.Name) })
	return products, nil
}

// release decodes a row of releases after checking that the manifest is
// still the one its ID names.
func (s *Store) release(id glassbox.Digest, manifest string, nanos int64) (*glassbox.Release, error) {
	if d := glassbox.DigestOf([]byte(manifest)); d != id {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "%s: the stored manifest of release %s has digest %s; the database was changed outside glassbox", s.d.Name, id, d)
	}
	r := &glassbox.Release{ID: id, SubmittedAt: time.Unix(0, nanos).UTC()}
	if err := json.Unmarshal([]byte(manifest), &r.Manifest); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "%s: the stored manifest of release %s: %w", s.d.Name, id, err)
	}
	return r, nil
}

func scanIDs(rows *sql.Rows) ([]glassbox.Digest, error) {
	defer rows.Close()
	ids := []glassbox.Digest{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, glassbox.Digest(id))
	}
	return ids, rows.Err()
}

// Timestamps are stored as BIGINT nanoseconds since the Unix epoch, UTC.
// Unlike RFC 3339 text, whose trimmed fractions do not sort as strings
// ("…:05Z" sorts after "…:05.5Z"), integers order correctly in ORDER BY and
// MAX() on every database, round-trip to the nanosecond, and need no parsing
// or time zone rules in either driver. The price is the range (years 1678 to
// 2262) and rows that a person reads in a SQL shell through
// datetime(submitted_at/1e9, 'unixepoch') or to_timestamp(submitted_at/1e9).
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// unixNanos returns t in Unix nanoseconds, or an EINVALID error that calls
// it what.
func unixNanos(what string, t time.Time) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, glassbox.Errorf(glassbox.EINVALID, "%s %s is outside the years 1678 to 2262 that the store can record", what, t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// inTx runs f in a transaction and commits it if f succeeds.
func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// q rewrites the ? placeholders of query for the dialect. The queries of
// this package have no ? anywhere else.
func (s *Store) q(query string) string {
	if !s.d.NumberedParams {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// errorf returns an EINTERNAL error whose message begins with the name of
// the database.
func (s *Store) errorf(format string, args ...any) error {
	return glassbox.Errorf(glassbox.EINTERNAL, s.d.Name+": "+format, args...)
}
