// Command fetchcorpus fills the precision corpus' cache: it downloads every
// project corpus.tsv pins, checks its SHA-256 digest and unpacks it into
// DIR/<name>-<version>. A project already there is left alone.
//
//	go run ./scan/internal/precision/fetchcorpus -dir DIR          # fetch
//	go run ./scan/internal/precision/fetchcorpus -dir DIR -table   # fetch, scan, print the Markdown table
//	go run ./scan/internal/precision/fetchcorpus -dir DIR -pin     # print corpus rows with the digests of what was fetched
//
// -pin is how a project is added: list it with "-" as its digest, run -pin,
// read what was fetched, and commit the row it prints.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"glassbox.dev/scan"
	"glassbox.dev/scan/internal/precision"
	_ "glassbox.dev/scan/rules/all"
)

func main() {
	dir := flag.String("dir", "", "the corpus cache `folder` (created if missing)")
	table := flag.Bool("table", false, "scan every project as glassbox scan does and print the Markdown table of findings by project and by rule")
	findings := flag.Bool("findings", false, "with -table: also print every finding of medium or above")
	pin := flag.Bool("pin", false, "print the corpus rows with the SHA-256 of what was fetched (for projects pinned with -)")
	only := flag.String("only", "", "comma-separated project `names` to fetch (default: all)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "fetchcorpus: -dir is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *table, *findings, *pin, *only); err != nil {
		fmt.Fprintln(os.Stderr, "fetchcorpus:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, table, findings, pin bool, only string) error {
	projects, err := precision.Corpus()
	if err != nil {
		return err
	}
	if only != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			want[n] = true
		}
		var sel []precision.Project
		for _, p := range projects {
			if want[p.Name] {
				sel = append(sel, p)
			}
		}
		projects = sel
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f := &precision.Fetcher{Dir: dir, Log: func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}}
	start := time.Now()
	var failed []string
	for _, p := range projects {
		if pin {
			a, err := f.Download(ctx, p)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				failed = append(failed, p.Name)
				continue
			}
			p.SHA256 = a[strings.LastIndexByte(a, '/')+1:]
			fmt.Printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Ecosystem, p.Language, p.Version, p.Source, p.SHA256, p.Kind)
			continue
		}
		if err := f.Fetch(ctx, p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = append(failed, p.Name)
		}
	}
	fmt.Fprintf(os.Stderr, "fetched %d projects in %s\n", len(projects)-len(failed), time.Since(start).Round(time.Second))
	if len(failed) > 0 {
		return fmt.Errorf("%d projects could not be fetched: %s", len(failed), strings.Join(failed, ", "))
	}
	if !table || pin {
		return nil
	}
	start = time.Now()
	var reports []*precision.Report
	for _, p := range projects {
		r, err := precision.Scan(ctx, scan.Analyzers(), p, f.Path(p))
		if err != nil {
			return err
		}
		reports = append(reports, r)
		if findings {
			for _, fd := range r.Failing() {
				fmt.Println(precision.FindingLine(p, fd))
			}
		}
	}
	fmt.Fprintf(os.Stderr, "scanned %d projects in %s\n", len(reports), time.Since(start).Round(time.Second))
	return precision.WriteTable(os.Stdout, reports)
}
