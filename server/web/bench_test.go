package web

import (
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// source10k is a Go file of 10,000 lines, as varied as a real one: types,
// functions, comments, strings, numbers, and 20 findings spread over it.
func source10k() (string, []scan.Finding) {
	var b strings.Builder
	b.WriteString("// Package big is a large generated file for the source view's benchmark.\npackage big\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n")
	for i := 0; strings.Count(b.String(), "\n") < 10010; i++ {
		fmt.Fprintf(&b, "// Handler%d answers request %d; it checks the token first.\ntype Handler%d struct {\n\tName  string\n\tLimit int\n}\n\nfunc (h *Handler%d) Serve(req string) (string, error) {\n\tif strings.HasPrefix(req, \"GET /item/%d\") && h.Limit > %d {\n\t\treturn fmt.Sprintf(\"%%s: %%d\", h.Name, 0x%x), nil\n\t}\n\treturn \"\", fmt.Errorf(\"handler %d: bad request %%q\", req)\n}\n\n", i, i, i, i, i, i%97, i*31, i)
	}
	lines := strings.Split(b.String(), "\n")
	src := strings.Join(lines[:10000], "\n") + "\n"
	var fs []scan.Finding
	for i := range 20 {
		line := 1 + i*500
		fs = append(fs, scan.Finding{Finding: glassbox.Finding{RuleID: "GB0101", Rule: "magic-value-authentication", Severity: "high",
			Message: "a request is let through when it matches a constant", Explanation: "a comparison with a literal that grants access is how many planted backdoors open", Path: "big.go",
			Region: glassbox.Region{StartLine: line}, Flow: []glassbox.FlowStep{{Path: "big.go", Line: line, Message: "req read"}}}})
	}
	return src, fs
}

// BenchmarkSourceView times the server's work for the source view of a
// 10,000-line file with 20 findings (highlighting, the page's template)
// next to serving the same file as plain text, each request into a
// recorder, and reports p50 and p99 of each. The access record, which both
// would wait for in the centre, is left out: it is the same for both and
// measured by 'glassbox bench api'.
func BenchmarkSourceView(b *testing.B) {
	src, findings := source10k()
	ws, err := New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	rel := &glassbox.Release{ID: glassbox.DigestOf([]byte("bench")), Manifest: glassbox.Manifest{Product: "acme/big", Version: "1.0.0"}}
	file := &glassbox.File{Path: "big.go", Size: int64(len(src)), Digest: glassbox.DigestOf([]byte(src))}
	page := func() {
		code, lines, err := highlight(rel.ID, file.Path, file.Digest, src, findings, triageView{})
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		req := &request{Request: httptest.NewRequest("GET", "/ui/releases/x/source/big.go", nil)}
		if err := ws.render(rec, req, 200, "file", map[string]any{"Release": rel, "Path": file.Path, "File": file, "Crumbs": crumbs(file.Path),
			"Title": file.Path, "Code": code, "Lines": lines, "Scanned": true, "Findings": findings}); err != nil {
			b.Fatal(err)
		}
	}
	plain := func() {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(rec, src)
	}
	for _, c := range []struct {
		name string
		f    func()
	}{{"highlighted-cold", func() { clearLineCache(); page() }}, {"highlighted-warm", page}, {"plain", plain}} {
		b.Run(c.name, func(b *testing.B) {
			var ds []time.Duration
			for b.Loop() {
				t := time.Now()
				c.f()
				ds = append(ds, time.Since(t))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

func clearLineCache() {
	lineCache.Lock()
	lineCache.m, lineCache.order, lineCache.size = map[string]*highlighted{}, nil, 0
	lineCache.Unlock()
}
