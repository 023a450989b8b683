// Package tlogcheck reads and checks a C2SP tlog-tiles log over HTTP with
// code independent of Tessera and of glassbox's log: the Go team's
// golang.org/x/mod/sumdb/tlog (whose tiles C2SP tlog-tiles comes from)
// recomputes the tree, and the C2SP formats are parsed here from their
// specifications. Tests use it to check that what the centre serves is one
// consistent log.
package tlogcheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a verified C2SP checkpoint's body.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Note   []byte
}

// Log is a log served over HTTP at a base URL.
type Log struct {
	URL      string // base: URL/checkpoint, URL/tile/…
	Verifier note.Verifier
	Client   *http.Client
}

func (l *Log) get(ctx context.Context, p string) ([]byte, error) {
	c := l.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(l.URL, "/")+"/"+p, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}

// Checkpoint fetches and verifies the log's checkpoint.
func (l *Log) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	b, err := l.get(ctx, "checkpoint")
	if err != nil {
		return nil, err
	}
	return Parse(b, l.Verifier)
}

// Parse verifies a signed checkpoint and reads its body (C2SP
// tlog-checkpoint: origin, size, base64 root hash, optional extensions).
func Parse(b []byte, v note.Verifier) (*Checkpoint, error) {
	n, err := note.Open(b, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("the checkpoint does not verify: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return nil, fmt.Errorf("the checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("the checkpoint's size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return nil, fmt.Errorf("the checkpoint's root %q", lines[2])
	}
	if lines[0] != v.Name() {
		return nil, fmt.Errorf("the checkpoint's origin %q is not %q", lines[0], v.Name())
	}
	return &Checkpoint{Origin: lines[0], Size: size, Root: tlog.Hash(root), Note: b}, nil
}

// tiles reads hash tiles over HTTP for sumdb's TileHashReader: a sumdb
// tile tile/8/L/N[.p/W] is C2SP's tile/L/N[.p/W].
type tiles struct {
	ctx context.Context
	l   *Log
}

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		p := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		b, err := t.l.get(t.ctx, p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// Entries reads every entry of the tree of cp's size, checks each
// against the tree's tiles, checks that those tiles hash to cp's root, and
// returns the entries in order.
func (l *Log) Entries(ctx context.Context, cp *Checkpoint) ([][]byte, error) {
	hr := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Root}, tiles{ctx, l})
	root, err := tlog.TreeHash(cp.Size, hr)
	if err != nil {
		return nil, fmt.Errorf("the tree of size %d: %w", cp.Size, err)
	}
	if root != cp.Root {
		return nil, fmt.Errorf("the tiles hash to %v, not the checkpoint's root %v", root, cp.Root)
	}
	var entries [][]byte
	for n := int64(0); n*256 < cp.Size; n++ {
		w := min(cp.Size-n*256, 256)
		p := "tile/entries/" + nPath(n)
		if w < 256 {
			p += ".p/" + strconv.FormatInt(w, 10)
		}
		b, err := l.get(ctx, p)
		if err != nil {
			return nil, err
		}
		bundle, err := parseBundle(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if int64(len(bundle)) < w {
			return nil, fmt.Errorf("%s holds %d entries, not %d", p, len(bundle), w)
		}
		entries = append(entries, bundle[:w]...)
	}
	idx := make([]int64, len(entries))
	for i := range entries {
		idx[i] = tlog.StoredHashIndex(0, int64(i))
	}
	hashes, err := hr.ReadHashes(idx)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		if tlog.RecordHash(e) != hashes[i] {
			return nil, fmt.Errorf("entry %d does not hash to the tree's leaf %d", i, i)
		}
	}
	return entries, nil
}

// Consistent checks that the tree of older's size is a prefix of newer's,
// from the tiles of newer's tree.
func (l *Log) Consistent(ctx context.Context, older, newer *Checkpoint) error {
	if older.Size > newer.Size {
		return fmt.Errorf("the log shrank from %d to %d", older.Size, newer.Size)
	}
	hr := tlog.TileHashReader(tlog.Tree{N: newer.Size, Hash: newer.Root}, tiles{ctx, l})
	root, err := tlog.TreeHash(older.Size, hr)
	if err != nil {
		return err
	}
	if root != older.Root {
		return fmt.Errorf("the tree of size %d in today's log hashes to %v, not %v as its checkpoint said: the log forked", older.Size, root, older.Root)
	}
	return nil
}

// nPath writes a tile index as C2SP does: groups of three digits, all but
// the last prefixed with x.
func nPath(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	return s
}

// parseBundle reads a C2SP entry bundle: big-endian uint16 lengths, each
// followed by that many bytes.
func parseBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		var n uint16
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			return nil, fmt.Errorf("a truncated length")
		}
		e := make([]byte, n)
		if _, err := io.ReadFull(r, e); err != nil {
			return nil, fmt.Errorf("a truncated entry")
		}
		out = append(out, e)
	}
	return out, nil
}
