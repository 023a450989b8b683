package access

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// DefaultTimeout bounds how long Record waits for the log: a read whose
// statement is not in a published checkpoint by then is refused. The log
// publishes a checkpoint every 100 ms, so this is a log in trouble.
const DefaultTimeout = 10 * time.Second

// Entry is one recorded read: what the statement says, where the log holds
// it, and the receipt (the envelope and its inclusion proof) that Verify
// checks offline.
type Entry struct {
	LogIndex       uint64          `json:"log_index"`
	EnvelopeDigest glassbox.Digest `json:"envelope_digest"`
	Access         Predicate       `json:"access"`
	Receipt        *tlog.Receipt   `json:"receipt"`
}

// Recorder records reads in the transparency log and lists them. It is
// safe for concurrent use.
type Recorder struct {
	notary *notary.Notary
	index  glassbox.AttestationStore
	key    ed25519.PublicKey // the centre's attestation key, which the notary signs with

	// Timeout bounds Record's wait for the log; zero means DefaultTimeout.
	// Set it before the Recorder is used.
	Timeout time.Duration
	// now is the clock of TimeRead; tests set it.
	now func() time.Time
}

// NewRecorder returns a Recorder that signs through n (with the centre's
// attestation key, whose public half is key) and finds recorded reads in
// index, the index n keeps of the log.
func NewRecorder(n *notary.Notary, index glassbox.AttestationStore, key ed25519.PublicKey) *Recorder {
	return &Recorder{notary: n, index: index, key: key, now: time.Now}
}

// Record signs the read as an access statement, logs it and waits until a
// published checkpoint includes it. Only then may the content be served.
// A read that cannot be described (no reader, no paths, an unknown kind)
// is EINVALID; any failure to sign, store or log it, including the wait
// running past Timeout or ctx ending, is EUNAVAILABLE. On any error the
// caller must refuse the read.
//
// One statement records a whole request, however many paths it serves;
// concurrent Records share the log's batched writes and checkpoints. A
// request serving more than a statement holds (4 MiB, some 30 000 paths)
// should record the archive it serves as one path.
//
// A Record that times out after the log sequenced its statement may still
// see it logged: the record then shows a read that was refused, never the
// other way round.
func (r *Recorder) Record(ctx context.Context, read Read) (*Entry, error) {
	p, err := read.predicate()
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	p.ID = hex.EncodeToString(id[:])
	p.TimeRead = r.now().UTC()
	body, err := json.Marshal(p)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the access statement: %w", err)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	receipt, err := r.notary.Attest(ctx, notary.Request{
		Subjects:      []attest.Subject{{Name: "release", Digest: p.Release}},
		PredicateType: PredicateType,
		Predicate:     body,
	})
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.EINVALID {
			return nil, glassbox.Errorf(glassbox.EINVALID, "refusing to record the read (and so to serve it): %w", err)
		}
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "the transparency log cannot record the read, so it is refused; retry later: %w", err)
	}
	idx, err := logIndex(receipt)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "the transparency log cannot record the read, so it is refused; retry later: %w", err)
	}
	return &Entry{LogIndex: idx, EnvelopeDigest: glassbox.DigestOf(receipt.Envelope), Access: *p, Receipt: receipt}, nil
}

// logIndex reads the index a receipt proves.
func logIndex(r *tlog.Receipt) (uint64, error) {
	b, err := r.Marshal()
	if err != nil {
		return 0, err
	}
	_, p, err := tlog.ParseReceipt(b)
	if err != nil {
		return 0, err
	}
	return p.Index, nil
}

// List returns every read of a release the log holds, oldest first, each
// with a receipt proved against the current checkpoint. The entries are
// what the centre's store says; Verify checks each against the keys.
func (r *Recorder) List(ctx context.Context, release glassbox.Digest) ([]Entry, error) {
	if err := release.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "release: %w", err)
	}
	if err := r.notary.IndexLog(ctx); err != nil {
		return nil, err
	}
	atts, err := r.index.FindAttestations(ctx, release)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for _, a := range atts {
		if a.PredicateType != PredicateType {
			continue
		}
		receipt, err := r.notary.Receipt(ctx, a.EnvelopeDigest)
		if err != nil {
			return nil, err
		}
		v, err := attest.VerifyEnvelope(receipt.Envelope, r.key)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the access statement at log entry %d: %w", a.LogIndex, err)
		}
		p, err := parsePredicate(v.Predicate)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the access statement at log entry %d: %v", a.LogIndex, err)
		}
		out = append(out, Entry{LogIndex: a.LogIndex, EnvelopeDigest: a.EnvelopeDigest, Access: *p, Receipt: receipt})
	}
	return out, nil
}
