package precision

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Report is what the scan found in one project of the corpus.
type Report struct {
	Project Project
	Result  *scan.Result
}

// Scan scans p's unpacked tree at root as `glassbox scan` does: every
// analyser given (the registered ones, scan.Analyzers()), the Scanner's
// defaults.
func Scan(ctx context.Context, analyzers []scan.Analyzer, p Project, root string) (*Report, error) {
	s := &scan.Scanner{Analyzers: analyzers}
	res, err := s.ScanDir(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", p.Name, err)
	}
	return &Report{Project: p, Result: res}, nil
}

// Failing returns the findings of medium severity or above: on a clean
// project each is a false alarm.
func (r *Report) Failing() []scan.Finding {
	var out []scan.Finding
	for _, f := range r.Result.Findings {
		if f.Suppression == nil && f.Severity.Rank() >= glassbox.SeverityMedium.Rank() {
			out = append(out, f)
		}
	}
	return out
}

// ByRule counts findings by rule and severity: "GB0503 low" → 3.
func (r *Report) ByRule() map[string]int {
	c := map[string]int{}
	for _, f := range r.Result.Findings {
		c[f.RuleID+" "+string(f.Severity)]++
	}
	return c
}

var severities = []glassbox.Severity{glassbox.SeverityCritical, glassbox.SeverityHigh, glassbox.SeverityMedium, glassbox.SeverityLow, glassbox.SeverityNote}

// WriteTable writes the reports as a Markdown table (project, language,
// kind, files, bytes, findings by severity) and then the totals by rule
// and severity, for docs/benchmarks.md.
func WriteTable(w io.Writer, reports []*Report) error {
	var b strings.Builder
	b.WriteString("| project | version | language | kind | files | bytes | critical | high | medium | low | note |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	total := map[glassbox.Severity]int{}
	var files int
	var size int64
	byRule := map[string]int{}
	for _, r := range reports {
		c := r.Result.Counts()
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %d |", r.Project.Name, r.Project.Version, r.Project.Language, r.Project.Kind, r.Result.Files, r.Result.Bytes)
		for _, s := range severities {
			fmt.Fprintf(&b, " %d |", c[s])
			total[s] += c[s]
		}
		b.WriteString("\n")
		files += r.Result.Files
		size += r.Result.Bytes
		for k, n := range r.ByRule() {
			byRule[k] += n
		}
	}
	fmt.Fprintf(&b, "| **all %d projects** | | | | %d | %d |", len(reports), files, size)
	for _, s := range severities {
		fmt.Fprintf(&b, " %d |", total[s])
	}
	b.WriteString("\n\n| rule | severity | findings |\n|---|---|---:|\n")
	keys := make([]string, 0, len(byRule))
	for k := range byRule {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, si, _ := strings.Cut(keys[i], " ")
		rj, sj, _ := strings.Cut(keys[j], " ")
		if ri != rj {
			return ri < rj
		}
		return glassbox.Severity(si).Rank() > glassbox.Severity(sj).Rank()
	})
	for _, k := range keys {
		rule, sev, _ := strings.Cut(k, " ")
		fmt.Fprintf(&b, "| %s | %s | %d |\n", rule, sev, byRule[k])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FindingLine formats a finding for a log: project, rule, severity, place,
// message.
func FindingLine(p Project, f scan.Finding) string {
	return fmt.Sprintf("%s: %s %s %s:%d: %s", p.Dir(), f.RuleID, f.Severity, f.Path, f.Region.StartLine, f.Message)
}

// SortedRules returns the keys of a ByRule map in order.
func SortedRules(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
