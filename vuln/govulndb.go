package vuln

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// WriteGoVulnDB writes the database's Go records into dir in the layout
// govulncheck reads from a file:// URL (the Go vulnerability database's
// v1 API): index/db.json, index/modules.json and ID/<id>.json. Records are
// written exactly as they were imported, so govulncheck judges the same
// data the matcher did. If only is not nil, only the records it accepts
// are written (creating thousands of small files costs seconds on some
// file systems; reachability needs only the records that matched).
func (db *Database) WriteGoVulnDB(dir string, only func(id string) bool) error {
	if err := os.MkdirAll(filepath.Join(dir, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o755); err != nil {
		return err
	}
	type moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is left out: govulncheck then fetches every record of a
		// module and evaluates its ranges itself, which is never wrong.
	}
	type moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	modules := map[string]*moduleMeta{}
	var newest time.Time
	for _, r := range db.Records {
		if only != nil && !only(r.ID) {
			continue
		}
		goRecord := false
		for _, a := range r.Affected {
			if a.Package.Ecosystem != "Go" || a.Package.Name == "" {
				continue
			}
			goRecord = true
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name}
				modules[a.Package.Name] = m
			}
			if len(m.Vulns) == 0 || m.Vulns[len(m.Vulns)-1].ID != r.ID {
				m.Vulns = append(m.Vulns, moduleVuln{ID: r.ID, Modified: r.Modified})
			}
		}
		if !goRecord {
			continue
		}
		if r.Modified.After(newest) {
			newest = r.Modified
		}
		if err := os.WriteFile(filepath.Join(dir, "ID", r.ID+".json"), r.Raw, 0o644); err != nil {
			return fmt.Errorf("write the Go vulnerability database: %w", err)
		}
	}
	list := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index", "modules.json"), b, 0o644); err != nil {
		return err
	}
	b, err = json.Marshal(struct {
		Modified time.Time `json:"modified"`
	}{newest.UTC()})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index", "db.json"), b, 0o644)
}
