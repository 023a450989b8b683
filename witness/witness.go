// Package witness makes a centre a witness of other centres' logs (C2SP
// tlog-witness): it cosigns a log's checkpoint only after checking that
// it is signed by the log's key and that the tree grew from the one it
// cosigned last (a consistency proof), so that a federation of centres
// needs no third party to catch a log that forks.
package witness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
)

// Bounds on a request: a checkpoint note with its signatures, and a
// consistency proof (at most 64 hashes for any tree of 2^64 entries).
const (
	maxRequest    = 64 << 10
	maxProofLines = 64
)

// Witness cosigns the checkpoints of the logs its store knows.
type Witness struct {
	signer note.Signer
	vkey   string
	store  glassbox.WitnessStore
}

// New returns a witness that signs with skey, a C2SP signed-note private
// key (Ed25519), producing cosignature/v1 signatures.
func New(skey string, store glassbox.WitnessStore) (*Witness, error) {
	s, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the witness key: %v", err)
	}
	vkey, err := VerifierKey(skey)
	if err != nil {
		return nil, err
	}
	return &Witness{signer: s, vkey: vkey, store: store}, nil
}

// VerifierKey returns the cosignature/v1 verifier key of the witness
// private key skey (a C2SP signed-note Ed25519 key).
func VerifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", glassbox.Errorf(glassbox.EINVALID, "the witness key is not a signed-note private key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", glassbox.Errorf(glassbox.EINVALID, "the witness key is not an Ed25519 signed-note key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "the witness key: %v", err)
	}
	return f_note.VKeyToCosignatureV1(vkey)
}

// VerifierKey is the witness's public key, for the witness policies of the
// logs it witnesses and of their verifiers.
func (w *Witness) VerifierKey() string { return w.vkey }

// Name is the name in the witness's cosignatures.
func (w *Witness) Name() string { return w.signer.Name() }

// Handler serves POST /add-checkpoint.
func (w *Witness) Handler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
		if err != nil {
			http.Error(rw, "the request could not be read", http.StatusBadRequest)
			return
		}
		if len(body) > maxRequest {
			http.Error(rw, "the request is too large", http.StatusRequestEntityTooLarge)
			return
		}
		cosig, err := w.AddCheckpoint(r.Context(), body)
		var conflict *glassbox.WitnessConflict
		switch {
		case errors.As(err, &conflict):
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", conflict.Size)
		case err == nil:
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			rw.Write(cosig)
		default:
			status := map[string]int{glassbox.EINVALID: http.StatusBadRequest, glassbox.EFORBIDDEN: http.StatusForbidden,
				glassbox.ENOTFOUND: http.StatusNotFound, glassbox.ECONFLICT: http.StatusUnprocessableEntity}[glassbox.ErrorCode(err)]
			if status == 0 {
				slog.Error("witness", "err", err)
				status = http.StatusInternalServerError
			}
			http.Error(rw, err.Error(), status)
		}
	})
}

// AddCheckpoint answers one add-checkpoint request: "old SIZE", the
// consistency proof's hashes one per line, an empty line, and the signed
// checkpoint. It returns the cosignature line, or a *WitnessConflict when
// the request's old size is not the one the witness stands at.
func (w *Witness) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return nil, glassbox.Errorf(glassbox.EINVALID, "not an add-checkpoint request: no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	size, ok := strings.CutPrefix(lines[0], "old ")
	old, err := strconv.ParseUint(size, 10, 64)
	if !ok || err != nil || len(lines)-1 > maxProofLines {
		return nil, glassbox.Errorf(glassbox.EINVALID, "not an add-checkpoint request: want \"old SIZE\" and at most %d proof hashes", maxProofLines)
	}
	var hashes [][]byte
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != 32 {
			return nil, glassbox.Errorf(glassbox.EINVALID, "a proof line is not a base64 SHA-256 hash")
		}
		hashes = append(hashes, h)
	}
	origin, _, _ := bytes.Cut(cp, []byte("\n"))
	known, err := w.store.WitnessedLog(ctx, string(origin))
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, glassbox.Errorf(glassbox.EFORBIDDEN, "this centre does not witness the log %q", origin)
	}
	if err != nil {
		return nil, err
	}
	var verifiers []note.Verifier
	for _, k := range known.Keys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "a stored key of the witnessed log %s: %v", origin, err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(cp, note.VerifierList(verifiers...))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EFORBIDDEN, "the checkpoint is not signed by a key of the log %q: %v", origin, err)
	}
	c, err := parseCheckpoint(n.Text, string(origin))
	if err != nil {
		return nil, err
	}
	if old > c.Size {
		return nil, glassbox.Errorf(glassbox.EINVALID, "old size %d is beyond the checkpoint's %d", old, c.Size)
	}
	if old != known.Size {
		return nil, &glassbox.WitnessConflict{Size: known.Size}
	}
	if old > 0 {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old, c.Size, hashes, known.Hash, c.Hash); err != nil {
			return nil, glassbox.Errorf(glassbox.ECONFLICT, "the checkpoint of size %d is not consistent with the tree of size %d this witness cosigned: %v", c.Size, old, err)
		}
	}
	if err := w.store.AdvanceWitnessedLog(ctx, c.Origin, old, c.Size, c.Hash); err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "cosign: %w", err)
	}
	// The answer is the cosignature line alone: what follows the note's
	// last blank line.
	i := bytes.LastIndex(signed, []byte("\n\n"))
	return signed[i+2:], nil
}

// parseCheckpoint reads a checkpoint's text; its origin must be the one
// the request named.
func parseCheckpoint(text, origin string) (*log.Checkpoint, error) {
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(text)); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "not a checkpoint: %v", err)
	}
	if c.Origin != origin {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the checkpoint's origin %q is not %q", c.Origin, origin)
	}
	return &c, nil
}
