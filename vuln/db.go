package vuln

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"glassbox.dev"
)

// Limits on what a database source may hold, so that a hostile zip cannot
// exhaust memory: OSV's largest ecosystem zips hold a few hundred
// thousand records of a few kilobytes each.
const (
	maxRecordSize = 16 << 20
	maxRecords    = 2_000_000
)

// Database is a set of OSV records indexed by package.
type Database struct {
	// Records are the loaded records, sorted by id.
	Records []*Record
	// Bad lists the records that were refused, and why.
	Bad []BadRecord

	index map[string][]recordRef // packageKey → affected entries naming it
}

// BadRecord is a record that did not load.
type BadRecord struct {
	File    string `json:"file"`    // "Go/all.zip:GO-2020-0001.json", or a file's path
	Problem string `json:"problem"` // what is wrong with it
}

type recordRef struct{ record, affected int }

// Loader collects records from sources and builds a Database.
type Loader struct {
	byID map[string]*Record
	bad  []BadRecord
	n    int
}

// NewLoader returns an empty Loader.
func NewLoader() *Loader { return &Loader{byID: map[string]*Record{}} }

// AddZip loads every .json entry of an OSV zip (OSV's <Ecosystem>/all.zip).
// name is how the zip is called in errors. A zip that cannot be read at
// all is an error; a bad entry is counted in Bad and the others load.
func (l *Loader) AddZip(name string, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%s: not a zip archive (want an OSV <Ecosystem>/all.zip): %w", name, err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() && strings.HasSuffix(f.Name, ".json") {
			files = append(files, f)
		}
	}
	if l.n+len(files) > maxRecords {
		return glassbox.Errorf(glassbox.EINVALID, "%s: %d records, over the limit of %d; refusing the source", name, len(files), maxRecords)
	}
	l.addEntries(name, files)
	return nil
}

// addEntries reads and parses zip entries on every CPU (a zip's entries
// can be opened concurrently), then adds them in the given order, so the
// result does not depend on the scheduling.
func (l *Loader) addEntries(name string, files []*zip.File) {
	type parsed struct {
		rec *Record
		bad *BadRecord
	}
	out := make([]parsed, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				rec, bad := readZipRecord(name, files[i])
				out[i] = parsed{rec, bad}
			}
		}()
	}
	wg.Wait()
	for _, p := range out {
		l.n++
		if p.bad != nil {
			l.bad = append(l.bad, *p.bad)
			continue
		}
		l.add(p.rec)
	}
}

// readZipRecord reads and parses one entry.
func readZipRecord(name string, f *zip.File) (*Record, *BadRecord) {
	where := name + ":" + f.Name
	if f.UncompressedSize64 > maxRecordSize {
		return nil, &BadRecord{File: where, Problem: fmt.Sprintf("%d bytes, over the %d-byte limit for one record", f.UncompressedSize64, maxRecordSize)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &BadRecord{File: where, Problem: err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
	rc.Close()
	if err == nil && len(data) > maxRecordSize {
		err = fmt.Errorf("over the %d-byte limit for one record", maxRecordSize)
	}
	if err != nil {
		return nil, &BadRecord{File: where, Problem: err.Error()}
	}
	rec, err := Parse(where, data)
	if err != nil {
		return nil, &BadRecord{File: where, Problem: strings.TrimPrefix(err.Error(), where+": ")}
	}
	rec.source, rec.entry = name, f.Name
	return rec, nil
}

// AddRecord loads one record from its JSON. A bad record is counted; only
// running over the record limit is an error.
func (l *Loader) AddRecord(where string, data []byte) error {
	l.n++
	if l.n > maxRecords {
		return glassbox.Errorf(glassbox.EINVALID, "%s: more than %d records; refusing the source", where, maxRecords)
	}
	rec, err := Parse(where, data)
	if err != nil {
		l.bad = append(l.bad, BadRecord{File: where, Problem: strings.TrimPrefix(err.Error(), where+": ")})
		return nil
	}
	l.add(rec)
	return nil
}

func (l *Loader) add(rec *Record) {
	// Two sources may carry the same record (a GHSA in npm/all.zip and in
	// PyPI/all.zip); keep the copy modified last.
	if old, ok := l.byID[rec.ID]; ok && !rec.Modified.After(old.Modified) {
		return
	}
	l.byID[rec.ID] = rec
}

// Database builds the index.
func (l *Loader) Database() *Database {
	db := &Database{Bad: append([]BadRecord(nil), l.bad...), index: map[string][]recordRef{}}
	for _, r := range l.byID {
		db.Records = append(db.Records, r)
	}
	sort.Slice(db.Records, func(i, j int) bool { return db.Records[i].ID < db.Records[j].ID })
	sort.Slice(db.Bad, func(i, j int) bool { return db.Bad[i].File < db.Bad[j].File })
	for i, r := range db.Records {
		for j, a := range r.Affected {
			if a.Package.Name == "" {
				continue
			}
			k := packageKey(a.Package.Ecosystem, a.Package.Name)
			db.index[k] = append(db.index[k], recordRef{i, j})
		}
	}
	return db
}

// Stats is what a database holds.
type Stats struct {
	Records    int            `json:"records"`
	Withdrawn  int            `json:"withdrawn"`
	Ecosystems map[string]int `json:"ecosystems"` // records naming a package of each ecosystem
	Bad        int            `json:"bad"`
	// NewestModified is the latest "modified" time of any record: how
	// fresh the data is. Records with the zero time (unknown) are counted
	// in UnknownModified instead.
	NewestModified  *time.Time `json:"newest_modified,omitempty"`
	UnknownModified int        `json:"unknown_modified"`
	// NewestPublished is the latest "published" time: a lower bound on
	// the data's freshness when modified times are unknown (the Go
	// database's all.zip zeroes them).
	NewestPublished *time.Time `json:"newest_published,omitempty"`
}

// Stats counts the database's records.
func (db *Database) Stats() Stats {
	s := Stats{Records: len(db.Records), Ecosystems: map[string]int{}, Bad: len(db.Bad)}
	for _, r := range db.Records {
		if r.Withdrawn != nil {
			s.Withdrawn++
		}
		if r.Modified.IsZero() {
			s.UnknownModified++
		} else if s.NewestModified == nil || r.Modified.After(*s.NewestModified) {
			t := r.Modified.UTC()
			s.NewestModified = &t
		}
		if p := r.Published; p != nil && !p.IsZero() && (s.NewestPublished == nil || p.After(*s.NewestPublished)) {
			t := p.UTC()
			s.NewestPublished = &t
		}
		seen := map[string]bool{}
		for _, a := range r.Affected {
			e := baseEcosystem(a.Package.Ecosystem)
			if e != "" && !seen[e] {
				seen[e] = true
				s.Ecosystems[e]++
			}
		}
	}
	return s
}

// ZipDir packs OSV JSON files (name → content) into a zip laid out as OSV
// publishes one, with fixed times and sorted names so that the same files
// always give the same bytes and so the same digest.
func ZipDir(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: path.Clean(n), Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Index lists, for each package the records name, the zip entries of the
// records naming it, so that a snapshot can be loaded for a few
// components without parsing every record (a Go binary's dozen modules
// against hundreds of thousands of records in a multi-ecosystem
// snapshot).
type Index map[string][]IndexEntry

// IndexEntry is one record's place: the source (its position in the
// snapshot's Sources) and the zip entry.
type IndexEntry struct {
	Source int    `json:"s"`
	Entry  string `json:"e"`
}

// Index builds the index of the database's records over sources (the
// names the records were loaded under, in the snapshot's order).
func (db *Database) Index(sources []string) Index {
	pos := map[string]int{}
	for i, s := range sources {
		pos[s] = i
	}
	idx := Index{}
	for k, refs := range db.index {
		for _, ref := range refs {
			r := db.Records[ref.record]
			i, ok := pos[r.source]
			if !ok || r.entry == "" {
				continue
			}
			e := IndexEntry{Source: i, Entry: r.entry}
			if n := len(idx[k]); n == 0 || idx[k][n-1] != e {
				idx[k] = append(idx[k], e)
			}
		}
	}
	return idx
}

// componentKey is the index key of a component: by ecosystem and name,
// or by package URL when it has only that.
func componentKey(c glassbox.Component) (string, bool) {
	eco, name := c.Ecosystem, c.Name
	if eco == "" || name == "" {
		eco, name = fromPURL(c.PURL)
	}
	if eco == "" || name == "" || c.Version == "" {
		return "", false
	}
	return packageKey(eco, name), true
}
