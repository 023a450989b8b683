// Package centre is the application layer: every job the centre does on a
// release (submit, find, evaluate, judge, withdraw, the catalogs, clients'
// attestations), written once and called alike by the command line and the
// HTTP server, with typed inputs and outputs and glassbox's error codes.
//
// A Centre is an open data directory: the evidence store, the metadata
// database and, when asked for, the centre's keys, transparency log and
// notary. The stage jobs it runs are package stage's; the evaluation is
// package evaluate's.
package centre

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre/stage"
	"glassbox.dev/client"
	"glassbox.dev/evidence"
	"glassbox.dev/internal/datadir"
	"glassbox.dev/internal/s3conf"
	"glassbox.dev/notary"
	"glassbox.dev/postgres"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
	"glassbox.dev/vuln"
)

// Store is what the metadata database keeps: releases, the index of the
// transparency log, evaluators' judgements, the evidence recorded about
// releases and the centre's parties (organisations, users, tokens,
// grants). The SQL stores (sqlite, postgres) implement it.
type Store interface {
	glassbox.ReleaseStore
	glassbox.AttestationStore
	glassbox.JudgementStore
	glassbox.PartyStore
	stage.EvidenceStore
	// Pointer and SetPointer keep named pointers to blobs (the current
	// vulnerability snapshot) that every process must agree on.
	Pointer(ctx context.Context, name string) (glassbox.Digest, error)
	SetPointer(ctx context.Context, name string, d glassbox.Digest) error
	// CreatePointer and Pointers keep pointers that never move, such as
	// the stored catalogs.
	CreatePointer(ctx context.Context, name string, d glassbox.Digest) error
	Pointers(ctx context.Context, prefix string) (map[string]glassbox.Digest, error)
}

// LogMode says whether Open opens the centre's keys, log and notary. The
// log is recomputed in full on open and held by one process at a time, so
// a job that signs nothing does not open it.
type LogMode int

const (
	// NoLog opens the evidence store and the metadata only.
	NoLog LogMode = iota
	// LogIfKeys opens the log and the notary when the centre has keys,
	// and leaves them nil when it has none (nothing is signed).
	LogIfKeys
	// WithLog opens the log and the notary; a centre without keys is
	// EINVALID.
	WithLog
)

// Options say how to open a data directory.
type Options struct {
	// DB is the metadata database: empty for SQLite in the data
	// directory, or a postgres:// URL.
	DB  string
	Log LogMode
	// Evidence, if set, keeps the evidence in an S3 bucket instead of
	// DATA/evidence (which then holds only this process's scratch).
	Evidence *evidence.S3Config
	// SharedLog, if set, is the log every process of a deployment appends
	// to, instead of DATA/log.
	SharedLog *tlog.Shared
	// KeyDir holds the signing keys; default DATA/keys.
	KeyDir string
	// Keys, where set, are private keys held elsewhere than KeyDir: in
	// PKCS#11 tokens (an HSM, a cloud KMS) or other files. KeyDir then
	// holds their public halves.
	Keys attest.KeyRefs
	// WitnessPolicy is the witness policy file; default
	// DATA/witnesses.policy, if it exists.
	WitnessPolicy string
	// CheckpointInterval overrides the log's (tlog.Options).
	CheckpointInterval time.Duration
	// Signing, if set and the key directory holds no private keys, is the
	// signing service a worker has sign its statements: the centre's
	// servers, reached with a token of scope sign. The key directory
	// then needs only the public keys (attestation.pub, log.vkey).
	Signing *client.Signer
}

// hasKeys reports whether the options give the process signing keys.
func (o Options) hasKeys(data string) bool {
	return o.Keys.Attestation != "" || HasKeys(o.keyDir(data))
}

// keyDir is where the options say the keys are.
func (o Options) keyDir(data string) string {
	if o.KeyDir != "" {
		return o.KeyDir
	}
	return KeyDir(data)
}

// Centre is an open data directory. Its stores are safe for concurrent use;
// Close releases them.
type Centre struct {
	// Data is the data directory: the evidence store, the SQLite database,
	// the log, the keys, the catalogs and the reports are inside it.
	Data  string
	Blobs evidence.Store
	Store Store
	// EvidenceBucket is where the evidence is when it is in a bucket
	// (Options.Evidence), which the servers also keep uploads in; nil for
	// the data directory's.
	EvidenceBucket *s3conf.Config
	// Log and Notary are nil when the centre was opened without its log.
	Log    *tlog.Log
	Notary *notary.Notary
	// Signing is the signing service of a centre opened without keys but
	// with Options.Signing, and origin its log's origin (from log.vkey).
	Signing *client.Signer
	origin  string
	// keys are the signing keys this centre opened, released on Close (a
	// PKCS#11 token's sessions).
	keys []io.Closer
}

// Attester is what signs the centre's statements in this process: its
// notary, its signing service, or nil (nothing is signed).
func (c *Centre) Attester() notary.Attester {
	switch {
	case c.Notary != nil:
		return c.Notary
	case c.Signing != nil:
		return c.Signing
	}
	return nil
}

// KeyDir is where the centre's keys are: DATA/keys.
func KeyDir(data string) string { return filepath.Join(data, "keys") }

// HasKeys reports whether the key directory holds the centre's attestation
// key, without which nothing is signed.
func HasKeys(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, attest.AttestationKeyFile))
	return err == nil
}

// CheckDB refuses a database that is neither empty (SQLite in the data
// directory) nor a postgres:// URL.
func CheckDB(db string) error {
	if db == "" || strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return nil
	}
	return glassbox.Errorf(glassbox.EINVALID, "--db %q: want a postgres:// URL, or nothing for SQLite in the data directory", postgres.Redact(db))
}

// Open opens the data directory data, creating it if needed. A new,
// empty database beside existing evidence, or a database that does not
// hold the directory's anchored release, is refused (package datadir).
func Open(ctx context.Context, data string, o Options) (*Centre, error) {
	if err := CheckDB(o.DB); err != nil {
		return nil, err
	}
	if o.Log == LogIfKeys {
		o.Log = NoLog
		if o.hasKeys(data) {
			o.Log = WithLog
		}
	}
	if o.Log == NoLog {
		c, err := openStores(ctx, data, o)
		if err != nil || o.Signing == nil || o.hasKeys(data) {
			return c, err
		}
		// A worker without keys: its statements are signed by the
		// service, under the log whose verifier key it holds.
		v, err := attest.LoadLogVerifier(filepath.Join(o.keyDir(data), "log.vkey"))
		if err != nil {
			c.Close()
			return nil, glassbox.Errorf(glassbox.EINVALID, "a worker that has the servers sign needs the log's public key, log.vkey, in %s: %v", o.keyDir(data), err)
		}
		c.Signing, c.origin = o.Signing, v.Name()
		return c, nil
	}
	return openLog(ctx, data, o)
}

// openStores opens the evidence store and the metadata database.
func openStores(ctx context.Context, data string, o Options) (*Centre, error) {
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "create data directory %s: %w", data, err)
	}
	db := o.DB
	var blobs evidence.Store
	var err error
	if o.Evidence != nil {
		cfg := *o.Evidence
		cfg.Scratch = filepath.Join(data, "evidence")
		blobs, err = evidence.OpenS3(ctx, cfg)
	} else {
		blobs, err = evidence.OpenFS(filepath.Join(data, "evidence"))
	}
	if err != nil {
		return nil, err
	}
	var store Store
	var dbName string
	if db == "" {
		dbName = filepath.Join(data, "glassbox.db")
		if _, serr := os.Stat(dbName); errors.Is(serr, os.ErrNotExist) {
			if err := datadir.CheckNewDatabase(data, dbName); err != nil {
				blobs.Close()
				return nil, err
			}
		}
		store, err = sqlite.Open(ctx, dbName)
	} else {
		dbName = postgres.Redact(db)
		store, err = postgres.Open(ctx, db)
	}
	if err == nil {
		if err = datadir.CheckDatabase(ctx, data, dbName, store); err != nil {
			store.Close()
		}
	}
	if err != nil {
		blobs.Close()
		return nil, err
	}
	c := &Centre{Data: data, Blobs: blobs, Store: store}
	if o.Evidence != nil {
		b := o.Evidence.Config
		c.EvidenceBucket = &b
	}
	return c, nil
}

// openLog opens the stores, the log and the notary, which signs the
// centre's statements with the attestation key and clients' with the
// submission key.
func openLog(ctx context.Context, data string, o Options) (*Centre, error) {
	dir := o.keyDir(data)
	if !o.hasKeys(data) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no keys in %s: run 'glassbox keys generate --origin ORIGIN' first", dir)
	}
	var keys []io.Closer
	closeKeys := func() {
		for _, k := range keys {
			k.Close()
		}
	}
	signer, err := attest.OpenSigner(cmp.Or(o.Keys.Attestation, filepath.Join(dir, attest.AttestationKeyFile)))
	if err != nil {
		return nil, err
	}
	keys = append(keys, signer)
	// The verdict key must be the one verifiers were given.
	if pub, err := attest.LoadPublicKey(filepath.Join(dir, attest.AttestationPubFile)); err == nil && !pub.Equal(signer.PublicKey()) {
		closeKeys()
		return nil, glassbox.Errorf(glassbox.EINVALID, "the attestation key %s is not the key of %s: the verdicts it signed would not verify", attest.RedactRef(cmp.Or(o.Keys.Attestation, filepath.Join(dir, attest.AttestationKeyFile))), filepath.Join(dir, attest.AttestationPubFile))
	} else if o.Keys.Attestation != "" && err != nil {
		closeKeys()
		return nil, glassbox.Errorf(glassbox.EINVALID, "with the attestation key in %s, the key directory must hold its public half: %v", attest.RedactRef(o.Keys.Attestation), err)
	}
	// Clients' statements (attest, POST /attestations) are signed by a key
	// of their own, never by the verdict key above.
	var submissions *attest.Signer
	if o.Keys.Submission != "" {
		submissions, err = attest.OpenSigner(o.Keys.Submission)
		if err == nil && submissions.KeyID() == signer.KeyID() {
			err = glassbox.Errorf(glassbox.EINVALID, "the submission key %s is the attestation key: clients' statements must be signed by another key than the centre's verdicts", attest.RedactRef(o.Keys.Submission))
		}
	} else {
		submissions, err = attest.LoadOrCreateSubmissionSigner(dir)
	}
	if err != nil {
		closeKeys()
		return nil, err
	}
	keys = append(keys, submissions)
	logVerifier, err := attest.LoadLogVerifier(filepath.Join(dir, "log.vkey"))
	if err != nil {
		closeKeys()
		return nil, err
	}
	logSigner, logKey, err := attest.OpenLogSigner(cmp.Or(o.Keys.Log, filepath.Join(dir, "log.key")), logVerifier)
	if err != nil {
		closeKeys()
		return nil, err
	}
	if logKey != nil {
		keys = append(keys, logKey)
	}
	c, err := openStores(ctx, data, o)
	if err != nil {
		closeKeys()
		return nil, err
	}
	c.keys = keys
	lo, err := logOptions(data, o.WitnessPolicy)
	if err != nil {
		c.Close()
		return nil, err
	}
	lo.CheckpointInterval = o.CheckpointInterval
	if o.SharedLog != nil {
		c.Log, err = tlog.OpenShared(ctx, *o.SharedLog, logSigner, logVerifier, lo)
	} else {
		c.Log, err = tlog.Open(ctx, filepath.Join(data, "log"), logSigner, logVerifier, lo)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if c.Notary, err = notary.New(ctx, signer, c.Log, c.Blobs, c.Store); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Notary.AcceptSubmissions(submissions); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// WitnessPolicyFile, in the data directory, names the witnesses that must
// cosign the log's checkpoints, in the Sigsum policy format
// (tlog.ParseWitnessPolicy). Without it the log is not witnessed.
const WitnessPolicyFile = "witnesses.policy"

// logOptions are the log's options for the data directory: its witnesses,
// if it has a policy (policy, or DATA/witnesses.policy).
func logOptions(data, policy string) (tlog.Options, error) {
	var o tlog.Options
	p := cmp.Or(policy, filepath.Join(data, WitnessPolicyFile))
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) && policy == "" {
		return o, nil
	}
	if err != nil {
		return o, glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", p, err)
	}
	if o.Witnesses, err = tlog.ParseWitnessPolicy(b); err != nil {
		return o, glassbox.Errorf(glassbox.EINVALID, "%s: %w", p, err)
	}
	return o, nil
}

// Close closes the notary (its appends in flight finish), the log and the
// stores.
func (c *Centre) Close() error {
	// Closing publishes the log's last checkpoint, which a cancelled
	// command must still do.
	ctx := context.Background()
	var errs []error
	if c.Notary != nil {
		errs = append(errs, c.Notary.Close(ctx))
	}
	if c.Log != nil {
		errs = append(errs, c.Log.Close(ctx))
	}
	errs = append(errs, c.Store.Close(), c.Blobs.Close())
	for _, k := range c.keys {
		errs = append(errs, k.Close())
	}
	return errors.Join(errs...)
}

// verifier is the centre's identity in its VSAs: the given one, or
// https://glassbox.dev/centre/ followed by the log's origin.
func (c *Centre) verifier(given string) string {
	switch {
	case given != "":
		return given
	case c.Log != nil:
		return "https://glassbox.dev/centre/" + c.Log.Origin()
	case c.origin != "":
		return "https://glassbox.dev/centre/" + c.origin
	}
	return given
}

// VulnStore is the centre's vulnerability database: its sources and
// snapshot records in the evidence store, and the current snapshot named
// in the metadata database, which every process of a deployment shares.
func (c *Centre) VulnStore() *vuln.Store {
	return &vuln.Store{Blobs: c.Blobs, Current: &dbPointer{
		store: c.Store, name: "vulndb/current", legacy: vuln.FilePointer(filepath.Join(c.Data, "vulndb", "current")),
	}}
}

// dbPointer is a pointer in the metadata database. A data directory from
// before the database kept it has it in a file (legacy), adopted into the
// database on first read.
type dbPointer struct {
	store interface {
		Pointer(ctx context.Context, name string) (glassbox.Digest, error)
		SetPointer(ctx context.Context, name string, d glassbox.Digest) error
	}
	name   string
	legacy vuln.FilePointer
}

func (p *dbPointer) Get(ctx context.Context) (glassbox.Digest, error) {
	d, err := p.store.Pointer(ctx, p.name)
	if err != nil || d != "" {
		return d, err
	}
	if d, err = p.legacy.Get(ctx); err != nil || d == "" {
		return d, err
	}
	return d, p.store.SetPointer(ctx, p.name, d)
}

func (p *dbPointer) Set(ctx context.Context, d glassbox.Digest) error {
	return p.store.SetPointer(ctx, p.name, d)
}

// Jobs returns the stage jobs (provenance, rebuild, scan, SBOM,
// vulnerabilities) of a release over the centre's stores. Fresh runs each
// again instead of reusing the evidence stored for the release. The
// caller closes it, which removes its scratch directory.
func (c *Centre) Jobs(rel *glassbox.Release, fresh bool) *stage.Jobs {
	return &stage.Jobs{Blobs: c.Blobs, Evidence: c.Store, Release: rel, Fresh: fresh}
}
