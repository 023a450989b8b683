package tlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/fsck"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// Check recomputes the log in dir from its entries with Tessera's fsck —
// every entry bundle, every tile, the root the checkpoint signs — and
// returns an ECORRUPT error naming the first resource that disagrees. A log
// that fails it must be neither served nor appended to: its proofs would be
// wrong, and a leaf appended to it would be proved against a broken tree.
func Check(ctx context.Context, dir string, verifier note.Verifier) error {
	if _, err := os.Stat(filepath.Join(dir, layout.CheckpointPath)); errors.Is(err, os.ErrNotExist) {
		// A log Tessera has not yet published anything for is empty; one
		// with tiles or entries but no checkpoint has lost it.
		if _, err := os.Stat(filepath.Join(dir, "tile")); err == nil {
			return corrupt(dir, "its checkpoint is missing but it holds tiles")
		}
		return nil
	}
	f := fsck.New(verifier.Name(), verifier, bundleFiles{client.FileFetcher{Root: dir}}, leafHashes, fsck.Opts{N: 2})
	if err := f.Check(ctx); err != nil {
		if ctx.Err() != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "tlog: check %s: %w", dir, ctx.Err())
		}
		return corrupt(dir, describeFsck(err))
	}
	return nil
}

func corrupt(dir, what string) error {
	return glassbox.Errorf(glassbox.ECORRUPT, "tlog: the log in %s is corrupt: %s; it is neither served nor appended to: restore the directory from a backup (or a mirror of the served tiles)", dir, what)
}

// describeFsck keeps the first line of fsck's error, which names the tile or
// bundle (fsck follows it with hex dumps of both contents), without fsck's
// own prefixes.
func describeFsck(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	s = strings.TrimPrefix(s, "failed: ")
	s = strings.TrimPrefix(s, "error while streaming bundles: ")
	if p, ok := strings.CutSuffix(s, ": log has:"); ok {
		return p + " does not hold what the log's entries give"
	}
	return s
}

// bundleFiles reads the log's files as fsck asks for them, refusing an
// entry bundle that does not parse or holds another number of entries than
// its name says, so that the error names the bundle.
type bundleFiles struct{ client.FileFetcher }

func (f bundleFiles) ReadEntryBundle(ctx context.Context, i uint64, p uint8) ([]byte, error) {
	b, err := f.FileFetcher.ReadEntryBundle(ctx, i, p)
	if err != nil {
		return nil, err
	}
	want := int(p)
	if want == 0 {
		want = layout.EntryBundleWidth
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil || len(eb.Entries) < want {
		return nil, fmt.Errorf("%s does not hold the %d entries its name promises", layout.EntriesPath(i, p), want)
	}
	return b, nil
}

// leafHashes reads an entry bundle into the RFC 6962 hashes of its leaves.
func leafHashes(bundle []byte) ([][]byte, error) {
	var eb api.EntryBundle
	if err := eb.UnmarshalText(bundle); err != nil {
		return nil, err
	}
	hs := make([][]byte, len(eb.Entries))
	for i, e := range eb.Entries {
		hs[i] = rfc6962.DefaultHasher.HashLeaf(e)
	}
	return hs, nil
}
