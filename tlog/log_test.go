package tlog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/formats/proof"
	"golang.org/x/mod/sumdb/note"
	sumtlog "golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "transparency.example.org/glassbox/test"

func newKeys(t testing.TB, origin string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func openTestLog(t testing.TB, dir string, s note.Signer, v note.Verifier) *Log {
	t.Helper()
	l, err := Open(context.Background(), dir, s, v, Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

// httpTiles reads tiles from a served log the way golang.org/x/mod's
// sumdb/tlog asks for them, translating its paths (which name the tile
// height) into C2SP tlog-tiles paths (which do not).
type httpTiles struct {
	t    testing.TB
	base string
}

func (h httpTiles) Height() int { return 8 }

func (h httpTiles) ReadTiles(tiles []sumtlog.Tile) ([][]byte, error) {
	var out [][]byte
	for _, tile := range tiles {
		p := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		resp, err := http.Get(h.base + "/" + p)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
		out = append(out, b)
	}
	return out, nil
}

func (h httpTiles) SaveTiles([]sumtlog.Tile, [][]byte) {}

func recordHash(leaf []byte) sumtlog.Hash { return sumtlog.RecordHash(leaf) }

// checkpointTree opens a signed checkpoint with the note package alone and
// returns its tree.
func checkpointTree(t testing.TB, cp []byte, v note.Verifier) sumtlog.Tree {
	t.Helper()
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v\n%s", err, cp)
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(n.Text)); err != nil {
		t.Fatal(err)
	}
	return sumtlog.Tree{N: int64(c.Size), Hash: sumtlog.Hash(c.Hash)}
}

// TestIndependentVerifier appends leaves from many goroutines, serves the
// log over HTTP, and checks every inclusion proof, the tiles and the
// consistency of successive checkpoints with golang.org/x/mod/sumdb/tlog and
// note only, as an outside auditor would.
func TestIndependentVerifier(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	l := openTestLog(t, t.TempDir(), s, v)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	tiles := httpTiles{t, srv.URL}

	var checkpoints []sumtlog.Tree
	for round := range 3 {
		const n = 300
		incs := make([]*Inclusion, n)
		leaves := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			leaves[i] = fmt.Appendf(nil, "leaf %d of round %d", i, round)
			wg.Add(1)
			go func() {
				defer wg.Done()
				inc, err := l.Append(context.Background(), leaves[i])
				if err != nil {
					t.Error(err)
					return
				}
				incs[i] = inc
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		for i, inc := range incs {
			// The receipt as a submitter gets it, read back with the
			// formats package's tlog-proof parser.
			r, err := NewReceipt([]byte("{}"), leaves[i], inc)
			if err != nil {
				t.Fatal(err)
			}
			var tp proof.TLogProof
			if err := tp.Unmarshal([]byte(r.TLogProof)); err != nil {
				t.Fatalf("receipt %d: formats cannot parse its tlog-proof: %v", i, err)
			}
			tree := checkpointTree(t, tp.Checkpoint, v)
			var p sumtlog.RecordProof
			for _, h := range tp.Hashes {
				p = append(p, sumtlog.Hash(h))
			}
			if err := sumtlog.CheckRecord(p, tree.N, tree.Hash, int64(tp.Index), recordHash(tp.ExtraData)); err != nil {
				t.Fatalf("receipt for leaf %d at %d: inclusion proof does not check: %v", i, tp.Index, err)
			}
			if string(tp.ExtraData) != string(leaves[i]) {
				t.Fatalf("receipt %d carries another leaf", i)
			}
		}
		// The served tiles agree with the latest checkpoint and prove the
		// same records.
		resp, err := http.Get(srv.URL + "/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		cp, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tree := checkpointTree(t, cp, v)
		thr := sumtlog.TileHashReader(tree, tiles)
		if h, err := sumtlog.TreeHash(tree.N, thr); err != nil || h != tree.Hash {
			t.Fatalf("tree hash from served tiles = %v, %v; checkpoint says %v", h, err, tree.Hash)
		}
		p, err := sumtlog.ProveRecord(tree.N, int64(incs[7].Index), thr)
		if err != nil {
			t.Fatal(err)
		}
		if err := sumtlog.CheckRecord(p, tree.N, tree.Hash, int64(incs[7].Index), recordHash(leaves[7])); err != nil {
			t.Fatalf("proof built from served tiles: %v", err)
		}
		// Every earlier checkpoint is consistent with this one.
		for _, old := range checkpoints {
			tp, err := sumtlog.ProveTree(tree.N, old.N, thr)
			if err != nil {
				t.Fatal(err)
			}
			if err := sumtlog.CheckTree(tp, tree.N, tree.Hash, old.N, old.Hash); err != nil {
				t.Fatalf("checkpoint %d is not consistent with %d: %v", old.N, tree.N, err)
			}
			// And glassbox's own consistency proofs agree.
			gp, err := l.ConsistencyProof(context.Background(), uint64(old.N), uint64(tree.N))
			if err != nil {
				t.Fatal(err)
			}
			var tp2 sumtlog.TreeProof
			for _, h := range gp {
				tp2 = append(tp2, sumtlog.Hash(h))
			}
			if err := sumtlog.CheckTree(tp2, tree.N, tree.Hash, old.N, old.Hash); err != nil {
				t.Fatalf("glassbox's consistency proof %d→%d does not check: %v", old.N, tree.N, err)
			}
		}
		checkpoints = append(checkpoints, tree)
	}
}

func TestServedHeaders(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	l := openTestLog(t, t.TempDir(), s, v)
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			if _, err := l.Append(context.Background(), fmt.Appendf(nil, "%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/checkpoint":            "no-cache",
		"/tile/0/000":            "public, max-age=31536000, immutable",
		"/tile/entries/000":      "public, max-age=31536000, immutable",
		"/tile/1/000.p/1":        "no-cache",
		"/tile/entries/001.p/44": "no-cache",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != want {
			t.Errorf("GET %s: %s, Cache-Control %q; want 200, %q", path, resp.Status, resp.Header.Get("Cache-Control"), want)
		}
	}
	for _, path := range []string{"/.origin", "/.state/treeState", "/tile/0/../../.origin", "/tile/0/1", "/tile/99/000"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %s; want 404", path, resp.Status)
		}
	}
}

func TestReopenWithAnotherOriginIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, v := newKeys(t, testOrigin)
	l := openTestLog(t, dir, s, v)
	l.Close(context.Background())
	s2, v2 := newKeys(t, "other.example/log")
	if _, err := Open(context.Background(), dir, s2, v2, Options{}); err == nil || !strings.Contains(err.Error(), "has origin") {
		t.Fatalf("reopening under another origin: %v", err)
	}
}

func TestReceiptRoundTrip(t *testing.T) {
	s, v := newKeys(t, testOrigin)
	l := openTestLog(t, t.TempDir(), s, v)
	leaf := []byte("glassbox.dev/attestation/v1\n")
	inc, err := l.Append(context.Background(), leaf)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReceipt([]byte(`{"payload":"x"}`), leaf, inc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r2, p, err := ParseReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(r2.Envelope) != `{"payload":"x"}` || string(p.ExtraData) != string(leaf) || p.Index != inc.Index || string(p.Checkpoint) != string(inc.Checkpoint) {
		t.Errorf("receipt did not round-trip: %+v %+v", r2, p)
	}
	_ = sha256.Size
}
