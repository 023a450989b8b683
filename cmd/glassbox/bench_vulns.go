package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/sbom"
	"glassbox.dev/vuln"
)

// benchVulnsOptions say what "glassbox bench vulns" measures.
type benchVulnsOptions struct {
	zip, binary, govulncheck string
	components, runs         int
}

// benchVulnsReport is what it measured, in seconds (medians).
type benchVulnsReport struct {
	Machine    string  `json:"machine"`
	Zip        string  `json:"zip"`
	Records    int     `json:"records"`
	ImportSecs float64 `json:"import_seconds"` // vulndb import into a fresh evidence store
	ParseSecs  float64 `json:"parse_seconds"`  // reading the zip into a Database only
	Components int     `json:"components"`
	MatchSecs  float64 `json:"match_seconds"` // matching the generated SBOM
	// LoadMatchSecs is loading what the SBOM needs from the snapshot and
	// matching it, as glassbox vulns does.
	LoadMatchSecs float64 `json:"load_and_match_seconds"`
	Matched       int     `json:"matched_vulnerabilities"`
	Binary        string  `json:"binary"`
	// On the binary: glassbox vulns's whole work (snapshot load, matching,
	// in-process govulncheck reachability) and its matching alone, next
	// to the govulncheck command on the same local database.
	GlassboxBinarySecs float64 `json:"glassbox_binary_seconds"`
	GlassboxMatchSecs  float64 `json:"glassbox_binary_match_seconds"`
	GovulncheckSecs    float64 `json:"govulncheck_seconds,omitempty"`
	Govulncheck        string  `json:"govulncheck,omitempty"`
	GovulncheckNote    string  `json:"govulncheck_note,omitempty"`
}

func benchVulnsCommand(g *globals) *cobra.Command {
	o := benchVulnsOptions{zip: "vuln/testdata/osv/Go/all.zip", components: 2000, runs: 5}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "vulns [--zip Go/all.zip] [--binary BIN] [--components N] [--govulncheck PATH]",
		Short: "Time the vulnerability database import and matching, next to govulncheck on the same binary",
		Long: `Measures, with the median of --runs runs after a warm-up: the import of --zip
(glassbox vulndb import into a fresh evidence store, and the parse alone);
the matching of an SBOM of --components Go components against the whole
database (module paths taken from the database, each at a version its
records name or just below one, so that the set is realistic and many
match); and, on --binary (default: a program built here from
golang.org/x/text v0.3.0, golang.org/x/net 2019 and gin v1.6.0), glassbox
vulns's whole work (load the snapshot, match, govulncheck reachability
in-process) next to the govulncheck command (-mode binary -json) against the
same database written in govulncheck's layout. govulncheck is taken from
--govulncheck, PATH or GOPATH/bin (go install
golang.org/x/vuln/cmd/govulncheck@v1.9.0); without it glassbox is reported
alone, saying why.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var log io.Writer = io.Discard
			if !asJSON {
				log = g.stdout
			}
			rep, err := benchVulns(cmd.Context(), o, log)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, rep)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.zip, "zip", o.zip, "OSV `zip` to import (default: the whole Go database the repository's tests use)")
	f.StringVar(&o.binary, "binary", "", "Go `binary` for the comparison with govulncheck (default: build one)")
	f.StringVar(&o.govulncheck, "govulncheck", "", "govulncheck `executable` (default from PATH or GOPATH/bin)")
	f.IntVar(&o.components, "components", o.components, "`number` of Go components in the generated SBOM")
	f.IntVar(&o.runs, "runs", o.runs, "measured `runs` of each step (after one warm-up run)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// median runs fn once to warm up, then runs times, and returns the median
// duration.
func median(runs int, fn func() error) (float64, error) {
	if err := fn(); err != nil {
		return 0, err
	}
	var ds []float64
	for range max(runs, 1) {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start).Seconds())
	}
	sort.Float64s(ds)
	return ds[len(ds)/2], nil
}

func benchVulns(ctx context.Context, o benchVulnsOptions, log io.Writer) (*benchVulnsReport, error) {
	rep := &benchVulnsReport{Zip: o.zip, Components: o.components,
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())}
	fmt.Fprintf(log, "machine: %s\n", rep.Machine)
	work, err := os.MkdirTemp("", "glassbox-bench-vulns-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	// Import: into a fresh evidence store each run.
	n := 0
	var store *vuln.Store
	var snap *vuln.Snapshot
	var snapDigest glassbox.Digest
	rep.ImportSecs, err = median(o.runs, func() error {
		n++
		blobs, err := evidence.OpenFS(filepath.Join(work, fmt.Sprintf("evidence%d", n)))
		if err != nil {
			return err
		}
		store = &vuln.Store{Blobs: blobs, Current: vuln.FilePointer(filepath.Join(work, fmt.Sprintf("current%d", n)))}
		snap, snapDigest, err = store.Import(ctx, []string{o.zip})
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Records = snap.Records
	data, err := os.ReadFile(o.zip)
	if err != nil {
		return nil, err
	}
	var db *vuln.Database
	rep.ParseSecs, err = median(o.runs, func() error {
		l := vuln.NewLoader()
		if err := l.AddZip(o.zip, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
		db = l.Database()
		return nil
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "import %s (%d records): %.3fs (parse and index alone %.3fs)\n", o.zip, rep.Records, rep.ImportSecs, rep.ParseSecs)

	// Matching a generated SBOM of Go components.
	comps := vuln.SampleGoComponents(db, o.components)
	var vulns []vuln.Vulnerability
	rep.MatchSecs, err = median(o.runs, func() error {
		vulns, _ = db.Match(comps, vuln.MatchOptions{})
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.LoadMatchSecs, err = median(o.runs, func() error {
		part, err := store.LoadFor(ctx, snap, comps)
		if err != nil {
			return err
		}
		part.Match(comps, vuln.MatchOptions{})
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Components, rep.Matched = len(comps), len(vulns)
	fmt.Fprintf(log, "match %d Go components against %d records: %.4fs (%d vulnerabilities, %.1f µs per component); with loading from the snapshot %.3fs\n",
		len(comps), rep.Records, rep.MatchSecs, len(vulns), rep.MatchSecs/float64(len(comps))*1e6, rep.LoadMatchSecs)

	// The binary, next to govulncheck.
	bin := o.binary
	if bin == "" {
		if bin, err = buildBenchBinary(ctx, work); err != nil {
			return nil, err
		}
	}
	rep.Binary = bin
	binComps, err := sbom.FromBinary(bin)
	if err != nil {
		return nil, err
	}
	rep.GlassboxMatchSecs, err = median(o.runs, func() error {
		vulns, _ = db.Match(binComps, vuln.MatchOptions{})
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.GlassboxBinarySecs, err = median(o.runs, func() error {
		cs, err := sbom.FromBinary(bin)
		if err != nil {
			return err
		}
		loaded, err := store.LoadFor(ctx, snap, cs)
		if err != nil {
			return err
		}
		vs, _ := loaded.Match(cs, vuln.MatchOptions{})
		return loaded.Reach(ctx, vs, vuln.ReachOptions{Path: bin, Mode: "binary", TempDir: work})
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "binary %s (%d components): glassbox vulns (load from snapshot %s, match, reachability) %.3fs; matching alone %.5fs\n",
		filepath.Base(bin), len(binComps), snapDigest, rep.GlassboxBinarySecs, rep.GlassboxMatchSecs)

	gv := o.govulncheck
	if gv == "" {
		gv = findGovulncheck(ctx)
	}
	if gv == "" {
		rep.GovulncheckNote = "govulncheck not found (go install golang.org/x/vuln/cmd/govulncheck@v1.9.0)"
		fmt.Fprintln(log, rep.GovulncheckNote)
		return rep, nil
	}
	rep.Govulncheck = gv
	dbDir := filepath.Join(work, "govulndb")
	if err := db.WriteGoVulnDB(dbDir, nil); err != nil {
		return nil, err
	}
	dbURL := (&url.URL{Scheme: "file", Path: dbDir}).String()
	rep.GovulncheckSecs, err = median(o.runs, func() error {
		cmd := exec.CommandContext(ctx, gv, "-db", dbURL, "-mode", "binary", "-json", bin)
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v: %s", gv, err, stderr.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "govulncheck -mode binary -json on the same binary and database: %.3fs\n", rep.GovulncheckSecs)
	fmt.Fprintf(log, "ratio glassbox vulns / govulncheck: %.2f (whole work); matching alone / govulncheck: %.4f\n",
		rep.GlassboxBinarySecs/rep.GovulncheckSecs, rep.GlassboxMatchSecs/rep.GovulncheckSecs)
	return rep, nil
}

// buildBenchBinary builds a program using modules with a known history.
func buildBenchBinary(ctx context.Context, work string) (string, error) {
	dir := filepath.Join(work, "prog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gomod := "module example.com/benchvulns\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.6.0\n\tgolang.org/x/net v0.0.0-20190620200207-3b0461eec859\n\tgolang.org/x/text v0.3.0\n)\n"
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/gin-gonic/gin\"\n\t\"golang.org/x/net/html\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() {\n\tr := gin.New()\n\ttag, err := language.Parse(os.Args[0])\n\tfmt.Println(r != nil, tag, err, html.EscapeString(\"<b>\"))\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(work, "benchvulns")
	cmd := exec.CommandContext(ctx, "go", "build", "-mod=mod", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "build the benchmark binary (give --binary instead): %v\n%s", err, out)
	}
	return bin, nil
}

// findGovulncheck looks on PATH, then in GOPATH/bin.
func findGovulncheck(ctx context.Context) string {
	if p, err := exec.LookPath("govulncheck"); err == nil {
		return p
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(dir, "bin", "govulncheck")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
