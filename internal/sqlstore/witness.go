package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"glassbox.dev"
)

var _ glassbox.WitnessStore = (*Store)(nil)

// AddWitnessedLog starts witnessing origin from size zero, or adds vkey to
// it.
func (s *Store) AddWitnessedLog(ctx context.Context, origin, vkey string) error {
	if origin == "" || len(origin) > 1024 || vkey == "" || len(vkey) > 4096 {
		return glassbox.Errorf(glassbox.EINVALID, "witness a log: the origin and key must be 1 to 1024 and 4096 bytes")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO witnessed_logs (origin, tree_size, tree_hash, updated) VALUES (?, 0, '', ?) ON CONFLICT (origin) DO NOTHING`), origin, time.Now().UnixNano()); err != nil {
			return s.errorf("witness %s: %w", origin, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO witnessed_log_keys (origin, vkey) VALUES (?, ?) ON CONFLICT (origin, vkey) DO NOTHING`), origin, vkey); err != nil {
			return s.errorf("witness %s: %w", origin, err)
		}
		return nil
	})
}

// WitnessedLogs lists the logs witnessed, by origin.
func (s *Store) WitnessedLogs(ctx context.Context) ([]*glassbox.WitnessedLog, error) {
	origins, err := list(ctx, s, "list the witnessed logs", `SELECT origin FROM witnessed_logs ORDER BY origin`, nil,
		func(rows *sql.Rows) (*string, error) {
			var o string
			return &o, rows.Scan(&o)
		})
	if err != nil {
		return nil, err
	}
	logs := make([]*glassbox.WitnessedLog, 0, len(origins))
	for _, o := range origins {
		l, err := s.WitnessedLog(ctx, *o)
		if err != nil {
			return nil, err
		}
		logs = append(logs, l)
	}
	return logs, nil
}

func (s *Store) witnessedKeys(ctx context.Context, origin string) ([]string, error) {
	keys, err := list(ctx, s, "list a witnessed log's keys", `SELECT vkey FROM witnessed_log_keys WHERE origin = ? ORDER BY vkey`, []any{origin},
		func(rows *sql.Rows) (*string, error) {
			var k string
			return &k, rows.Scan(&k)
		})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = *k
	}
	return out, nil
}

// WitnessedLog returns the log witnessed with origin, or ENOTFOUND.
func (s *Store) WitnessedLog(ctx context.Context, origin string) (*glassbox.WitnessedLog, error) {
	l := glassbox.WitnessedLog{Origin: origin}
	var hash string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT tree_size, tree_hash FROM witnessed_logs WHERE origin = ?`), origin).Scan(&l.Size, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "this centre does not witness the log %q", origin)
	}
	if err != nil {
		return nil, s.errorf("find the witnessed log %s: %w", origin, err)
	}
	if l.Hash, err = base64.StdEncoding.DecodeString(hash); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the witnessed log %s has a tree hash that does not decode", origin)
	}
	if l.Keys, err = s.witnessedKeys(ctx, origin); err != nil {
		return nil, err
	}
	return &l, nil
}

// AdvanceWitnessedLog moves origin from old to size, in one statement
// that matches only while the log stands at old.
func (s *Store) AdvanceWitnessedLog(ctx context.Context, origin string, old, size uint64, hash []byte) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE witnessed_logs SET tree_size = ?, tree_hash = ?, updated = ? WHERE origin = ? AND tree_size = ?`),
		int64(size), base64.StdEncoding.EncodeToString(hash), time.Now().UnixNano(), origin, int64(old))
	if err != nil {
		return s.errorf("advance the witnessed log %s: %w", origin, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	l, err := s.WitnessedLog(ctx, origin)
	if err != nil {
		return err
	}
	return &glassbox.WitnessConflict{Size: l.Size}
}
