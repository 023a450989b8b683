package evidence

import (
	"bytes"
	"io"
	"log/slog"

	"glassbox.dev"
)

// Blobs stored with Put are durable once the journal is synced. Their files
// are written afterwards by one background writer, so that a Put waits for
// one fdatasync and nothing else; until its file is in place a blob is
// served from memory.

// hold keeps journalled blobs in memory until their files are written.
func (s *FS) hold(blobs []*staged) {
	s.pmu.Lock()
	if s.pending == nil {
		s.pending = map[glassbox.Digest][]byte{}
	}
	for _, b := range blobs {
		s.pending[b.digest] = b.data
	}
	start := !s.writing
	s.writing = true
	s.pmu.Unlock()
	if start {
		go s.writePending()
	}
}

// held returns a blob kept in memory, if it is.
func (s *FS) held(d glassbox.Digest) ([]byte, bool) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	b, ok := s.pending[d]
	return b, ok
}

// writePending writes the held blobs' files until none is left.
func (s *FS) writePending() {
	for {
		s.pmu.Lock()
		var batch []*staged
		for d, data := range s.pending {
			batch = append(batch, &staged{data: data, digest: d, size: int64(len(data))})
			if len(batch) == 256 {
				break
			}
		}
		if len(batch) == 0 {
			s.writing = false
			s.flushed.Broadcast()
			s.pmu.Unlock()
			return
		}
		s.pmu.Unlock()
		for _, b := range batch {
			if err := s.place(b); err != nil {
				// The blob stays held, and in the journal; Close reports it.
				slog.Error("evidence: writing a journalled blob", "digest", b.digest, "err", err)
				s.pmu.Lock()
				s.writeErr = err
				s.writing = false
				s.flushed.Broadcast()
				s.pmu.Unlock()
				return
			}
			s.pmu.Lock()
			delete(s.pending, b.digest)
			s.pmu.Unlock()
		}
	}
}

// place writes one held blob's file and renames it into place.
func (s *FS) place(b *staged) error {
	if err := s.writeHeld(b); err != nil {
		return err
	}
	if err := s.rename(b); err != nil {
		b.Discard()
		return err
	}
	return nil
}

// flushPending waits until every held blob's file is written. Called
// before the journal is reused or closed.
func (s *FS) flushPending() error {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	for s.writing {
		s.flushed.Wait()
	}
	if s.writeErr != nil {
		return s.writeErr
	}
	if len(s.pending) > 0 {
		// A writer failed earlier; try once more, here.
		s.writing = true
		s.pmu.Unlock()
		s.writePending()
		s.pmu.Lock()
		if s.writeErr != nil {
			return s.writeErr
		}
	}
	return nil
}

// heldBlob serves a blob held in memory as a file would be served: it can
// be read at random and seeked, as callers of Open may expect.
type heldBlob struct{ *bytes.Reader }

func (heldBlob) Close() error { return nil }

func heldReader(b []byte) io.ReadCloser { return heldBlob{bytes.NewReader(b)} }
