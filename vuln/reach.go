package vuln

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"golang.org/x/vuln/scan"
)

// Reachability says whether a Go component's vulnerable code is used, as
// govulncheck's symbol-level analysis found it.
type Reachability struct {
	State   string   `json:"state"`             // called, imported, required, absent or unknown
	Symbols []string `json:"symbols,omitempty"` // the vulnerable symbols called
	Mode    string   `json:"mode"`              // binary or source
	Note    string   `json:"note,omitempty"`
}

// Reachability states.
const (
	ReachCalled   = "called"   // a vulnerable symbol is called (source) or linked in (binary)
	ReachImported = "imported" // a vulnerable package is imported/linked, no vulnerable symbol is
	ReachRequired = "required" // the module is a dependency, no vulnerable package is imported
	ReachUnknown  = "unknown"
)

// reachRisk orders states by how much they leave a release exposed: a
// call, then not knowing, then a package that is there unused, then only
// the module.
func reachRisk(state string) int {
	switch state {
	case ReachCalled:
		return 3
	case ReachUnknown:
		return 2
	case ReachImported:
		return 1
	}
	return 0
}

func (r *Reachability) how() string {
	if r.Mode == "binary" {
		return "linked into the binary"
	}
	return "imported"
}

// ReachOptions says what govulncheck analyses.
type ReachOptions struct {
	// Path is a Go binary (Mode "binary") or a module directory (Mode
	// "source"; analysed as ./..., which needs its dependencies in the
	// module cache).
	Path string
	Mode string
	// TempDir is where the converted database is written (default
	// os.TempDir()); it is removed afterwards.
	TempDir string
	// Only, if set, limits the matches the analysis speaks for.
	Only func(Match) bool
}

// Reach runs govulncheck in-process over a Go binary or source tree,
// against the Go records of db written as a local vulnerability database,
// and fills in the Reachability of every Go match of vulns. It fails only
// when govulncheck cannot run at all; matches it says nothing about are
// left unknown, with a note.
func (db *Database) Reach(ctx context.Context, vulns []Vulnerability, o ReachOptions) error {
	// govulncheck can only confirm or qualify what matched, so the
	// database it reads holds the matched records alone.
	matched := map[string]bool{}
	for _, v := range vulns {
		for _, m := range v.Matches {
			if m.Component.Ecosystem == "Go" {
				matched[m.Record] = true
			}
		}
	}
	if len(matched) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp(o.TempDir, "glassbox-govulndb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := db.WriteGoVulnDB(dir, func(id string) bool { return matched[id] }); err != nil {
		return err
	}
	findings, err := govulncheck(ctx, (&url.URL{Scheme: "file", Path: dir}).String(), o)
	if err != nil {
		return err
	}
	findings.goos, findings.goarch = targetPlatform(o)
	findings.db = db
	for i := range vulns {
		v := &vulns[i]
		for j := range v.Matches {
			m := &v.Matches[j]
			if m.Component.Ecosystem != "Go" || m.Status == StatusResolved || (o.Only != nil && !o.Only(*m)) {
				continue
			}
			// Several analyses (one per binary of a release) keep the
			// most alarming answer.
			r := findings.reachability(m.Record, m.Component.Name, o.Mode)
			if m.Reachability == nil || reachRisk(r.State) > reachRisk(m.Reachability.State) {
				m.Reachability = r
			}
		}
		v.summarise()
	}
	return nil
}

// govulncheckFindings is what one govulncheck run said, by OSV id and
// module.
type govulncheckFindings struct {
	level   string
	modules map[string]bool // modules govulncheck saw in the target
	// by "id\x00module": the deepest level reached and the symbols called
	found map[string]*reached
	// the target's platform, and the records, to explain a silence
	goos, goarch string
	db           *Database
}

type reached struct {
	level   int // 0 module, 1 package, 2 symbol
	symbols map[string]bool
}

func (f *govulncheckFindings) reachability(id, module, mode string) *Reachability {
	r := &Reachability{Mode: mode}
	got := f.found[id+"\x00"+module]
	switch {
	case f.level != "symbol":
		r.State, r.Note = ReachUnknown, "govulncheck ran at "+f.level+" level"
	case got == nil && !f.modules[module]:
		r.State, r.Note = ReachUnknown, fmt.Sprintf("govulncheck did not find module %s in the %s", module, mode)
	case got == nil && f.otherPlatform(id, module):
		// govulncheck drops records whose vulnerable packages are all
		// for other platforms (ecosystem_specific imports' goos/goarch).
		r.State, r.Note = ReachRequired, fmt.Sprintf("the vulnerable packages are only built for other platforms than %s/%s", f.goos, f.goarch)
	case got == nil:
		r.State, r.Note = ReachUnknown, "govulncheck reported nothing for "+id+" (it may see another version of "+module+")"
	case got.level == 2:
		r.State = ReachCalled
		for s := range got.symbols {
			r.Symbols = append(r.Symbols, s)
		}
		sort.Strings(r.Symbols)
	case got.level == 1:
		r.State = ReachImported
	default:
		r.State = ReachRequired
	}
	return r
}

// govulncheck runs golang.org/x/vuln/scan with JSON output and reads the
// stream of messages.
func govulncheck(ctx context.Context, dbURL string, o ReachOptions) (*govulncheckFindings, error) {
	args := []string{"-json", "-db", dbURL, "-scan", "symbol"}
	switch o.Mode {
	case "binary":
		args = append(args, "-mode", "binary", o.Path)
	case "source":
		abs, err := filepath.Abs(o.Path)
		if err != nil {
			return nil, err
		}
		args = append(args, "-C", abs, "./...")
	default:
		return nil, fmt.Errorf("reachability mode %q: want binary or source", o.Mode)
	}
	var stdout, stderr bytes.Buffer
	cmd := scan.Command(ctx, args...)
	if o.Mode == "source" {
		cmd.Env = sourceEnv(ctx)
	}
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &stdout, &stderr, strings.NewReader("")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		// With -json, govulncheck exits 0 even with findings; an error is
		// a failure to analyse.
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("govulncheck on %s: %s", o.Path, msg)
	}
	return readGovulncheck(&stdout)
}

// sourceEnv is the environment govulncheck's source mode loads a
// vendor's packages in (it runs go list on the tree): the toolchain
// installed here, never one the tree's go.mod asks to download; no cgo,
// so no C compiler runs on the vendor's code; and modules fetched through
// the configured proxies only, never straight from hosts the tree names.
func sourceEnv(ctx context.Context) []string {
	proxy := os.Getenv("GOPROXY")
	if out, err := exec.CommandContext(ctx, "go", "env", "GOPROXY").Output(); err == nil {
		proxy = strings.TrimSpace(string(out))
	}
	var keep []string
	for _, p := range strings.FieldsFunc(proxy, func(r rune) bool { return r == ',' || r == '|' }) {
		if p != "direct" && p != "off" && p != "" {
			keep = append(keep, p)
		}
	}
	proxy = strings.Join(keep, ",")
	if proxy == "" {
		proxy = "off"
	}
	return append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOPROXY="+proxy, "GOPRIVATE=", "GONOPROXY=", "GOFLAGS=-buildvcs=false")
}

// The parts of govulncheck's JSON protocol (golang.org/x/vuln/internal/
// govulncheck, protocol 1.0.0) glassbox reads.
type gvMessage struct {
	Config *struct {
		ScanLevel string `json:"scan_level"`
	} `json:"config"`
	SBOM *struct {
		Modules []struct {
			Path string `json:"path"`
		} `json:"modules"`
	} `json:"SBOM"`
	Finding *struct {
		OSV   string `json:"osv"`
		Trace []struct {
			Module   string `json:"module"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
		} `json:"trace"`
	} `json:"finding"`
}

func readGovulncheck(r io.Reader) (*govulncheckFindings, error) {
	f := &govulncheckFindings{level: "symbol", modules: map[string]bool{}, found: map[string]*reached{}}
	dec := json.NewDecoder(r)
	for {
		var m gvMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck's JSON: %w", err)
		}
		switch {
		case m.Config != nil:
			if m.Config.ScanLevel != "" {
				f.level = m.Config.ScanLevel
			}
		case m.SBOM != nil:
			for _, mod := range m.SBOM.Modules {
				f.modules[mod.Path] = true
			}
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			t := m.Finding.Trace[0]
			k := m.Finding.OSV + "\x00" + t.Module
			got := f.found[k]
			if got == nil {
				got = &reached{symbols: map[string]bool{}}
				f.found[k] = got
			}
			level := 0
			if t.Package != "" {
				level = 1
			}
			if t.Function != "" {
				level = 2
				sym := t.Function
				if t.Receiver != "" {
					sym = strings.TrimPrefix(t.Receiver, "*") + "." + sym
				}
				got.symbols[t.Package+"."+sym] = true
			}
			got.level = max(got.level, level)
		}
	}
}

// otherPlatform reports whether every vulnerable package the record names
// for module is limited to operating systems or architectures other than
// the target's.
func (f *govulncheckFindings) otherPlatform(id, module string) bool {
	if f.db == nil || f.goos == "" {
		return false
	}
	r := f.db.record(id)
	if r == nil {
		return false
	}
	var spec struct {
		Imports []struct {
			GOOS   []string `json:"goos"`
			GOARCH []string `json:"goarch"`
		} `json:"imports"`
	}
	n := 0
	for _, a := range r.Affected {
		if a.Package.Name != module || len(a.EcosystemSpecific) == 0 {
			continue
		}
		if json.Unmarshal(a.EcosystemSpecific, &spec) != nil || len(spec.Imports) == 0 {
			return false
		}
		for _, imp := range spec.Imports {
			osOK := len(imp.GOOS) == 0 || slices.Contains(imp.GOOS, f.goos)
			archOK := len(imp.GOARCH) == 0 || slices.Contains(imp.GOARCH, f.goarch)
			if osOK && archOK {
				return false
			}
			n++
		}
	}
	return n > 0
}

// targetPlatform is the GOOS and GOARCH a binary was built for (from its
// build information), or for source, the environment's or this process's.
func targetPlatform(o ReachOptions) (goos, goarch string) {
	if o.Mode == "binary" {
		bi, err := buildinfo.ReadFile(o.Path)
		if err != nil {
			return "", ""
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
		return goos, goarch
	}
	goos, goarch = os.Getenv("GOOS"), os.Getenv("GOARCH")
	if goos == "" {
		goos = runtime.GOOS
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	return goos, goarch
}

// record returns the record with the id, or nil.
func (db *Database) record(id string) *Record {
	i := sort.Search(len(db.Records), func(i int) bool { return db.Records[i].ID >= id })
	if i < len(db.Records) && db.Records[i].ID == id {
		return db.Records[i]
	}
	return nil
}
