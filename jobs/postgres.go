package jobs

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"glassbox.dev"
	"glassbox.dev/postgres"
)

var postgresEvents = eventTable("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")

// migrationLock serialises the queue's migrations across processes
// starting at once ("gbjobs").
const migrationLock int64 = 0x67626a6f6273

// openPostgres opens the queue in the centre's PostgreSQL database: River's
// tables and job_events go where the URL's search_path points, beside the
// metadata.
func openPostgres(ctx context.Context, url string, rc *river.Config) (*store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "job queue: postgres: %v", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = postgres.DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "job queue: postgres %s: %v", postgres.Redact(url), err)
	}
	driver := riverpgxv5.New(pool)
	client, err := newClient(driver, rc, func() error { return migratePostgres(ctx, pool, driver, rc) }, pool.Close)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	return &store{client: client, events: eventQueries(db, true), exec: driver.GetExecutor(), closed: func() error {
		err := db.Close()
		pool.Close()
		return err
	}}, nil
}

// migratePostgres brings River's tables and the event table up to date,
// holding an advisory lock so that processes starting at once take turns.
// River's migrations run outside one transaction: one adds an enum value
// that a later one uses, which PostgreSQL refuses in a single transaction.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, driver *riverpgxv5.Driver, rc *river.Config) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: rc.Logger})
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: River's migrations: %w", err)
	}
	if _, err := conn.Exec(ctx, postgresEvents); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: the event table: %w", err)
	}
	if _, err := conn.Exec(ctx, workerTable); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "job queue: the worker table: %w", err)
	}
	return nil
}
