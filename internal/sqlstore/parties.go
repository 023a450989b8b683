package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"glassbox.dev"
)

var _ glassbox.PartyStore = (*Store)(nil)

// change runs f and appends a, the administrative action it is, in one
// transaction. Every action takes the next seq, computed inside the
// transaction; when two writers on PostgreSQL compute the same one, the
// later commit fails on the primary key and the whole change is tried
// again, which also turns a lost race for an ID into the ECONFLICT that f
// reports when it finds the ID taken.
func (s *Store) change(ctx context.Context, what string, a glassbox.AdminAction, f func(tx *sql.Tx) error) error {
	if err := a.Validate(); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%s: %w", what, err)
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	nanos, err := unixNanos("admin action time", at.UTC())
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := f(tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO admin_actions (seq, at, actor, action, target, detail)
				SELECT COALESCE(MAX(seq), 0) + 1, CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT) FROM admin_actions`),
				nanos, a.Actor, a.Action, a.Target, a.Detail)
			return err
		})
		if err == nil || attempt == 8 || glassbox.ErrorCode(err) != glassbox.EINTERNAL || !s.d.IsUniqueViolation(err) {
			break
		}
	}
	if err == nil {
		return nil
	}
	var e *glassbox.Error
	if errors.As(err, &e) {
		return err
	}
	return s.errorf("%s: %w", what, err)
}

// list runs query and returns what scan makes of each row, an empty list
// (not nil) when there are none.
func list[T any](ctx context.Context, s *Store, what, query string, args []any, scan func(rows *sql.Rows) (*T, error)) ([]*T, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			var e *glassbox.Error
			if errors.As(err, &e) {
				return nil, err
			}
			return nil, s.errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	return out, nil
}

// check runs query, a SELECT of at most one row, in tx and returns refusal
// if whether it finds a row is not want.
func (s *Store) check(ctx context.Context, tx *sql.Tx, want bool, refusal error, query string, args ...any) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(&one)
	found := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err != nil {
		return err
	}
	if found != want {
		return refusal
	}
	return nil
}

// first returns the first of xs, or missing if there is none.
func first[T any](xs []*T, err error, missing error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, missing
	}
	return xs[0], nil
}

// created returns t in UTC, or the current time if t is zero.
func created(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC()
}

// CreateOrg records o. If o.Created is zero the current time is recorded;
// on success o.Created is the recorded time, in UTC. An ID already taken is
// ECONFLICT.
func (s *Store) CreateOrg(ctx context.Context, o *glassbox.Organisation, a glassbox.AdminAction) error {
	if o == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no organisation to create")
	}
	rec := *o
	rec.Created = created(o.Created)
	if err := rec.Validate(); err != nil {
		return err
	}
	nanos, err := unixNanos("creation time", rec.Created)
	if err != nil {
		return err
	}
	err = s.change(ctx, "create organisation "+o.ID, a, func(tx *sql.Tx) error {
		if err := s.check(ctx, tx, false, glassbox.Errorf(glassbox.ECONFLICT, "organisation %s already exists; choose another id", rec.ID),
			`SELECT 1 FROM orgs WHERE id = ?`, rec.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO orgs (id, name, kind, created) VALUES (?, ?, ?, ?)`),
			rec.ID, rec.Name, string(rec.Kind), nanos)
		return err
	})
	if err == nil {
		*o = rec
	}
	return err
}

// FindOrg returns the organisation with this ID, or ENOTFOUND.
func (s *Store) FindOrg(ctx context.Context, id string) (*glassbox.Organisation, error) {
	orgs, err := s.orgs(ctx, "find organisation "+id, ` WHERE id = ?`, id)
	return first(orgs, err, glassbox.Errorf(glassbox.ENOTFOUND, "there is no organisation %q", id))
}

// ListOrgs lists every organisation, by ID.
func (s *Store) ListOrgs(ctx context.Context) ([]*glassbox.Organisation, error) {
	return s.orgs(ctx, "list organisations", ` ORDER BY id`)
}

func (s *Store) orgs(ctx context.Context, what, tail string, args ...any) ([]*glassbox.Organisation, error) {
	return list(ctx, s, what, `SELECT id, name, kind, created FROM orgs`+tail, args, func(rows *sql.Rows) (*glassbox.Organisation, error) {
		var o glassbox.Organisation
		var nanos int64
		err := rows.Scan(&o.ID, &o.Name, &o.Kind, &nanos)
		o.Created = time.Unix(0, nanos).UTC()
		return &o, err
	})
}

// CreateUser records u in its organisation, which must exist (ENOTFOUND).
// If u.Created is zero the current time is recorded; on success u.Created
// is the recorded time, in UTC. An ID already taken is ECONFLICT.
func (s *Store) CreateUser(ctx context.Context, u *glassbox.User, a glassbox.AdminAction) error {
	if u == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no user to create")
	}
	rec := *u
	rec.Created = created(u.Created)
	if err := rec.Validate(); err != nil {
		return err
	}
	nanos, err := unixNanos("creation time", rec.Created)
	if err != nil {
		return err
	}
	err = s.change(ctx, "create user "+u.ID, a, func(tx *sql.Tx) error {
		if err := s.check(ctx, tx, true, glassbox.Errorf(glassbox.ENOTFOUND, "there is no organisation %q to create user %s in", rec.OrgID, rec.ID),
			`SELECT 1 FROM orgs WHERE id = ?`, rec.OrgID); err != nil {
			return err
		}
		if err := s.check(ctx, tx, false, glassbox.Errorf(glassbox.ECONFLICT, "user %s already exists; choose another id", rec.ID),
			`SELECT 1 FROM users WHERE id = ?`, rec.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, org_id, name, role, created) VALUES (?, ?, ?, ?, ?)`),
			rec.ID, rec.OrgID, rec.Name, string(rec.Role), nanos)
		return err
	})
	if err == nil {
		*u = rec
	}
	return err
}

// FindUser returns the user with this ID, or ENOTFOUND.
func (s *Store) FindUser(ctx context.Context, id string) (*glassbox.User, error) {
	users, err := s.users(ctx, "find user "+id, ` WHERE id = ?`, id)
	return first(users, err, glassbox.Errorf(glassbox.ENOTFOUND, "there is no user %q", id))
}

// ListUsers lists the users of an organisation ("" = of all), by ID.
func (s *Store) ListUsers(ctx context.Context, orgID string) ([]*glassbox.User, error) {
	if orgID == "" {
		return s.users(ctx, "list users", ` ORDER BY id`)
	}
	return s.users(ctx, "list users of "+orgID, ` WHERE org_id = ? ORDER BY id`, orgID)
}

func (s *Store) users(ctx context.Context, what, tail string, args ...any) ([]*glassbox.User, error) {
	return list(ctx, s, what, `SELECT id, org_id, name, role, created FROM users`+tail, args, func(rows *sql.Rows) (*glassbox.User, error) {
		var u glassbox.User
		var nanos int64
		err := rows.Scan(&u.ID, &u.OrgID, &u.Name, &u.Role, &nanos)
		u.Created = time.Unix(0, nanos).UTC()
		return &u, err
	})
}

// CreateToken records t for its user, who must exist (ENOTFOUND). If
// t.Created is zero the current time is recorded; on success t.Created and
// t.Expires are as recorded, in UTC. An ID or a hash already taken is
// ECONFLICT.
func (s *Store) CreateToken(ctx context.Context, t *glassbox.Token, a glassbox.AdminAction) error {
	if t == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no token to create")
	}
	rec := *t
	rec.Created, rec.Expires = created(t.Created), t.Expires.UTC()
	rec.Revoked, rec.LastUsed = nil, nil
	if err := rec.Validate(); err != nil {
		return err
	}
	cnanos, err := unixNanos("creation time", rec.Created)
	if err != nil {
		return err
	}
	enanos, err := unixNanos("expiry time", rec.Expires)
	if err != nil {
		return err
	}
	scopes := make([]string, len(rec.Scopes))
	for i, sc := range rec.Scopes {
		scopes[i] = string(sc)
	}
	hash := hex.EncodeToString(rec.Hash[:])
	err = s.change(ctx, "create token "+t.ID, a, func(tx *sql.Tx) error {
		if err := s.check(ctx, tx, true, glassbox.Errorf(glassbox.ENOTFOUND, "there is no user %q to create token %s for", rec.UserID, rec.ID),
			`SELECT 1 FROM users WHERE id = ?`, rec.UserID); err != nil {
			return err
		}
		if err := s.check(ctx, tx, false, glassbox.Errorf(glassbox.ECONFLICT, "token %s, or its secret, already exists; make a new one", rec.ID),
			`SELECT 1 FROM tokens WHERE id = ? OR hash = ?`, rec.ID, hash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens (id, user_id, name, scopes, hash, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			rec.ID, rec.UserID, rec.Name, strings.Join(scopes, " "), hash, cnanos, enanos)
		return err
	})
	if err == nil {
		*t = rec
	}
	return err
}

// FindTokenByHash returns the token whose secret hashes to h, or ENOTFOUND,
// revoked and expired ones included.
func (s *Store) FindTokenByHash(ctx context.Context, h [32]byte) (*glassbox.Token, error) {
	tokens, err := s.tokens(ctx, "find token", ` WHERE hash = ?`, hex.EncodeToString(h[:]))
	// Not the hash: even a hash is not for error messages.
	return first(tokens, err, glassbox.Errorf(glassbox.ENOTFOUND, "there is no such token"))
}

// ListTokens lists the tokens of a user ("" = of all users), oldest first.
func (s *Store) ListTokens(ctx context.Context, userID string) ([]*glassbox.Token, error) {
	if userID == "" {
		return s.tokens(ctx, "list tokens", ` ORDER BY created, id`)
	}
	return s.tokens(ctx, "list tokens of "+userID, ` WHERE user_id = ? ORDER BY created, id`, userID)
}

func (s *Store) tokens(ctx context.Context, what, tail string, args ...any) ([]*glassbox.Token, error) {
	return list(ctx, s, what, `SELECT id, user_id, name, scopes, hash, created, expires, revoked, last_used FROM tokens`+tail, args, func(rows *sql.Rows) (*glassbox.Token, error) {
		var t glassbox.Token
		var scopes, hash string
		var cnanos, enanos int64
		var revoked, used sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &scopes, &hash, &cnanos, &enanos, &revoked, &used); err != nil {
			return nil, err
		}
		if n, err := hex.Decode(t.Hash[:], []byte(hash)); err != nil || n != len(t.Hash) || len(hash) != 2*len(t.Hash) {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "%s: the stored hash of token %s is not a SHA-256; the database was changed outside glassbox", s.d.Name, t.ID)
		}
		t.Scopes = []glassbox.Scope{}
		for sc := range strings.FieldsSeq(scopes) {
			t.Scopes = append(t.Scopes, glassbox.Scope(sc))
		}
		t.Created, t.Expires = time.Unix(0, cnanos).UTC(), time.Unix(0, enanos).UTC()
		t.Revoked, t.LastUsed = nullTime(revoked), nullTime(used)
		return &t, nil
	})
}

func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.Unix(0, n.Int64).UTC()
	return &t
}

// RevokeToken records that token id stops working at at (the current time
// if zero). A token that does not exist is ENOTFOUND; one already revoked
// is ECONFLICT, so that a revocation is recorded once.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time, a glassbox.AdminAction) error {
	return s.revoke(ctx, "tokens", "token", id, at, a)
}

// revoke sets revoked in the row of table with this id, which must exist
// and not be revoked yet.
func (s *Store) revoke(ctx context.Context, table, what, id string, at time.Time, a glassbox.AdminAction) error {
	nanos, err := unixNanos("revocation time", created(at))
	if err != nil {
		return err
	}
	return s.change(ctx, "revoke "+what+" "+id, a, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q(`SELECT revoked FROM `+table+` WHERE id = ?`), id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return glassbox.Errorf(glassbox.ENOTFOUND, "there is no %s %q", what, id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return glassbox.Errorf(glassbox.ECONFLICT, "%s %s was already revoked at %s", what, id, nullTime(revoked).Format(time.RFC3339))
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET revoked = ? WHERE id = ?`), nanos, id)
		return err
	})
}

// TouchToken records a use of token id at at. It only moves last_used
// forward, and skips the write when the recorded use is less than a minute
// older, so that a busy token costs one write a minute, not one a request.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	nanos, err := unixNanos("use time", created(at))
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.q(`UPDATE tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used <= ?)`),
		nanos, id, nanos-int64(time.Minute))
	if err != nil {
		return s.errorf("record use of token %s: %w", id, err)
	}
	return nil
}

// ClaimProduct makes vendorID, which must be an existing vendor organisation
// (ENOTFOUND, EINVALID), the owner of product unless it has one, and
// returns the owner either way.
func (s *Store) ClaimProduct(ctx context.Context, product, vendorID string) (string, error) {
	if product == "" {
		return "", glassbox.Errorf(glassbox.EINVALID, "claim product: no product named")
	}
	var owner string
	for attempt := 0; ; attempt++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			err := tx.QueryRowContext(ctx, s.q(`SELECT vendor_id FROM product_owners WHERE product = ?`), product).Scan(&owner)
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			var kind string
			err = tx.QueryRowContext(ctx, s.q(`SELECT kind FROM orgs WHERE id = ?`), vendorID).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return glassbox.Errorf(glassbox.ENOTFOUND, "there is no organisation %q to own product %q", vendorID, product)
			}
			if err != nil {
				return err
			}
			if kind != string(glassbox.OrgVendor) {
				return glassbox.Errorf(glassbox.EINVALID, "organisation %s is an %s, not a vendor; only vendors own products", vendorID, kind)
			}
			owner = vendorID
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO product_owners (product, vendor_id, claimed) VALUES (?, ?, ?)`),
				product, vendorID, time.Now().UnixNano())
			return err
		})
		if err == nil {
			return owner, nil
		}
		// Two first submissions at once: the loser reads the winner's claim.
		if attempt < 8 && glassbox.ErrorCode(err) == glassbox.EINTERNAL && s.d.IsUniqueViolation(err) {
			continue
		}
		var e *glassbox.Error
		if errors.As(err, &e) {
			return "", err
		}
		return "", s.errorf("claim product %q: %w", product, err)
	}
}

// ProductOwner returns the vendor that owns product, or "" if none does.
func (s *Store) ProductOwner(ctx context.Context, product string) (string, error) {
	var owner string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT vendor_id FROM product_owners WHERE product = ?`), product).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", s.errorf("find the owner of product %q: %w", product, err)
	}
	return owner, nil
}

// CreateGrant records g. Its vendor and evaluator must be organisations of
// those kinds (ENOTFOUND, EINVALID); whether the vendor owns the product
// is the caller's rule. If g.Created is zero the current time is recorded;
// on success g's times are as recorded, in UTC.
func (s *Store) CreateGrant(ctx context.Context, g *glassbox.Grant, a glassbox.AdminAction) error {
	if g == nil {
		return glassbox.Errorf(glassbox.EINVALID, "no grant to create")
	}
	rec := *g
	rec.Created, rec.Expires, rec.Revoked = created(g.Created), g.Expires.UTC(), nil
	if err := rec.Validate(); err != nil {
		return err
	}
	cnanos, err := unixNanos("creation time", rec.Created)
	if err != nil {
		return err
	}
	enanos, err := unixNanos("expiry time", rec.Expires)
	if err != nil {
		return err
	}
	err = s.change(ctx, "create grant "+g.ID, a, func(tx *sql.Tx) error {
		for _, o := range []struct {
			id   string
			kind glassbox.OrgKind
		}{{rec.VendorID, glassbox.OrgVendor}, {rec.Evaluator, glassbox.OrgEvaluator}} {
			var kind string
			err := tx.QueryRowContext(ctx, s.q(`SELECT kind FROM orgs WHERE id = ?`), o.id).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return glassbox.Errorf(glassbox.ENOTFOUND, "grant %s: there is no organisation %q", rec.ID, o.id)
			}
			if err != nil {
				return err
			}
			if kind != string(o.kind) {
				return glassbox.Errorf(glassbox.EINVALID, "grant %s: organisation %s is %s, not %s", rec.ID, o.id, kind, o.kind)
			}
		}
		if err := s.check(ctx, tx, false, glassbox.Errorf(glassbox.ECONFLICT, "grant %s already exists", rec.ID),
			`SELECT 1 FROM grants WHERE id = ?`, rec.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO grants (id, vendor_id, product, evaluator_id, granted_by, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			rec.ID, rec.VendorID, rec.Product, rec.Evaluator, rec.GrantedBy, cnanos, enanos)
		return err
	})
	if err == nil {
		*g = rec
	}
	return err
}

// RevokeGrant records that grant id ends at at (the current time if zero).
// A grant that does not exist is ENOTFOUND; one already revoked is
// ECONFLICT.
func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time, a glassbox.AdminAction) error {
	return s.revoke(ctx, "grants", "grant", id, at, a)
}

// FindGrant returns the grant with this ID, or ENOTFOUND.
func (s *Store) FindGrant(ctx context.Context, id string) (*glassbox.Grant, error) {
	grants, err := s.grants(ctx, "find grant "+id, ` WHERE id = ?`, id)
	return first(grants, err, glassbox.Errorf(glassbox.ENOTFOUND, "there is no grant %q", id))
}

// ListGrants lists the grants of a vendor ("" = of every vendor) and, if
// evaluator is set, only those to that evaluator, oldest first; expired
// and revoked ones included.
func (s *Store) ListGrants(ctx context.Context, vendorID, evaluator string) ([]*glassbox.Grant, error) {
	var where []string
	var args []any
	if vendorID != "" {
		where, args = append(where, "vendor_id = ?"), append(args, vendorID)
	}
	if evaluator != "" {
		where, args = append(where, "evaluator_id = ?"), append(args, evaluator)
	}
	tail := ""
	if len(where) > 0 {
		tail = " WHERE " + strings.Join(where, " AND ")
	}
	return s.grants(ctx, "list grants", tail+" ORDER BY created, id", args...)
}

func (s *Store) grants(ctx context.Context, what, tail string, args ...any) ([]*glassbox.Grant, error) {
	return list(ctx, s, what, `SELECT id, vendor_id, product, evaluator_id, granted_by, created, expires, revoked FROM grants`+tail, args, func(rows *sql.Rows) (*glassbox.Grant, error) {
		var g glassbox.Grant
		var cnanos, enanos int64
		var revoked sql.NullInt64
		err := rows.Scan(&g.ID, &g.VendorID, &g.Product, &g.Evaluator, &g.GrantedBy, &cnanos, &enanos, &revoked)
		g.Created, g.Expires, g.Revoked = time.Unix(0, cnanos).UTC(), time.Unix(0, enanos).UTC(), nullTime(revoked)
		return &g, err
	})
}

// ListAdminActions lists the administrative actions after seq after, in
// order, at most limit of them (limit <= 0: all).
func (s *Store) ListAdminActions(ctx context.Context, after int64, limit int) ([]*glassbox.AdminAction, error) {
	query := `SELECT seq, at, actor, action, target, detail FROM admin_actions WHERE seq > ? ORDER BY seq`
	args := []any{after}
	if limit > 0 {
		query, args = query+" LIMIT ?", append(args, limit)
	}
	return list(ctx, s, "list admin actions", query, args, func(rows *sql.Rows) (*glassbox.AdminAction, error) {
		var a glassbox.AdminAction
		var nanos int64
		err := rows.Scan(&a.Seq, &nanos, &a.Actor, &a.Action, &a.Target, &a.Detail)
		a.At = time.Unix(0, nanos).UTC()
		return &a, err
	})
}

// LastAdminAction returns the seq of the latest administrative action, or
// 0 if there is none.
func (s *Store) LastAdminAction(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM admin_actions`).Scan(&seq); err != nil {
		return 0, s.errorf("read the last admin action: %w", err)
	}
	return seq, nil
}
