package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"glassbox.dev"
)

// The journal makes small commits cheap. A blob of at most journalMaxBlob
// bytes is committed by writing its bytes to the staging area's journal and
// syncing that one file; the blob is then renamed into place without a sync
// of its own (or, stored with Put, written later from memory). Many small
// commits (one envelope per attestation) thus cost one fdatasync of one file
// per group, not two syncs of the whole file system.
//
// The journal is two files of journalSize bytes, written full of zeros when
// they are made, so that a later fdatasync writes data only and never waits
// for the file system's own journal. Records are appended to one file; when
// the next batch does not fit, writing moves to the other file under a new
// generation number while, in the background, the full one is retired: the
// held blobs are written and the file system is synced, after which its
// records are no longer needed. On Close the same happens to both.
//
// If the process dies first, the next OpenFS replays the journal files of
// its staging area before removing it: every blob whose Commit returned is
// rewritten if its file was lost or torn. A record is the blob's length
// (4 bytes, big-endian), the generation (4 bytes), the blob's SHA-256
// (32 bytes) and its bytes. Replay reads a file's records of its first
// record's generation and stops at the first that is torn, zero, of another
// generation or does not hash to its digest: its Commit never returned.
const (
	journalSize     = 4 << 20  // bytes of each preallocated journal file
	journalMaxBlob  = 64 << 10 // larger blobs are synced in place
	journalMaxBatch = 1 << 20  // larger batches are synced in place
	recordHeader    = 4 + 4 + sha256.Size
)

var journalNames = [2]string{"journal-0", "journal-1"}

// journal is the open journal of this process's staging area.
type journal struct {
	files   [2]*os.File
	cur     int        // the file being written
	off     int64      // where the next record goes in it
	gen     uint32     // generation of the records being written
	retired chan error // the other file's retirement, while under way
}

// openJournal makes this process's journal files, full of zeros.
func (s *FS) openJournal() (*journal, error) {
	dir, err := s.TempDir()
	if err != nil {
		return nil, err
	}
	j := &journal{gen: 1}
	zeros := make([]byte, 1<<20)
	for i, name := range journalNames {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			j.close()
			return nil, err
		}
		j.files[i] = f
		for off := int64(0); off < journalSize && err == nil; off += int64(len(zeros)) {
			_, err = f.Write(zeros)
		}
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			j.close()
			return nil, err
		}
	}
	// The journal's names must survive a crash for it to be replayed.
	if err := syncDir(dir); err != nil {
		j.close()
		return nil, err
	}
	return j, nil
}

func (j *journal) close() {
	for _, f := range j.files {
		if f != nil {
			f.Close()
		}
	}
}

// journalled writes the blobs' bytes to the journal and syncs it. It is
// called by the group commit's leader only, under jmu.
func (s *FS) journalled(blobs []*staged) error {
	if s.journal == nil {
		j, err := s.openJournal()
		if err != nil {
			return err
		}
		s.journal = j
	}
	j := s.journal
	var size int64
	for _, b := range blobs {
		size += recordHeader + b.size
	}
	if j.off+size > journalSize {
		if err := s.switchJournal(); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	for _, b := range blobs {
		data := b.data
		if b.tmp != "" {
			var err error
			if data, err = os.ReadFile(b.tmp); err != nil {
				return err
			}
		}
		if int64(len(data)) != b.size {
			return fmt.Errorf("staged blob %s changed size from %d to %d bytes", b.digest, b.size, len(data))
		}
		var hdr [recordHeader]byte
		binary.BigEndian.PutUint32(hdr[0:4], uint32(len(data)))
		binary.BigEndian.PutUint32(hdr[4:8], j.gen)
		if _, err := hex.Decode(hdr[8:], []byte(b.digest.Hex())); err != nil {
			return err
		}
		buf.Write(hdr[:])
		buf.Write(data)
	}
	f := j.files[j.cur]
	if _, err := f.WriteAt(buf.Bytes(), j.off); err != nil {
		return err
	}
	if err := fdatasync(f); err != nil {
		return err
	}
	j.off += int64(buf.Len())
	return nil
}

// switchJournal moves writing to the other file and retires the full one
// in the background. The other file must have been retired first; that
// rarely needs a wait, as retiring takes far less time than filling a file.
func (s *FS) switchJournal() error {
	j := s.journal
	if j.retired != nil {
		if err := <-j.retired; err != nil {
			j.retired = nil
			return fmt.Errorf("retire a journal file: %w", err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.retire() }()
	j.retired = done
	j.cur, j.off = 1-j.cur, 0
	j.gen++
	return nil
}

// retire makes durable in the store everything the journal covers so far.
func (s *FS) retire() error {
	if err := s.flushPending(); err != nil {
		return err
	}
	return syncAll(s.root)
}

// closeJournal retires both files. Called under jmu.
func (s *FS) closeJournal() error {
	j := s.journal
	if j == nil {
		return nil
	}
	if j.retired != nil {
		if err := <-j.retired; err != nil {
			j.retired = nil
			return err
		}
		j.retired = nil
	}
	if err := s.retire(); err != nil {
		return err
	}
	j.close()
	s.journal = nil
	return nil
}

// replayJournal restores, from the journal a dead process left in its
// staging area dir, every blob that is missing or torn in the store.
func (s *FS) replayJournal(dir string) error {
	restored := 0
	for _, name := range journalNames {
		n, err := s.replayFile(dir, filepath.Join(dir, name))
		restored += n
		if err != nil {
			return err
		}
	}
	if restored > 0 {
		slog.Warn("restored blobs from the journal of an interrupted process", "blobs", restored, "dir", dir)
	}
	return nil
}

// replayFile replays one journal file and says how many blobs it restored.
func (s *FS) replayFile(dir, path string) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	restored := 0
	var gen uint32
	for {
		var hdr [recordHeader]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			break // end of the journal, or a torn header
		}
		size := binary.BigEndian.Uint32(hdr[0:4])
		g := binary.BigEndian.Uint32(hdr[4:8])
		if gen == 0 {
			gen = g
		}
		if size > journalMaxBlob || g == 0 || g != gen {
			break // zeros, a torn record or an older generation's
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			break
		}
		sum := [sha256.Size]byte(hdr[8:])
		if sha256.Sum256(data) != sum {
			break
		}
		d := glassbox.NewDigest(sum)
		if intact(s.path(d), data) {
			continue
		}
		if err := s.restore(dir, d, data); err != nil {
			return restored, fmt.Errorf("restore %s from the journal: %w", d, err)
		}
		restored++
	}
	return restored, nil
}

// intact reports whether the file at path holds exactly data.
func intact(path string, data []byte) bool {
	got, err := os.ReadFile(path)
	return err == nil && bytes.Equal(got, data)
}

// restore writes one blob durably, the slow and simple way.
func (s *FS) restore(dir string, d glassbox.Digest, data []byte) error {
	f, err := os.CreateTemp(dir, "restore-")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o444)
	}
	dst := s.path(d)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o755)
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(filepath.Dir(dst))
}
