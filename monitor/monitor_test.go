package monitor_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/monitor"
	"glassbox.dev/notary"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
	"glassbox.dev/verify/policy"
)

const passedVSA = `{"verifier":{"id":"https://glassbox.example/centre"},"timeVerified":"%s","resourceUri":"glassbox:release/x/fw.bin","policy":{"uri":"https://glassbox.dev/policy/cra-annex-i@1.0.0"},"verificationResult":"PASSED","verifiedLevels":["cra-annex-i@1.0.0"],"slsaVersion":"1.0"}`

var verdicts int

func vsaAbout(t *testing.T, c *centretest.Centre, art glassbox.Digest) {
	t.Helper()
	verdicts++
	at := time.Date(2026, 11, 20, 10, verdicts, 0, 0, time.UTC).Format(time.RFC3339)
	if _, err := c.Notary.Attest(context.Background(), notary.Request{
		Subjects: []attest.Subject{{Name: "fw.bin", Digest: art}}, PredicateType: glassbox.PredicateVSA, Predicate: json.RawMessage(fmt.Sprintf(passedVSA, at)),
	}); err != nil {
		t.Fatal(err)
	}
}

type run struct {
	bad    bool
	err    error
	events []monitor.Event
}

func (r run) of(typ string) []monitor.Event {
	var out []monitor.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func follow(t *testing.T, o monitor.Options) run {
	t.Helper()
	m, err := monitor.New(o)
	if err != nil {
		t.Fatal(err)
	}
	var r run
	m.Emit = func(e monitor.Event) { r.events = append(r.events, e) }
	r.bad, r.err = m.Run(context.Background())
	return r
}

// TestAMonitorFollowsALog: the monitor verifies every entry of a served
// centre's log into its own copy of the tree, reports the entries about
// the artefact it watches with their envelopes checked against the
// centre's key, and next time reads only what is new. A log that forked
// (the same key, another history: longer, as long, or shorter than what
// was verified) is reported as inconsistent; so is a checkpoint the
// witness policy does not accept, and an entry that is not a glassbox
// leaf.
func TestAMonitorFollowsALog(t *testing.T) {
	c := centretest.New(t, "monitor.test/log")
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").Handler())
	t.Cleanup(srv.Close)
	watched, other := glassbox.DigestOf([]byte("watched firmware")), glassbox.DigestOf([]byte("other firmware"))
	vsaAbout(t, c, watched)
	vsaAbout(t, c, other)
	state := t.TempDir()
	o := monitor.Options{Logs: []monitor.Log{{URL: srv.URL, Verifier: c.Verifier}}, Keys: []ed25519.PublicKey{c.Key}, StateDir: state, Watch: []glassbox.Digest{watched}}
	r := follow(t, o)
	if r.err != nil || r.bad {
		t.Fatalf("a faithful log: bad %v, %v, %+v", r.bad, r.err, r.events)
	}
	entries := r.of("entry")
	if len(entries) != 1 || entries[0].Subjects[0] != watched || entries[0].Signed == nil || !*entries[0].Signed || entries[0].PredicateType != glassbox.PredicateVSA {
		t.Fatalf("the watched entries: %+v", entries)
	}
	size := r.of("checkpoint")[0].Size

	vsaAbout(t, c, watched)
	r = follow(t, o)
	if r.bad || r.err != nil || len(r.of("entry")) != 1 || *r.of("entry")[0].Index < size {
		t.Fatalf("the second run reports %+v (bad %v, %v); want the one new entry; first size %d", r.events, r.bad, r.err, size)
	}
	verified := r.of("checkpoint")[0].Size

	// Forks, served with the log's own key.
	ls, err := attest.LoadLogSigner(c.Keys.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{verified + 3, verified, verified - 1} {
		fork, err := tlog.Open(context.Background(), filepath.Join(t.TempDir(), "fork"), ls, c.Verifier, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := attest.Leaf{Envelope: glassbox.DigestOf([]byte("forged")), KeyID: attest.KeyID(c.Key), PredicateType: glassbox.PredicateVSA, Subjects: []glassbox.Digest{watched}}.Marshal()
		for i := range n {
			if _, err := fork.Append(context.Background(), append(leaf, fmt.Sprintf("\n%d", i)...)); err != nil && i == n-1 {
				t.Fatal(err)
			}
		}
		fs := httptest.NewServer(fork.Handler())
		fo := o
		fo.Logs = []monitor.Log{{URL: fs.URL, Verifier: c.Verifier}}
		r := follow(t, fo)
		if !r.bad || len(r.of("inconsistency")) == 0 {
			t.Errorf("a fork of size %d (the monitor verified %d) is not reported: %+v", n, verified, r.events)
		}
		fs.Close()
		fork.Close(context.Background())
	}
	// The faithful log still verifies against the state the forks did
	// not change.
	if r := follow(t, o); r.bad || r.err != nil {
		t.Errorf("after the forks, the faithful log: bad %v, %v, %+v", r.bad, r.err, r.of("inconsistency"))
	}

	// A witness policy the log's checkpoints do not meet.
	p, err := policy.Parse("w", []byte("witnesses:\n  threshold: 1\n  keys: [witness.example/w1+2e87bc36+BNokrEftgLiAfkGjnWApGtOqJPkxJOqYVfwpmIUTObRo]\n"))
	if err != nil {
		t.Fatal(err)
	}
	wo := o
	wo.Witnesses = p.Witnesses
	if r := follow(t, wo); !r.bad || len(r.of("unwitnessed")) != 1 {
		t.Errorf("an unwitnessed checkpoint under a witness policy: bad %v, %+v", r.bad, r.events)
	}
}

// TestAMonitorRefusesWhatIsNotALeaf: an entry that is not a glassbox leaf
// is an inconsistency, though the tree is sound.
func TestAMonitorRefusesWhatIsNotALeaf(t *testing.T) {
	c := centretest.New(t, "monitor.test/raw")
	if _, err := c.Log.Append(context.Background(), []byte("hello, not a leaf")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Log.Handler())
	t.Cleanup(srv.Close)
	r := follow(t, monitor.Options{Logs: []monitor.Log{{URL: srv.URL, Verifier: c.Verifier}}, StateDir: t.TempDir(), All: true})
	if !r.bad || len(r.of("inconsistency")) != 1 || !strings.Contains(r.of("inconsistency")[0].Detail, "not a glassbox leaf") {
		t.Errorf("a raw entry: bad %v, %+v", r.bad, r.events)
	}
}

// TestAMonitorChecksCheckpointsSeenElsewhere: checkpoints gathered
// elsewhere (receipts, witnesses' cosigned checkpoints) are checked
// against the tree the monitor verified: an older checkpoint of the log
// itself is consistent; a fork's checkpoint, larger, as large or smaller,
// is a split view, although the log serves the monitor a consistent
// history.
func TestAMonitorChecksCheckpointsSeenElsewhere(t *testing.T) {
	c := centretest.New(t, "monitor.test/seen")
	srv := httptest.NewServer(c.Log.Handler())
	t.Cleanup(srv.Close)
	var old []byte
	for i := range 4 {
		leaf, err := attest.Leaf{Envelope: glassbox.DigestOf([]byte(fmt.Sprintf("envelope %d", i))), KeyID: attest.KeyID(c.Key), PredicateType: glassbox.PredicateVSA,
			Subjects: []glassbox.Digest{glassbox.DigestOf([]byte("firmware"))}}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		inc, err := c.Log.Append(context.Background(), leaf)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			old = inc.Checkpoint
		}
	}
	o := monitor.Options{Logs: []monitor.Log{{URL: srv.URL, Verifier: c.Verifier}}, StateDir: t.TempDir(), Seen: [][]byte{old}}
	if r := follow(t, o); r.bad || r.err != nil {
		t.Fatalf("the log with one of its own older checkpoints seen elsewhere: bad %v, %v, %+v", r.bad, r.err, r.of("inconsistency"))
	}
	ls, err := attest.LoadLogSigner(c.Keys.LogSignerKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{6, 4, 2} {
		fork, err := tlog.Open(context.Background(), filepath.Join(t.TempDir(), "fork"), ls, c.Verifier, tlog.Options{CheckpointInterval: 100e6, BatchMaxAge: 10e6})
		if err != nil {
			t.Fatal(err)
		}
		var cp []byte
		for i := range n {
			inc, err := fork.Append(context.Background(), []byte(fmt.Sprintf("forked entry %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			cp = inc.Checkpoint
		}
		fork.Close(context.Background())
		so := o
		so.Seen = [][]byte{cp}
		r := follow(t, so)
		if !r.bad || len(r.of("inconsistency")) != 1 || !strings.Contains(r.of("inconsistency")[0].Detail, "split view") {
			t.Errorf("a fork's checkpoint of size %d seen elsewhere: bad %v, %+v", n, r.bad, r.events)
		}
	}
}

// TestAMonitorChecksEveryEnvelope: with Envelopes, the monitor fetches the
// envelope of every entry and checks it with the centre's key; an entry
// whose envelope the centre does not serve (a leaf logged without its
// statement) is an inconsistency.
func TestAMonitorChecksEveryEnvelope(t *testing.T) {
	c := centretest.New(t, "monitor.test/envelopes")
	srv := httptest.NewServer(server.New(c.Notary, c.Log, "").Handler())
	t.Cleanup(srv.Close)
	for i := range 3 {
		vsaAbout(t, c, glassbox.DigestOf([]byte(fmt.Sprintf("firmware %d", i))))
	}
	o := monitor.Options{Logs: []monitor.Log{{URL: srv.URL, Verifier: c.Verifier}}, Keys: []ed25519.PublicKey{c.Key}, StateDir: t.TempDir(), Envelopes: true}
	r := follow(t, o)
	if r.bad || r.err != nil || len(r.of("envelopes")) != 1 || !strings.HasPrefix(r.of("envelopes")[0].Detail, "3 envelopes verified") {
		t.Fatalf("a faithful centre: bad %v, %v, %+v", r.bad, r.err, r.events)
	}
	leaf, err := attest.Leaf{Envelope: glassbox.DigestOf([]byte("never served")), KeyID: attest.KeyID(c.Key), PredicateType: glassbox.PredicateVSA,
		Subjects: []glassbox.Digest{glassbox.DigestOf([]byte("firmware 0"))}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Log.Append(context.Background(), leaf); err != nil {
		t.Fatal(err)
	}
	r = follow(t, o)
	if !r.bad || len(r.of("inconsistency")) != 1 || !strings.Contains(r.of("inconsistency")[0].Detail, "does not serve its envelope") {
		t.Errorf("a leaf logged without its statement: bad %v, %+v", r.bad, r.events)
	}
}
