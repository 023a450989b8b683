package jobs

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"

	"glassbox.dev"
)

// maxMessage bounds an event's message: one line of what a stage
// established, not a place for documents.
const maxMessage = 4096

// eventLog is the table job_events, beside River's tables: the stages of
// every job, written by the worker running it, read by any process.
type eventLog struct {
	db       *sql.DB
	numbered bool // PostgreSQL's $1 parameters, not SQLite's ?
	// The statements, in the database's parameter syntax.
	insertQ, listQ, cancelledQ, startedQ string
}

// eventTable is the event table's definition, with the id column's as
// the database declares a growing integer key.
func eventTable(id string) string {
	return `CREATE TABLE IF NOT EXISTS job_events (
    id      ` + id + `,
    job_id  BIGINT  NOT NULL,
    attempt INTEGER NOT NULL,
    stage   TEXT    NOT NULL,
    state   TEXT    NOT NULL,
    message TEXT    NOT NULL,
    at      BIGINT  NOT NULL -- Unix nanoseconds, UTC
);
CREATE INDEX IF NOT EXISTS job_events_job ON job_events (job_id, id)`
}

// eventQueries are the statements with ? parameters (SQLite); numbered
// gives PostgreSQL's.
func eventQueries(db *sql.DB, numbered bool) *eventLog {
	if numbered {
		return &eventLog{db: db, numbered: true,
			insertQ:    `INSERT INTO job_events (job_id, attempt, stage, state, message, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			listQ:      `SELECT id, job_id, attempt, stage, state, message, at FROM job_events WHERE job_id = $1 AND id > $2 ORDER BY id`,
			cancelledQ: `SELECT count(*) FROM job_events WHERE job_id = $1 AND stage = $2 AND state = $3`,
			startedQ:   `SELECT min(at) FROM job_events WHERE job_id = $1 AND stage = $2 AND state = $3`,
		}
	}
	return &eventLog{db: db,
		insertQ:    `INSERT INTO job_events (job_id, attempt, stage, state, message, at) VALUES (?, ?, ?, ?, ?, ?)`,
		listQ:      `SELECT id, job_id, attempt, stage, state, message, at FROM job_events WHERE job_id = ? AND id > ? ORDER BY id`,
		cancelledQ: `SELECT count(*) FROM job_events WHERE job_id = ? AND stage = ? AND state = ?`,
		startedQ:   `SELECT min(at) FROM job_events WHERE job_id = ? AND stage = ? AND state = ?`,
	}
}

// add records an event; its time is now if not set.
func (l *eventLog) add(ctx context.Context, ev Event) error {
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	msg := ev.Message
	if len(msg) > maxMessage {
		msg = msg[:maxMessage]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	if _, err := l.db.ExecContext(ctx, l.insertQ, ev.Job, ev.Attempt, ev.Stage, ev.State, msg, ev.At.UTC().UnixNano()); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "record an event of job %d: %w", ev.Job, err)
	}
	return nil
}

func (l *eventLog) list(ctx context.Context, job, after int64) ([]Event, error) {
	rows, err := l.db.QueryContext(ctx, l.listQ, job, after)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the events of job %d: %w", job, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.ID, &ev.Job, &ev.Attempt, &ev.Stage, &ev.State, &ev.Message, &at); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the events of job %d: %w", job, err)
		}
		ev.At = time.Unix(0, at).UTC()
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "read the events of job %d: %w", job, err)
	}
	return out, nil
}

// cancelled reports whether Cancel was called on the job.
func (l *eventLog) cancelled(ctx context.Context, job int64) (bool, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, l.cancelledQ, job, StageJob, string(Cancelled)).Scan(&n); err != nil {
		return false, glassbox.Errorf(glassbox.EINTERNAL, "read the events of job %d: %w", job, err)
	}
	return n > 0, nil
}

// started returns when the job first started running, or the zero time.
func (l *eventLog) started(ctx context.Context, job int64) (time.Time, error) {
	var at sql.NullInt64
	if err := l.db.QueryRowContext(ctx, l.startedQ, job, StageJob, string(Running)).Scan(&at); err != nil {
		return time.Time{}, glassbox.Errorf(glassbox.EINTERNAL, "read the events of job %d: %w", job, err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return time.Unix(0, at.Int64).UTC(), nil
}
