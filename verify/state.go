package verify

import (
	"bytes"
	"context"
	"errors"
	"glassbox.dev/internal/atomicfile"
	"os"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// State is the largest checkpoint a verifier has seen, kept in a file
// between runs. Every newer checkpoint must be proved consistent with it, so
// a log that shows different histories to different people is caught the
// moment one of them sees both.
type State struct {
	path string
	raw  []byte
	cp   *log.Checkpoint
}

// LoadState reads the state file at path; a missing file is an empty state.
// The remembered checkpoint must be signed by the log's key.
func LoadState(path string, v note.Verifier) (*State, error) {
	s := &State{path: path}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "state file %s: %w", path, err)
	}
	cp, _, _, err := log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "state file %s does not hold a checkpoint signed by the log key %s: %v", path, v.Name(), err)
	}
	s.raw, s.cp = raw, cp
	return s, nil
}

// Size returns the size of the remembered checkpoint (0 if none).
func (s *State) Size() uint64 {
	if s.cp == nil {
		return 0
	}
	return s.cp.Size
}

// Check proves the signed checkpoint raw consistent with the remembered
// one, fetching consistency proofs from remote when their sizes differ, and
// remembers the larger. An inconsistency is an ECONFLICT error that says the
// log has shown two histories.
func (s *State) Check(ctx context.Context, raw []byte, v note.Verifier, remote *Remote) error {
	cp, _, _, err := log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "checkpoint: %v", err)
	}
	if s.cp == nil {
		return s.save(raw, cp)
	}
	if cp.Size == s.cp.Size {
		if !bytes.Equal(cp.Hash, s.cp.Hash) {
			return s.splitView(cp, "the same size with a different root hash")
		}
		return nil
	}
	if remote == nil {
		return glassbox.Errorf(glassbox.EINVALID, "the checkpoint of size %d cannot be proved consistent with the remembered checkpoint of size %d (%s) offline; pass --log URL so that glassbox can fetch a consistency proof", cp.Size, s.cp.Size, s.path)
	}
	latestRaw, latest, err := remote.Checkpoint(ctx, v)
	if err != nil {
		return err
	}
	for _, c := range []*log.Checkpoint{s.cp, cp} {
		if c.Size > latest.Size {
			return s.splitView(latest, "a checkpoint of size "+itoa(c.Size)+" was seen, but the log now says its size is "+itoa(latest.Size))
		}
		if c.Size == latest.Size {
			if !bytes.Equal(c.Hash, latest.Hash) {
				return s.splitView(latest, "the same size with a different root hash")
			}
			continue
		}
		p, err := remote.ConsistencyProof(ctx, c.Size, latest.Size)
		if err != nil {
			return err
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, c.Size, latest.Size, p, c.Hash, latest.Hash); err != nil {
			return s.splitView(latest, "no valid consistency proof from size "+itoa(c.Size)+": "+err.Error())
		}
	}
	if latest.Size > s.cp.Size {
		return s.save(latestRaw, latest)
	}
	return nil
}

func (s *State) splitView(other *log.Checkpoint, how string) error {
	return glassbox.Errorf(glassbox.ECONFLICT, "split view: the log %q has shown two histories (%s); the remembered checkpoint of size %d in %s is not consistent with the checkpoint of size %d; do not trust this log and report both checkpoints",
		s.cp.Origin, how, s.cp.Size, s.path, other.Size)
}

// save writes the checkpoint atomically.
func (s *State) save(raw []byte, cp *log.Checkpoint) error {
	if err := atomicfile.Write(s.path, raw, 0o644, true); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "state file: %w", err)
	}
	s.raw, s.cp = raw, cp
	return nil
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
