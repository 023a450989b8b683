package tlog

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/tessera"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/internal/witnesstest"
)

// cosignedBy returns which of ws cosigned the checkpoint cp.
func cosignedBy(t *testing.T, cp []byte, ws []*witnesstest.Witness) []string {
	t.Helper()
	var who []string
	for _, w := range ws {
		v, err := f_note.NewVerifierForCosignatureV1(w.VKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(cp, note.VerifierList(v)); err == nil {
			who = append(who, w.Name)
		}
	}
	return who
}

func quorum(t *testing.T, ws []*witnesstest.Witness, n int) tessera.WitnessGroup {
	g, err := ParseWitnessPolicy(witnesstest.Policy(ws, n))
	if err != nil {
		t.Fatal(err)
	}
	return *g
}

// TestWitnessedCheckpoints runs three real witnesses (litewitness) and a
// log whose policy asks two of them: every published checkpoint carries
// at least two cosignatures, so a receipt meets a verifier's policy of 2;
// with one witness down the log goes on, but its checkpoints no longer
// meet a policy of 3; with two down nothing is published and an append
// waits until its deadline; once they are back, the waiting entry is
// published. A fork (the log's key, another history) is refused by the
// witnesses and never published.
func TestWitnessedCheckpoints(t *testing.T) {
	const origin = "glassbox.test/witnessed-log"
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	ws := witnesstest.Start(t, 3, origin, vkey)
	policy, err := ParseWitnessPolicy(witnesstest.Policy(ws, 2))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 10 * time.Millisecond, Witnesses: policy, WitnessTimeout: 2 * time.Second}
	l, err := Open(t.Context(), filepath.Join(t.TempDir(), "log"), signer, verifier, o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	appendOne := func(l *Log, leaf string, within time.Duration) (*Inclusion, error) {
		ctx, cancel := context.WithTimeout(t.Context(), within)
		defer cancel()
		return l.Append(ctx, []byte(leaf))
	}

	for i := range 3 {
		inc, err := appendOne(l, fmt.Sprintf("entry %d", i), 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if who := cosignedBy(t, inc.Checkpoint, ws); len(who) < 2 {
			t.Fatalf("the checkpoint of entry %d is cosigned by %v; the policy asks two of three:\n%s", i, who, inc.Checkpoint)
		}
		if !quorum(t, ws, 2).Satisfied(inc.Checkpoint) {
			t.Errorf("a receipt's checkpoint does not meet a policy of 2")
		}
	}

	// One witness down: the log goes on with the other two.
	ws[2].Stop()
	inc, err := appendOne(l, "with one witness down", 30*time.Second)
	if err != nil {
		t.Fatalf("with one of three witnesses down, an append: %v", err)
	}
	if !quorum(t, ws, 2).Satisfied(inc.Checkpoint) || quorum(t, ws, 3).Satisfied(inc.Checkpoint) {
		t.Errorf("with a witness down, the checkpoint is cosigned by %v: want a policy of 2 met and one of 3 not", cosignedBy(t, inc.Checkpoint, ws))
	}

	// Two down: nothing is published, the append waits until its deadline.
	ws[1].Stop()
	before, _ := l.reader.ReadCheckpoint(t.Context())
	if _, err := appendOne(l, "with two witnesses down", 3*time.Second); err == nil {
		t.Fatalf("with two of three witnesses down, an append was published without the policy")
	}
	if after, _ := l.reader.ReadCheckpoint(t.Context()); string(after) != string(before) {
		t.Errorf("with two witnesses down, a new checkpoint was published:\n%s", after)
	}
	// The entry is in the tree, under no checkpoint: a proof of it waits
	// for one, and when none comes the error says to try again later.
	size, err := l.reader.IntegratedSize(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := l.parseCheckpoint(before); c == nil || size <= c.Size {
		t.Fatalf("the waiting entry was not integrated: size %d", size)
	}
	l.publishWait = 300 * time.Millisecond
	if _, err := l.Prove(t.Context(), size-1, nil); glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE {
		t.Errorf("proving an entry no checkpoint covers: %v; want EUNAVAILABLE", err)
	}
	// Back: the log catches up.
	ws[1].Restart()
	ws[2].Restart()
	if _, err := appendOne(l, "witnesses back", 30*time.Second); err != nil {
		t.Fatalf("with the witnesses back, an append: %v", err)
	}

	// A fork: the same key, another history. Tessera publishes a new
	// log's first checkpoint as it opens; the witnesses, which cosigned a
	// larger tree, refuse it, so the fork does not even open; were it to,
	// nothing it appended would be published.
	fork, err := Open(t.Context(), filepath.Join(t.TempDir(), "fork"), signer, verifier, o)
	if err == nil {
		defer fork.Close(context.Background())
		for i := range 8 {
			fork.Add(t.Context(), []byte(fmt.Sprintf("forked entry %d", i)))
		}
		if inc, err := appendOne(fork, "the fork's last entry", 5*time.Second); err == nil {
			t.Fatalf("a fork of the log was published, cosigned by %v", cosignedBy(t, inc.Checkpoint, ws))
		}
	} else if !strings.Contains(err.Error(), "witness policy was not satisfied") {
		t.Fatalf("the fork failed to open, but not for its witnesses: %v", err)
	}
	// And the log itself goes on, witnessed.
	if _, err := appendOne(l, "after the fork", 30*time.Second); err != nil {
		t.Fatalf("after the fork was refused, the log: %v", err)
	}
}
