package storetest

import (
	"errors"
	"testing"

	"glassbox.dev"
)

// A witnessed log starts at size zero, gathers keys without repeats, and
// moves only from the size a caller names: a stale request learns the
// size the witness stands at.
func testWitnessedLogs(t *testing.T, ps glassbox.PartyStore) {
	s, ok := ps.(glassbox.WitnessStore)
	if !ok {
		t.Fatalf("%T keeps no witnessed logs", ps)
	}
	if _, err := s.WitnessedLog(ctx(t), "log.example"); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("an unknown log: %v; want ENOTFOUND", err)
	}
	for _, k := range []string{"log.example+1+AAA", "log.example+2+BBB", "log.example+1+AAA"} {
		if err := s.AddWitnessedLog(ctx(t), "log.example", k); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.WitnessedLog(ctx(t), "log.example")
	if err != nil || l.Size != 0 || len(l.Keys) != 2 {
		t.Fatalf("WitnessedLog = %+v, %v; want size 0 and two keys", l, err)
	}
	if err := s.AdvanceWitnessedLog(ctx(t), "log.example", 0, 5, []byte("root5")); err != nil {
		t.Fatal(err)
	}
	var c *glassbox.WitnessConflict
	if err := s.AdvanceWitnessedLog(ctx(t), "log.example", 0, 7, []byte("fork7")); !errors.As(err, &c) || c.Size != 5 {
		t.Errorf("a move from a stale size: %v; want a conflict at 5", err)
	}
	if err := s.AdvanceWitnessedLog(ctx(t), "log.example", 5, 9, []byte("root9")); err != nil {
		t.Fatal(err)
	}
	logs, err := s.WitnessedLogs(ctx(t))
	if err != nil || len(logs) != 1 || logs[0].Size != 9 || string(logs[0].Hash) != "root9" {
		t.Errorf("WitnessedLogs = %+v, %v", logs, err)
	}
}
