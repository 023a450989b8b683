package scan

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"glassbox.dev"
)

// SetAnalyzer is implemented by analysers that need several files at once:
// data that enters a program in one function and reaches a shell in
// another, perhaps in another file; an install hook in package.json and the
// script it runs. The engine runs them after the per-file pass, on sets of
// files the analyser groups (a Go package, the C files of a directory, an
// npm package), and completes, fingerprints and suppresses their findings
// exactly as it does per-file findings.
type SetAnalyzer interface {
	Analyzer
	// SetOf returns the key of the set the file at the slash-separated
	// path p (of language lang) belongs to, or "" if the analyser has no
	// use for it. It is called for every file of the scan, so it should
	// look at the name only.
	SetOf(p, lang string) string
	// AnalyzeSet returns the findings in the set. Each finding names the
	// file of the set it is in (Path) and may carry a Flow through the
	// set's other files.
	AnalyzeSet(s *FileSet) []glassbox.Finding
}

// FileSet is a group of files a SetAnalyzer sees together.
type FileSet struct {
	Key    string  // what SetOf returned for its files
	Files  []*File // sorted by path
	Layout *Layout // the whole tree scanned
}

// Limits on a set: a set analyser holds the whole set in memory, and its
// analysis grows with the set. What is left out is reported as skipped
// (by design: each file was analysed on its own in the per-file pass).
const (
	MaxSetFiles    = 4096     // files in one set; the rest, by path, are left out
	MaxSetFileSize = 4 << 20  // bytes of one file of a set; a larger file is left out
	MaxSetBytes    = 64 << 20 // bytes of one set; files past this, by path, are left out
)

type setJob struct {
	a     SetAnalyzer
	key   string
	files []SourceFile
}

// scanSets runs the set analysers over the accepted files of a scan,
// using the given number of workers.
func (s *Scanner) scanSets(ctx context.Context, accepted []SourceFile, layout *Layout, table map[string]Rule, workers int) []workerOut {
	var jobs []setJob
	for _, a := range s.Analyzers {
		sa, ok := a.(SetAnalyzer)
		if !ok {
			continue
		}
		sets := map[string][]SourceFile{}
		var keys []string
		for _, f := range accepted {
			k := sa.SetOf(f.Path, Language(f.Path))
			if k == "" {
				continue
			}
			if _, ok := sets[k]; !ok {
				keys = append(keys, k)
			}
			sets[k] = append(sets[k], f)
		}
		slices.Sort(keys)
		for _, k := range keys {
			jobs = append(jobs, setJob{a: sa, key: k, files: sets[k]})
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	// The largest sets first, so that one large package does not start
	// last and keep one core busy after the others are done.
	size := func(j setJob) (n int64) {
		for _, f := range j.files {
			n += f.Size
		}
		return n
	}
	slices.SortStableFunc(jobs, func(a, b setJob) int { return cmp.Compare(size(b), size(a)) })
	ch := make(chan setJob)
	outs := make([]workerOut, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := range ch {
				if ctx.Err() == nil {
					s.scanSet(j, layout, table, &outs[w])
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return outs
}

// scanSet reads one set, within the limits, and runs its analyser on it.
func (s *Scanner) scanSet(j setJob, layout *Layout, table map[string]Rule, o *workerOut) {
	slices.SortFunc(j.files, func(a, b SourceFile) int { return strings.Compare(a.Path, b.Path) })
	name := setName(j.a)
	set := &FileSet{Key: j.key, Layout: layout}
	in := map[string]bool{}
	var total int64
	for i, sf := range j.files {
		switch {
		case i >= MaxSetFiles:
			o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: fmt.Sprintf("left out of %s's analysis of %s: the set has more than %d files", name, j.key, MaxSetFiles), ByDesign: true})
			continue
		case sf.Size > MaxSetFileSize:
			o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: fmt.Sprintf("left out of %s's analysis of %s: over %d bytes", name, j.key, MaxSetFileSize), ByDesign: true})
			continue
		case total+sf.Size > MaxSetBytes:
			o.skipped = append(o.skipped, Skipped{Path: sf.Path, Reason: fmt.Sprintf("left out of %s's analysis of %s: the set is over %d bytes", name, j.key, MaxSetBytes), ByDesign: true})
			continue
		}
		b, err := readSetFile(sf)
		if err != nil {
			// The per-file pass has reported why it could not read it.
			continue
		}
		total += int64(len(b))
		f := NewFile(sf.Path, b)
		f.Artifact = sf.Artifact
		f.Layout = layout
		set.Files = append(set.Files, f)
		in[sf.Path] = true
	}
	if len(set.Files) == 0 {
		return
	}
	defer func() {
		for _, f := range set.Files {
			f.Close()
		}
	}()
	found, perr := analyzeSet(j.a, set)
	if perr != "" {
		o.skipped = append(o.skipped, Skipped{Path: set.Files[0].Path, Reason: perr + " on the set " + j.key})
		return
	}
	for _, g := range found {
		p := g.Path
		if !in[p] {
			p = set.Files[0].Path
		}
		o.findings = append(o.findings, Finding{Finding: complete(g, p, table)})
	}
}

func readSetFile(sf SourceFile) ([]byte, error) {
	if sf.Open == nil {
		return nil, fmt.Errorf("%s: no content", sf.Path)
	}
	rc, err := sf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxSetFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSetFileSize {
		return nil, fmt.Errorf("%s: grew past %d bytes", sf.Path, MaxSetFileSize)
	}
	return b, nil
}

// analyzeSet is analyze for a set: a panic costs the set's findings from
// that analyser, not the scan.
func analyzeSet(a SetAnalyzer, set *FileSet) (found []glassbox.Finding, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprintf("analyser %s panicked: %v", setName(a), p)
			if os.Getenv("GLASSBOX_SCAN_DEBUG") != "" {
				panicked += "\n" + string(debug.Stack())
			}
		}
	}()
	return a.AnalyzeSet(set), ""
}

func setName(a Analyzer) string {
	if rs := a.Rules(); len(rs) > 0 {
		return rs[0].Family
	}
	return fmt.Sprintf("%T", a)
}
