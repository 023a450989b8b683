// Package monitor follows centres' transparency logs as an outsider does,
// over C2SP tlog-tiles: it checks every checkpoint against the log's key
// (and the witnesses' cosignatures a policy asks for), hashes every entry
// into the tree it keeps of each log and checks that tree against the
// checkpoint, so that a log that rewrote, dropped or forked its history
// is caught; it parses every entry as a glassbox leaf and reports those
// about the artefacts and releases it watches, with their envelopes'
// signatures checked against the centre's key. What it has verified (the
// checkpoint and the tree's compact range) is kept per log across runs.
package monitor

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/atomicfile"
	"glassbox.dev/verify"
	"glassbox.dev/verify/policy"
)

// Log is one centre's log to follow.
type Log struct {
	URL string
	// Verifier is the log's checkpoint key; its name is the log's origin.
	Verifier note.Verifier
}

// Options shape a Monitor.
type Options struct {
	Logs []Log
	// StateDir keeps, per log origin, what was verified last.
	StateDir string
	// Watch are the artefacts and releases (subject digests) whose entries
	// are reported; All reports every entry.
	Watch []glassbox.Digest
	All   bool
	// Keys are the centres' attestation keys: a reported entry signed by
	// one of them (its leaf's key ID) has its envelope fetched and checked.
	Keys []ed25519.PublicKey
	// Witnesses, when set, must have cosigned every checkpoint.
	Witnesses *policy.Witnesses
	// Envelopes checks every entry's envelope, not only those reported:
	// fetched by its first subject (GET /attestations/{digest}), matched by
	// digest and, when its key is one of Keys, its signature verified. An
	// entry whose envelope the centre does not serve is an inconsistency,
	// except access statements, which are confidential and only counted.
	// One request per subject: slower than hashing alone.
	Envelopes bool
	// Seen are signed checkpoints of the logs gathered elsewhere: from
	// receipts, from witnesses' cosigned checkpoints, from other monitors.
	// Each must be consistent with the tree the monitor verified: one of
	// the same size with another root, one that is not a prefix of it, or
	// one larger than what the log now serves, is a split view.
	Seen [][]byte
}

// Event is one thing the monitor reports, as a JSON line.
type Event struct {
	Type string `json:"type"` // checkpoint, entry, envelopes, inconsistency, unwitnessed, error
	Log  string `json:"log"`  // the origin
	URL  string `json:"url"`
	// Size and Root are the checkpoint's (checkpoint, inconsistency).
	Size uint64 `json:"size,omitempty"`
	Root []byte `json:"root,omitempty"`
	// Cosigned lists the witnesses whose cosignature the checkpoint
	// carries, of those the policy names.
	Cosigned []string `json:"cosigned,omitempty"`
	// An entry's: its index, leaf and whether its envelope verified.
	Index         *uint64           `json:"index,omitempty"`
	PredicateType string            `json:"predicate_type,omitempty"`
	KeyID         string            `json:"key_id,omitempty"`
	Subjects      []glassbox.Digest `json:"subjects,omitempty"`
	Envelope      glassbox.Digest   `json:"envelope,omitempty"`
	Signed        *bool             `json:"signed,omitempty"` // the envelope verified with the centre's key
	Detail        string            `json:"detail,omitempty"`
	At            time.Time         `json:"at"`
}

// Monitor follows logs.
type Monitor struct {
	o       Options
	remotes []*verify.Remote
	watch   map[glassbox.Digest]bool
	keys    map[string]ed25519.PublicKey // Options.Keys by key ID
	// Emit receives every event, in order.
	Emit func(Event)
	now  func() time.Time
}

// New returns a monitor of o.Logs.
func New(o Options) (*Monitor, error) {
	if len(o.Logs) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "monitor: no log to follow")
	}
	if o.StateDir == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "monitor: no state directory")
	}
	m := &Monitor{o: o, watch: map[glassbox.Digest]bool{}, keys: map[string]ed25519.PublicKey{}, Emit: func(Event) {}, now: time.Now}
	for _, k := range o.Keys {
		m.keys[attest.KeyID(k)] = k
	}
	for _, d := range o.Watch {
		m.watch[d] = true
	}
	for _, l := range o.Logs {
		if l.Verifier == nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "monitor: no log key for %s", l.URL)
		}
		r, err := verify.NewRemote(l.URL, nil)
		if err != nil {
			return nil, err
		}
		m.remotes = append(m.remotes, r)
	}
	return m, nil
}

// Watch adds subjects (artefacts, releases) whose entries are reported
// from the next Run on.
func (m *Monitor) Watch(ds ...glassbox.Digest) {
	for _, d := range ds {
		m.watch[d] = true
	}
}

// state is what the monitor verified of one log: its newest checkpoint and
// the compact range of the tree up to its size.
type state struct {
	Checkpoint []byte   `json:"checkpoint"`
	Range      [][]byte `json:"range"`
	cp         *log.Checkpoint
}

func (m *Monitor) statePath(origin string) string {
	return filepath.Join(m.o.StateDir, url.PathEscape(origin)+".json")
}

func (m *Monitor) load(l Log) (*state, error) {
	p := m.statePath(l.Verifier.Name())
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return &state{}, nil
	}
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "monitor state %s: %w", p, err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "monitor state %s does not decode: %v", p, err)
	}
	if s.cp, _, _, err = log.ParseCheckpoint(s.Checkpoint, l.Verifier.Name(), l.Verifier); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "monitor state %s holds no checkpoint signed by the log key: %v", p, err)
	}
	rng, err := rangeFactory.NewRange(0, s.cp.Size, s.Range)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "monitor state %s: its range does not fit size %d: %v", p, s.cp.Size, err)
	}
	if root, err := rng.GetRootHash(nil); err != nil || !bytes.Equal(root, s.cp.Hash) {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "monitor state %s: its range does not hash to its checkpoint's root", p)
	}
	return &s, nil
}

func (m *Monitor) save(origin string, s *state) error {
	if err := os.MkdirAll(m.o.StateDir, 0o755); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "monitor state: %w", err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return atomicfile.Write(m.statePath(origin), b, 0o644, true)
}

var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// fetchers bounds the entry bundles fetched at once per log.
const fetchers = 8

// Run follows every log once: it returns whether any showed an
// inconsistency (or a checkpoint the witness policy does not accept), and
// an error for what stopped it from looking (a log it cannot reach).
func (m *Monitor) Run(ctx context.Context) (bad bool, err error) {
	var errs []error
	for i, l := range m.o.Logs {
		b, err := m.follow(ctx, l, m.remotes[i])
		if err == nil {
			var bs bool
			bs, err = m.checkSeen(ctx, l)
			b = b || bs
		}
		bad = bad || b
		if err != nil {
			m.emit(Event{Type: "error", Log: l.Verifier.Name(), URL: l.URL, Detail: err.Error()})
			errs = append(errs, err)
		}
	}
	return bad, errors.Join(errs...)
}

func (m *Monitor) emit(e Event) {
	e.At = m.now().UTC()
	m.Emit(e)
}

// follow brings one log's state up to its served checkpoint.
func (m *Monitor) follow(ctx context.Context, l Log, r *verify.Remote) (bool, error) {
	origin := l.Verifier.Name()
	inconsistent := func(cp *log.Checkpoint, format string, args ...any) (bool, error) {
		e := Event{Type: "inconsistency", Log: origin, URL: l.URL, Detail: fmt.Sprintf(format, args...)}
		if cp != nil {
			e.Size, e.Root = cp.Size, cp.Hash
		}
		m.emit(e)
		return true, nil
	}
	raw, cp, err := r.Checkpoint(ctx, l.Verifier)
	if glassbox.ErrorCode(err) == glassbox.ECONFLICT {
		return inconsistent(nil, "%v", err)
	}
	if err != nil {
		return false, err
	}
	cosigned, witnessed := m.witnessed(raw)
	m.emit(Event{Type: "checkpoint", Log: origin, URL: l.URL, Size: cp.Size, Root: cp.Hash, Cosigned: cosigned})
	bad := false
	if !witnessed {
		m.emit(Event{Type: "unwitnessed", Log: origin, URL: l.URL, Size: cp.Size, Root: cp.Hash, Cosigned: cosigned,
			Detail: fmt.Sprintf("the checkpoint carries cosignatures of %d of the witnesses named; %d are required", len(cosigned), m.o.Witnesses.Threshold)})
		bad = true
	}
	st, err := m.load(l)
	if err != nil {
		return bad, err
	}
	old := uint64(0)
	if st.cp != nil {
		old = st.cp.Size
	}
	switch {
	case st.cp != nil && cp.Size == old:
		if !bytes.Equal(cp.Hash, st.cp.Hash) {
			return inconsistent(cp, "split view: a checkpoint of size %d with root %x, where the monitor verified root %x", cp.Size, cp.Hash, st.cp.Hash)
		}
		return bad, nil
	case cp.Size < old:
		// A log served behind what was verified: it must prove its tree
		// is a prefix of the verified one.
		p, err := m.proofFrom(ctx, origin, cp.Size, old)
		if err != nil {
			return inconsistent(cp, "the log serves a checkpoint of size %d, smaller than the %d the monitor verified, and no consistency proof between them: %v", cp.Size, old, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, cp.Size, old, p, cp.Hash, st.cp.Hash); err != nil {
			return inconsistent(cp, "split view: the checkpoint of size %d is not a prefix of the verified tree of size %d: %v", cp.Size, old, err)
		}
		return bad, nil
	}
	// Hash every new entry into the verified tree.
	rng := rangeFactory.NewEmptyRange(0)
	if st.cp != nil {
		if rng, err = rangeFactory.NewRange(0, old, st.Range); err != nil {
			return bad, glassbox.Errorf(glassbox.ECORRUPT, "monitor state of %s: %v", origin, err)
		}
	}
	badEntry := false
	env := envelopeCheck{served: map[glassbox.Digest]map[glassbox.Digest][]byte{}}
	err = m.entries(ctx, r, old, cp.Size, func(i uint64, leaf []byte) error {
		if err := rng.Append(rfc6962.DefaultHasher.HashLeaf(leaf), nil); err != nil {
			return err
		}
		lf, err := attest.ParseLeaf(leaf)
		if err != nil {
			idx := i
			m.emit(Event{Type: "inconsistency", Log: origin, URL: l.URL, Index: &idx, Detail: fmt.Sprintf("entry %d is not a glassbox leaf: %v", i, err)})
			badEntry = true
			return nil
		}
		if m.o.Envelopes {
			if detail, err := m.checkEnvelope(ctx, r, &env, lf); err != nil {
				return err
			} else if detail != "" {
				idx := i
				m.emit(Event{Type: "inconsistency", Log: origin, URL: l.URL, Index: &idx, Envelope: lf.Envelope, Detail: fmt.Sprintf("entry %d: %s", i, detail)})
				badEntry = true
			}
		}
		if m.o.All || slices.ContainsFunc(lf.Subjects, func(d glassbox.Digest) bool { return m.watch[d] }) {
			m.report(ctx, l, r, &env, i, lf)
		}
		return nil
	})
	if m.o.Envelopes && err == nil {
		m.emit(Event{Type: "envelopes", Log: origin, URL: l.URL, Size: cp.Size,
			Detail: fmt.Sprintf("%d envelopes verified with the centre's key, %d by other keys found as logged, %d access statements (confidential, not served)", env.verified, env.other, env.confidential)})
	}
	if glassbox.ErrorCode(err) == glassbox.ECONFLICT {
		return inconsistent(cp, "%v", err)
	}
	if err != nil {
		return bad, err
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return bad, err
	}
	if !bytes.Equal(root, cp.Hash) {
		return inconsistent(cp, "split view: the entries served hash to root %x, not to the checkpoint's %x: the log rewrote or forked its history after size %d", root, cp.Hash, old)
	}
	if err := m.save(origin, &state{Checkpoint: raw, Range: rng.Hashes()}); err != nil {
		return bad, err
	}
	return bad || badEntry, nil
}

// checkSeen checks the checkpoints seen elsewhere of l's log against the
// tree the monitor verified of it.
func (m *Monitor) checkSeen(ctx context.Context, l Log) (bool, error) {
	origin := l.Verifier.Name()
	var st *state
	bad := false
	for _, raw := range m.o.Seen {
		if o, _, _ := bytes.Cut(raw, []byte("\n")); string(o) != origin {
			continue
		}
		seen, _, _, err := log.ParseCheckpoint(raw, origin, l.Verifier)
		if err != nil {
			m.emit(Event{Type: "error", Log: origin, URL: l.URL, Detail: fmt.Sprintf("a checkpoint seen elsewhere is not signed by the log's key: %v", err)})
			continue
		}
		if st == nil {
			if st, err = m.load(l); err != nil {
				return bad, err
			}
			if st.cp == nil {
				return bad, nil
			}
		}
		verified := st.cp
		split := func(format string, args ...any) {
			m.emit(Event{Type: "inconsistency", Log: origin, URL: l.URL, Size: seen.Size, Root: seen.Hash, Detail: "split view: " + fmt.Sprintf(format, args...)})
			bad = true
		}
		switch {
		case seen.Size == verified.Size:
			if !bytes.Equal(seen.Hash, verified.Hash) {
				split("a checkpoint seen elsewhere has size %d and root %x; the log showed the monitor root %x", seen.Size, seen.Hash, verified.Hash)
			}
		case seen.Size > verified.Size:
			split("a checkpoint seen elsewhere has size %d, larger than the %d the log serves: the log showed others a history it does not show the monitor", seen.Size, verified.Size)
		default:
			p, err := m.proofFrom(ctx, origin, seen.Size, verified.Size)
			if err != nil {
				return bad, err
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, seen.Size, verified.Size, p, seen.Hash, verified.Hash); err != nil {
				split("a checkpoint seen elsewhere (size %d) is not a prefix of the verified tree of size %d: %v", seen.Size, verified.Size, err)
			}
		}
	}
	return bad, nil
}

// envelopeCheck is what one run learnt of envelopes: those the centre
// serves, by subject and digest, and counts.
type envelopeCheck struct {
	served                        map[glassbox.Digest]map[glassbox.Digest][]byte
	verified, other, confidential int
}

// envelope returns the envelope of the entry lf as the centre serves it
// (nil when it does not), from the run's cache of what it serves about
// each subject.
func (m *Monitor) envelope(ctx context.Context, r *verify.Remote, env *envelopeCheck, lf *attest.Leaf) ([]byte, error) {
	subject := lf.Subjects[0]
	byDigest, ok := env.served[subject]
	if !ok {
		logged, err := r.Attestations(ctx, subject)
		if err != nil && glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			return nil, err
		}
		byDigest = map[glassbox.Digest][]byte{}
		for _, a := range logged {
			byDigest[glassbox.DigestOf(a.Envelope)] = a.Envelope
		}
		env.served[subject] = byDigest
	}
	return byDigest[lf.Envelope], nil
}

// checkEnvelope checks the envelope of one entry; it returns what is wrong
// with it ("" when nothing is), or an error when the centre cannot be
// asked.
func (m *Monitor) checkEnvelope(ctx context.Context, r *verify.Remote, env *envelopeCheck, lf *attest.Leaf) (string, error) {
	if lf.PredicateType == glassbox.PredicateAccess {
		env.confidential++
		return "", nil
	}
	if len(lf.Subjects) == 0 {
		return "a statement about nothing", nil
	}
	e, err := m.envelope(ctx, r, env, lf)
	if err != nil {
		return "", err
	}
	if e == nil {
		return fmt.Sprintf("the centre does not serve its envelope %s, which the log says it holds about %s", lf.Envelope, lf.Subjects[0]), nil
	}
	key, ok := m.keys[lf.KeyID]
	if !ok {
		env.other++
		return "", nil
	}
	if _, err := attest.VerifyEnvelope(e, key); err != nil {
		return fmt.Sprintf("its envelope does not verify with the centre's key: %v", err), nil
	}
	env.verified++
	return "", nil
}

// witnessed reports which of the policy's witnesses cosigned raw and
// whether they meet it.
func (m *Monitor) witnessed(raw []byte) ([]string, bool) {
	if m.o.Witnesses == nil {
		return nil, true
	}
	return m.o.Witnesses.Cosigned(raw)
}

// proofFrom fetches a consistency proof from any served copy of origin.
func (m *Monitor) proofFrom(ctx context.Context, origin string, smaller, larger uint64) ([][]byte, error) {
	var errs []error
	for i, l := range m.o.Logs {
		if l.Verifier.Name() != origin {
			continue
		}
		p, err := m.remotes[i].ConsistencyProof(ctx, smaller, larger)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// report emits an entry, with its envelope checked when the centre's key
// is known.
func (m *Monitor) report(ctx context.Context, l Log, r *verify.Remote, env *envelopeCheck, i uint64, lf *attest.Leaf) {
	idx := i
	e := Event{Type: "entry", Log: l.Verifier.Name(), URL: l.URL, Index: &idx, PredicateType: lf.PredicateType, KeyID: lf.KeyID, Subjects: lf.Subjects, Envelope: lf.Envelope}
	if key, ok := m.keys[lf.KeyID]; ok && len(lf.Subjects) > 0 {
		signed := false
		if envelope, err := m.envelope(ctx, r, env, lf); err == nil && envelope != nil {
			_, err := attest.VerifyEnvelope(envelope, key)
			signed = err == nil
		}
		e.Signed = &signed
	}
	m.emit(e)
}

// entries calls fn for every entry in [from, to), in order, fetching
// bundles fetchers at a time.
func (m *Monitor) entries(ctx context.Context, r *verify.Remote, from, to uint64, fn func(i uint64, leaf []byte) error) error {
	if from >= to {
		return nil
	}
	first, last := from/256, (to-1)/256
	type result struct {
		entries [][]byte
		err     error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan chan result, fetchers)
	go func() {
		defer close(queue)
		for n := first; n <= last; n++ {
			ch := make(chan result, 1)
			select {
			case queue <- ch:
			case <-ctx.Done():
				return
			}
			go func(n uint64) {
				es, err := r.EntryBundle(ctx, n, to)
				ch <- result{es, err}
			}(n)
		}
	}()
	n := first
	for ch := range queue {
		res := <-ch
		if res.err != nil {
			return res.err
		}
		want := uint64(256)
		if n == last && to%256 != 0 {
			want = to % 256
		}
		if uint64(len(res.entries)) != want {
			return glassbox.Errorf(glassbox.ECONFLICT, "entry bundle %d of %s holds %d entries, not %d", n, r.URL(), len(res.entries), want)
		}
		for j, leaf := range res.entries {
			i := n*256 + uint64(j)
			if i < from {
				continue
			}
			if err := fn(i, leaf); err != nil {
				return err
			}
		}
		n++
	}
	return ctx.Err()
}
