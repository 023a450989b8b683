// Package centretest starts a real centre for tests: keys, evidence store,
// SQLite index, transparency log and notary, in a test's temporary
// directory, closed when the test ends.
package centretest

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/evidence"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/sqlstore"
	"glassbox.dev/internal/witnesstest"
	"glassbox.dev/notary"
	"glassbox.dev/sqlite"
	"glassbox.dev/tlog"
)

// Centre is a running centre.
type Centre struct {
	Dir      string
	Keys     *attest.KeyFiles
	Blobs    evidence.Store
	Store    *sqlstore.Store // releases, evidence, judgements, the log's index
	Notary   *notary.Notary
	Log      *tlog.Log
	Key      ed25519.PublicKey // the attestation key: what verifiers trust
	Verifier note.Verifier     // the log's checkpoint key
}

// New starts a centre whose notary also accepts clients' submissions. Its
// log publishes a checkpoint every 100 ms and writes batches after 10 ms.
func New(t testing.TB, origin string) *Centre {
	t.Helper()
	return NewWithLog(t, origin, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
}

// NewWithLog starts a centre as New does, with a log tuned by o (its zero
// value: the production defaults), for benchmarks that measure what a
// deployed centre would do.
func NewWithLog(t testing.TB, origin string, o tlog.Options) *Centre {
	t.Helper()
	return NewWithLogOptions(t, origin, func(string) tlog.Options { return o })
}

// NewWitnessed starts a centre as New does, whose log must have each
// checkpoint cosigned by threshold of n real witnesses (litewitness),
// which it returns.
func NewWitnessed(t testing.TB, origin string, n, threshold int) (*Centre, []*witnesstest.Witness) {
	t.Helper()
	ws := witnesstest.StartEmpty(t, n)
	c := NewWithLogOptions(t, origin, func(vkey string) tlog.Options {
		for _, w := range ws {
			w.AddLog(origin, vkey)
		}
		policy, err := tlog.ParseWitnessPolicy(witnesstest.Policy(ws, threshold))
		if err != nil {
			t.Fatal(err)
		}
		return tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6, Witnesses: policy, WitnessTimeout: 2 * time.Second}
	})
	return c, ws
}

// NewWithLogOptions starts a centre whose log is tuned by the options opts gives
// for the log's verifier key.
func NewWithLogOptions(t testing.TB, origin string, opts func(logVKey string) tlog.Options) *Centre {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	kf, err := attest.GenerateKeys(filepath.Join(dir, "keys"), origin, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.LoadSigner(kf.PrivateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := attest.LoadOrCreateSubmissionSigner(kf.Dir)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := attest.LoadLogSigner(kf.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	lv, err := attest.LoadLogVerifier(kf.LogVerifierKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	blobs, meta := Stores(t, dir)
	vkey, err := os.ReadFile(kf.LogVerifierKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, filepath.Join(dir, "log"), ls, lv, opts(strings.TrimSpace(string(vkey))))
	if err != nil {
		t.Fatal(err)
	}
	n, err := notary.New(ctx, s, l, blobs, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AcceptSubmissions(sub); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(ctx); l.Close(ctx) })
	return &Centre{Dir: dir, Keys: kf, Blobs: blobs, Store: meta, Notary: n, Log: l, Key: s.PublicKey(), Verifier: lv}
}

// Stores opens a data directory's evidence store and SQLite metadata in
// dir, closed when the test ends (after anything opened later).
func Stores(t testing.TB, dir string) (*evidence.FS, *sqlstore.Store) {
	t.Helper()
	blobs, err := evidence.OpenFS(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	meta, err := sqlite.Open(context.Background(), filepath.Join(dir, "glassbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { meta.Close() })
	return blobs, meta
}

// Router stores router 2.1.0 in the centre: a C source file and one
// shipped artefact, with no recipe; it evaluates in a second or two.
func (c *Centre) Router(t testing.TB) *glassbox.Release {
	t.Helper()
	src, dist := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"), 0o644)
	art := filepath.Join(dist, "router.img")
	os.WriteFile(art, []byte("router firmware"), 0o644)
	res, err := (&ingest.Ingester{Blobs: c.Blobs, Releases: c.Store}).Submit(context.Background(), ingest.Request{Product: "router", Version: "2.1.0", SourceDir: src, Artifacts: []string{art}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Release
}

// PostgresSchema makes a schema for one test on the PostgreSQL server at
// url, drops it when the test ends, and returns a URL whose connections
// use it.
func PostgresSchema(t testing.TB, url string) string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("test_%d", rand.Uint64())
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + name + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + name
}
