package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/internal/atomicfile"
)

// Snapshot describes one imported vulnerability database: its sources
// (zips kept in the evidence store), what they held, and how old the data
// is. It is stored as a blob too; a snapshot is never changed, a new
// import makes a new one.
type Snapshot struct {
	// Digest identifies the data: the SHA-256 of the sorted lines
	// "<source digest>  <source name>\n" of its sources. Every result
	// names it, so a verdict says against which data it was reached.
	Digest     glassbox.Digest `json:"digest"`
	ImportedAt time.Time       `json:"imported_at"`
	Sources    []Source        `json:"sources"`
	Stats
	BadRecords []BadRecord `json:"bad_records,omitempty"`
	// Checks says whether records were validated against the OSV JSON
	// schema at import; they are parsed and checked by Parse always.
	Checks string `json:"checks"`
	// Index is the blob holding the package index (see Index), which
	// lets LoadFor parse only the records a target's components need.
	Index glassbox.Digest `json:"index,omitempty"`
}

// Source is one imported zip: OSV's own, or one glassbox packed from a
// directory of OSV JSON.
type Source struct {
	Name   string          `json:"name"` // the path given to import
	Blob   glassbox.Digest `json:"blob"` // the zip in the evidence store
	Size   int64           `json:"size"`
	Packed bool            `json:"packed,omitempty"` // packed by glassbox from a directory or JSON file
}

// Store keeps snapshots in an evidence store, and the digest of the
// current one in a pointer.
type Store struct {
	Blobs glassbox.BlobStore
	// Current names the current snapshot's record.
	Current Pointer
}

// Pointer names the current snapshot: a file on one machine
// (FilePointer), a row of the database every process of a deployment
// shares.
type Pointer interface {
	// Get returns the current snapshot's digest, or "" if there is none.
	Get(ctx context.Context) (glassbox.Digest, error)
	Set(ctx context.Context, d glassbox.Digest) error
}

// FilePointer is a pointer kept in a file, replaced atomically.
type FilePointer string

func (f FilePointer) Get(context.Context) (glassbox.Digest, error) {
	b, err := os.ReadFile(string(f))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", string(f), err)
	}
	d := glassbox.Digest(strings.TrimSpace(string(b)))
	if err := d.Validate(); err != nil {
		return "", glassbox.Errorf(glassbox.ECORRUPT, "%s does not name a snapshot: %v", string(f), err)
	}
	return d, nil
}

func (f FilePointer) Set(_ context.Context, d glassbox.Digest) error {
	if err := os.MkdirAll(filepath.Dir(string(f)), 0o750); err != nil {
		return err
	}
	return atomicfile.Write(string(f), []byte(string(d)+"\n"), 0o644, true)
}

// Import reads each path (an OSV zip, a directory of OSV JSON files, or
// one JSON file), stores the sources and a snapshot record in the
// evidence store and makes it current. Bad records are counted in the
// snapshot, not fatal. It returns the snapshot and the digest of its
// record.
func (s *Store) Import(ctx context.Context, paths []string) (*Snapshot, glassbox.Digest, error) {
	snap := &Snapshot{ImportedAt: time.Now().UTC().Truncate(time.Second), Checks: checksDone}
	loader := NewLoader()
	for _, p := range paths {
		data, packed, err := readSource(p)
		if err != nil {
			return nil, "", err
		}
		if err := loader.AddZip(p, bytes.NewReader(data), int64(len(data))); err != nil {
			return nil, "", err
		}
		d, err := s.Blobs.Put(ctx, data)
		if err != nil {
			return nil, "", fmt.Errorf("store %s: %w", p, err)
		}
		snap.Sources = append(snap.Sources, Source{Name: p, Blob: d, Size: int64(len(data)), Packed: packed})
	}
	db := loader.Database()
	snap.Stats = db.Stats()
	snap.BadRecords = db.Bad
	snap.Digest = sourcesDigest(snap.Sources)
	idx, err := json.Marshal(db.Index(paths))
	if err != nil {
		return nil, "", err
	}
	if snap.Index, err = s.Blobs.Put(ctx, idx); err != nil {
		return nil, "", fmt.Errorf("store the snapshot's index: %w", err)
	}
	rec, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return nil, "", err
	}
	d, err := s.Blobs.Put(ctx, rec)
	if err != nil {
		return nil, "", fmt.Errorf("store the snapshot record: %w", err)
	}
	if err := s.Current.Set(ctx, d); err != nil {
		return nil, "", fmt.Errorf("make snapshot %s current: %w", d, err)
	}
	return snap, d, nil
}

// checksDone says what import checks, for the snapshot record.
const checksDone = "parsed and checked by glassbox (ids, times, packages, range types, events, versions readable by the ecosystem's ordering); the OSV JSON schema is checked in glassbox's tests"

func sourcesDigest(sources []Source) glassbox.Digest {
	lines := make([]string, len(sources))
	for i, s := range sources {
		lines[i] = fmt.Sprintf("%s  %s\n", s.Blob, s.Name)
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "")))
	return glassbox.Digest("sha256:" + hex.EncodeToString(h[:]))
}

// readSource returns a path's records as one zip: a zip as it is, a
// directory's or a single file's JSON packed.
func readSource(p string) (data []byte, packed bool, err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, false, glassbox.Errorf(glassbox.ENOTFOUND, "%s: %w", p, err)
	}
	if !fi.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, false, glassbox.Errorf(glassbox.EINVALID, "read %s: %w", p, err)
		}
		if bytes.HasPrefix(data, []byte("PK")) {
			return data, false, nil
		}
		z, err := ZipDir(map[string][]byte{filepath.Base(p): data})
		return z, true, err
	}
	files := map[string][]byte{}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(p, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, false, glassbox.Errorf(glassbox.EINVALID, "read %s: %w", p, err)
	}
	if len(files) == 0 {
		return nil, false, glassbox.Errorf(glassbox.EINVALID, "%s holds no .json files; want OSV records", p)
	}
	z, err := ZipDir(files)
	return z, true, err
}

// CurrentSnapshot reads the current snapshot's record, or an ENOTFOUND
// error saying to import one.
func (s *Store) CurrentSnapshot(ctx context.Context) (*Snapshot, glassbox.Digest, error) {
	d, err := s.Current.Get(ctx)
	if err != nil {
		return nil, "", err
	}
	if d == "" {
		return nil, "", glassbox.Errorf(glassbox.ENOTFOUND, "no vulnerability database imported; run glassbox vulndb import <Ecosystem>/all.zip")
	}
	snap, err := s.Snapshot(ctx, d)
	return snap, d, err
}

// Snapshot reads the snapshot record stored under d.
func (s *Store) Snapshot(ctx context.Context, d glassbox.Digest) (*Snapshot, error) {
	rc, err := s.Blobs.Open(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database snapshot %s: %w", d, err)
	}
	defer rc.Close()
	var snap Snapshot
	if err := json.NewDecoder(rc).Decode(&snap); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "vulnerability database snapshot %s: %w", d, err)
	}
	return &snap, nil
}

// LoadFor reads from a snapshot only the records that name one of the
// components' packages, through the snapshot's index; matching those
// components gives the same result as against the whole database. A
// snapshot without an index is loaded whole.
func (s *Store) LoadFor(ctx context.Context, snap *Snapshot, components []glassbox.Component) (*Database, error) {
	if snap.Index == "" {
		return s.Load(ctx, snap)
	}
	rc, err := s.Blobs.Open(ctx, snap.Index)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database index %s: %w", snap.Index, err)
	}
	var idx Index
	err = json.NewDecoder(rc).Decode(&idx)
	rc.Close()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "vulnerability database index %s: %w", snap.Index, err)
	}
	need := map[int]map[string]bool{}
	for _, c := range components {
		k, ok := componentKey(c)
		if !ok {
			continue
		}
		for _, e := range idx[k] {
			if e.Source < 0 || e.Source >= len(snap.Sources) {
				return nil, glassbox.Errorf(glassbox.ECORRUPT, "vulnerability database index %s names source %d of %d", snap.Index, e.Source, len(snap.Sources))
			}
			if need[e.Source] == nil {
				need[e.Source] = map[string]bool{}
			}
			need[e.Source][e.Entry] = true
		}
	}
	loader := NewLoader()
	for i, src := range snap.Sources {
		if len(need[i]) == 0 {
			continue
		}
		data, err := s.readSource(ctx, src)
		if err != nil {
			return nil, err
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "vulnerability database source %s (%s): %w", src.Name, src.Blob, err)
		}
		var files []*zip.File
		for _, f := range zr.File {
			if need[i][f.Name] {
				files = append(files, f)
			}
		}
		loader.addEntries(src.Name, files)
	}
	return loader.Database(), nil
}

func (s *Store) readSource(ctx context.Context, src Source) ([]byte, error) {
	rc, err := s.Blobs.Open(ctx, src.Blob)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database source %s (%s): %w", src.Name, src.Blob, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database source %s (%s): %w", src.Name, src.Blob, err)
	}
	return data, nil
}

// Load reads a snapshot's sources from the evidence store into a
// Database.
func (s *Store) Load(ctx context.Context, snap *Snapshot) (*Database, error) {
	loader := NewLoader()
	for _, src := range snap.Sources {
		rc, err := s.Blobs.Open(ctx, src.Blob)
		if err != nil {
			return nil, fmt.Errorf("vulnerability database source %s (%s): %w", src.Name, src.Blob, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("vulnerability database source %s (%s): %w", src.Name, src.Blob, err)
		}
		if err := loader.AddZip(src.Name, bytes.NewReader(data), int64(len(data))); err != nil {
			return nil, err
		}
	}
	return loader.Database(), nil
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
