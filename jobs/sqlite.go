package jobs

import (
	"context"
	"database/sql"
	"path/filepath"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"glassbox.dev"
	"glassbox.dev/sqlite"
)

// File is the queue's SQLite database in the data directory.
//
// It is a file of its own rather than tables in glassbox.db: River's SQLite
// driver wants a pool of one connection (its maintenance services run in
// parallel and would otherwise take turns failing on the lock), which the
// metadata store, read by many requests at once, cannot have; and the
// queue writes on every poll and state change, which would hold the one
// write lock of the metadata database while a large submit waits for it.
// Nothing needs a transaction across both: a job's work is keyed to the
// job (see the package comment), not committed with it.
const File = "jobs.db"

var sqliteEvents = eventTable("INTEGER PRIMARY KEY AUTOINCREMENT")

func openSQLite(ctx context.Context, dataDir string, rc *river.Config) (*store, error) {
	db, err := sqlite.OpenDB(ctx, filepath.Join(dataDir, File))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	client, err := newClient(driver, rc, func() error { return migrateSQLite(ctx, db, driver, rc) }, func() { db.Close() })
	if err != nil {
		return nil, err
	}
	return &store{client: client, events: eventQueries(db, false), exec: driver.GetExecutor(), closed: db.Close}, nil
}

// migrateSQLite brings River's tables and the event table up to date in
// one transaction, which (BEGIN IMMEDIATE) no other process runs at once.
func migrateSQLite(ctx context.Context, db *sql.DB, driver *riversqlite.Driver, rc *river.Config) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: rc.Logger})
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: River's migrations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqliteEvents); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: the event table: %w", err)
	}
	if _, err := tx.ExecContext(ctx, workerTable); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: the worker table: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: migrate: %w", err)
	}
	return nil
}
