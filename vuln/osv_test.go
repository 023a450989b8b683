package vuln

import (
	"archive/zip"
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"glassbox.dev"
	"glassbox.dev/internal/schemas"
)

func compileOSVSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	sch, err := schemas.Compile(schemas.OSV)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestGoDatabaseValidates checks every record of the Go database against
// the official OSV schema, and that the parser accepts exactly those (it
// is why import need not run the schema: see the snapshot's Checks).
func TestGoDatabaseValidates(t *testing.T) {
	sch := compileOSVSchema(t)
	zr, err := zip.OpenReader(goZip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	start := time.Now()
	n := 0
	for _, f := range zr.File {
		rc, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := sch.Validate(inst)
		_, parseErr := Parse(f.Name, buf.Bytes())
		if schemaErr != nil || parseErr != nil {
			t.Errorf("%s: schema: %v; parser: %v", f.Name, schemaErr, parseErr)
		}
		n++
	}
	t.Logf("%d records validated against the OSV schema in %v (the parser loads the same zip in about a tenth of that)", n, time.Since(start))
}

// badRecords are records the parser must refuse, with a word its error
// must contain; the schema must refuse them too unless schemaOK.
var badRecords = []struct {
	name, json, want string
	schemaOK         bool
}{
	{"not-json.json", `{"id": "OSV-2024-1", "modified": `, "not a valid OSV record", false},
	{"no-id.json", `{"modified": "2024-01-01T00:00:00Z"}`, "no id", false},
	{"no-modified.json", `{"id": "OSV-2024-2"}`, "no modified", false},
	{"bad-time.json", `{"id": "OSV-2024-3", "modified": "yesterday"}`, "not a valid OSV record", false},
	{"range-type.json", `{"id": "OSV-2024-4", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "DATE", "events": [{"introduced": "0"}]}]}]}`, "unknown range type", false},
	{"no-introduced.json", `{"id": "OSV-2024-5", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]}`, "no introduced", false},
	{"two-keys.json", `{"id": "OSV-2024-6", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]}`, "exactly one", false},
	{"fixed-and-last.json", `{"id": "OSV-2024-7", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}, {"last_affected": "2.0.0"}]}]}]}`, "fixed and last_affected", false},
	{"bad-semver.json", `{"id": "OSV-2024-8", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.x"}]}]}]}`, "not semantic", true},
	{"no-name.json", `{"id": "OSV-2024-9", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}`, "both ecosystem and name", false},
	{"git-no-repo.json", `{"id": "OSV-2024-10", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "GIT", "events": [{"introduced": "0"}]}]}]}`, "without repo", false},
	{"no-events.json", `{"id": "OSV-2024-11", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": []}]}]}`, "no events", false},
	{"bad-pep440.json", `{"id": "OSV-2024-12", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "one.two"}]}]}]}`, "PEP 440", true},
}

// TestBadRecords: each bad record is refused with its file and problem
// named, and the schema agrees it is bad where the schema can tell.
func TestBadRecords(t *testing.T) {
	sch := compileOSVSchema(t)
	for _, c := range badRecords {
		_, err := Parse(c.name, []byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", c.name, err, c.want)
		}
		inst, jerr := jsonschema.UnmarshalJSON(strings.NewReader(c.json))
		if jerr != nil {
			continue // not JSON at all
		}
		if serr := sch.Validate(inst); (serr == nil) != c.schemaOK {
			t.Errorf("%s: schema says %v, want valid=%v", c.name, serr, c.schemaOK)
		}
	}
}

// TestZipWithBrokenRecords: a zip mixing good and broken records loads
// the good ones and reports every broken one by name.
func TestZipWithBrokenRecords(t *testing.T) {
	files := map[string][]byte{
		"GOOD-1.json": []byte(`{"id": "OSV-GOOD-1", "modified": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]}]}`),
		"GOOD-2.json": []byte(`{"id": "OSV-GOOD-2", "modified": "2024-03-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.0.0"]}]}`),
	}
	for _, c := range badRecords {
		files[c.name] = []byte(c.json)
	}
	z, err := ZipDir(files)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoader()
	if err := l.AddZip("broken.zip", bytes.NewReader(z), int64(len(z))); err != nil {
		t.Fatal(err)
	}
	db := l.Database()
	if len(db.Records) != 2 || len(db.Bad) != len(badRecords) {
		t.Fatalf("%d records, %d bad; want 2 and %d: %+v", len(db.Records), len(db.Bad), len(badRecords), db.Bad)
	}
	for _, b := range db.Bad {
		if !strings.HasPrefix(b.File, "broken.zip:") || b.Problem == "" {
			t.Errorf("bad record %+v: want the zip and entry named, and a problem", b)
		}
	}
	s := db.Stats()
	if s.Ecosystems["Go"] != 1 || s.Ecosystems["npm"] != 1 || s.NewestModified.Format("2006-01-02") != "2024-03-01" {
		t.Errorf("stats %+v", s)
	}
	vulns, _ := db.Match([]glassbox.Component{goComponent("example.com/m", "v1.1.9"), {Ecosystem: "npm", Name: "left-pad", Version: "1.0.0"}}, MatchOptions{})
	if len(vulns) != 2 {
		t.Errorf("good records should still match: %+v", vulns)
	}

	if err := NewLoader().AddZip("notazip.zip", bytes.NewReader([]byte("hello")), 5); err == nil || !strings.Contains(err.Error(), "notazip.zip: not a zip") {
		t.Errorf("a non-zip: %v", err)
	}
}

func TestImportSnapshot(t *testing.T) {
	dir := t.TempDir()
	blobs := openBlobs(t)
	s := &Store{Blobs: blobs, Current: FilePointer(dir + "/vulndb/current")}
	if _, _, err := s.CurrentSnapshot(t.Context()); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Fatalf("before import: %v", err)
	}
	recDir := dir + "/records"
	os.MkdirAll(recDir, 0o755)
	os.WriteFile(recDir+"/A-1.json", []byte(`{"id": "A-1", "modified": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "Django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.2.1"}]}]}]}`), 0o644)
	os.WriteFile(recDir+"/bad.json", []byte(`{`), 0o644)
	snap, d, err := s.Import(t.Context(), []string{goZip, recDir})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Ecosystems["Go"] < 4000 || snap.Ecosystems["PyPI"] != 1 || snap.Bad != 1 || snap.BadRecords[0].File != recDir+":bad.json" {
		t.Errorf("snapshot %+v", snap.Stats)
	}
	again, d2, err := s.CurrentSnapshot(t.Context())
	if err != nil || d2 != d || again.Digest != snap.Digest {
		t.Fatalf("current: %v %s %s", err, d2, d)
	}
	db, err := s.Load(t.Context(), again)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Records) != snap.Records {
		t.Errorf("loaded %d records, snapshot says %d", len(db.Records), snap.Records)
	}
	// Loading only what components need matches exactly as the whole
	// database does.
	for _, comps := range [][]glassbox.Component{
		{goComponent("golang.org/x/text", "v0.3.0"), goComponent("github.com/gin-gonic/gin", "v1.6.0"), {Ecosystem: "PyPI", Name: "django", Version: "4.2.0"}},
		SampleGoComponents(db, 2000),
	} {
		part, err := s.LoadFor(t.Context(), again, comps)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := db.Match(comps, MatchOptions{Resolved: true})
		got, _ := part.Match(comps, MatchOptions{Resolved: true})
		if len(part.Records) >= len(db.Records) && len(comps) < 10 {
			t.Errorf("LoadFor loaded %d records of %d for %d components", len(part.Records), len(db.Records), len(comps))
		}
		if !slices.Equal(ourGroups(got), ourGroups(want)) || len(want) == 0 {
			t.Errorf("LoadFor: %d rows, whole database: %d", len(got), len(want))
		}
	}
	// The same data imported again has the same data digest.
	snap2, _, err := s.Import(t.Context(), []string{goZip, recDir})
	if err != nil || snap2.Digest != snap.Digest {
		t.Errorf("re-import: %v, digest %s vs %s", err, snap2.Digest, snap.Digest)
	}
}
