package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
)

// crash leaves the store as a killed process would: the staging area and
// its journal stay, the lock is released.
func crash(s *FS) {
	s.jmu.Lock()
	if s.journal != nil {
		if s.journal.retired != nil {
			<-s.journal.retired
		}
		s.journal.close()
	}
	s.jmu.Unlock()
	s.lock.Close()
}

func TestJournalRestoresBlobsLostInACrash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := put(t, s, "envelope one")
	b, _ := put(t, s, "envelope two")
	c, _ := put(t, s, strings.Repeat("kept as it is ", 100))
	big, _ := put(t, s, strings.Repeat("x", journalMaxBlob+1))
	staging := s.staging
	journal, err := os.ReadFile(filepath.Join(staging, journalNames[0]))
	if err != nil {
		t.Fatalf("small commits left no journal: %v", err)
	}
	if strings.Contains(string(journal), "xxxxxxxx") {
		t.Error("a blob larger than journalMaxBlob went through the journal")
	}
	crash(s)
	// What a power cut can do to files whose renames were never synced: one
	// gone, one torn. A half-written record at the journal's end is a commit
	// that never returned.
	os.Remove(s.path(a))
	os.Chmod(s.path(b), 0o644)
	if err := os.WriteFile(s.path(b), []byte("env"), 0o444); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(staging, journalNames[0]), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn := append([]byte{0, 0, 1, 0, 0, 0, 0, 1}, make([]byte, 40)...)
	f.WriteAt(torn, int64(len(strings.TrimRight(string(journal), "\x00"))))
	f.Close()

	s2, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for d, want := range map[glassbox.Digest]string{a: "envelope one", b: "envelope two", c: strings.Repeat("kept as it is ", 100)} {
		got, err := read(t, s2, d)
		if err != nil || got != want {
			t.Errorf("after the crash, %s = %q, %v; want %q", d, got, err, want)
		}
	}
	if _, err := read(t, s2, big); err != nil {
		t.Errorf("large blob: %v", err)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Errorf("the dead process's staging area is still there after replay: %v", err)
	}
}

func TestCloseEmptiesTheJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "one")
	staging := s.staging
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Errorf("Close left the staging area: %v", err)
	}
	// Reopened, the store commits through a new journal.
	s, err = OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, _ := put(t, s, "two")
	if got, err := read(t, s, d); err != nil || got != "two" {
		t.Errorf("read after reopen = %q, %v", got, err)
	}
}

func TestJournalWrapsAroundAndStillRestores(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	// More than the journal holds: it starts again from the top under a
	// new generation, past records of the old one.
	var last glassbox.Digest
	n := journalSize/(60<<10) + 10
	for i := range n {
		last, _ = put(t, s, fmt.Sprintf("%06d", i)+strings.Repeat("z", 60<<10))
	}
	if s.journal.gen < 2 {
		t.Fatalf("after %d commits of 60 KiB the journal is still in generation %d", n, s.journal.gen)
	}
	want := fmt.Sprintf("%06d", n-1) + strings.Repeat("z", 60<<10)
	crash(s)
	os.Remove(s.path(last))
	s2, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, err := read(t, s2, last); err != nil || got != want {
		t.Errorf("the last blob was not restored after a wrap: %v", err)
	}
}

func TestPutIsReadableAtOnceAndSurvivesACrash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evidence")
	s, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var ds []glassbox.Digest
	for i := range 50 {
		d, err := s.Put(ctx, fmt.Appendf(nil, "envelope %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := read(t, s, d); err != nil || got != fmt.Sprintf("envelope %d", i) {
			t.Fatalf("read right after Put = %q, %v", got, err)
		}
		if n, err := s.Stat(ctx, d); err != nil || n != int64(len(fmt.Sprintf("envelope %d", i))) {
			t.Fatalf("Stat right after Put = %d, %v", n, err)
		}
		ds = append(ds, d)
	}
	if again, err := s.Put(ctx, []byte("envelope 0")); err != nil || again != ds[0] {
		t.Fatalf("Put of stored content = %s, %v", again, err)
	}
	if err := s.flushPending(); err != nil {
		t.Fatal(err)
	}
	crash(s)
	for _, d := range ds[:10] {
		os.Remove(s.path(d))
	}
	s2, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if got, err := read(t, s2, d); err != nil || got != fmt.Sprintf("envelope %d", i) {
			t.Errorf("after the crash, blob %d = %q, %v", i, got, err)
		}
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
}

// FuzzReplayJournal feeds arbitrary bytes to the replay of a dead
// process's journal: it must never panic, and it may restore only blobs
// whose content hashes to the digest they are stored under.
func FuzzReplayJournal(f *testing.F) {
	rec := func(data string, gen uint32) []byte {
		d := sha256.Sum256([]byte(data))
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = binary.BigEndian.AppendUint32(b, gen)
		b = append(b, d[:]...)
		return append(b, data...)
	}
	f.Add(rec("envelope", 1))
	f.Add(append(rec("one", 3), rec("two", 3)...))
	f.Add(append(rec("one", 3), rec("old", 2)...))
	f.Add(append(rec("one", 1), 0, 0, 0, 9, 0, 0, 0, 1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, journal []byte) {
		root := filepath.Join(t.TempDir(), "evidence")
		s, err := OpenFS(root)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "staging")
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, journalNames[0]), journal, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.replayJournal(dir); err != nil {
			t.Fatal(err)
		}
		ds, err := s.Digests(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if _, err := read(t, s, d); err != nil {
				t.Errorf("replay stored %s with content that does not hash to it: %v", d, err)
			}
		}
		s.Close()
	})
}
