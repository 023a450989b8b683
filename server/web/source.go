package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"glassbox.dev"
	"glassbox.dev/party"
	"glassbox.dev/scan"
)

// maxShown bounds the source files shown in the page; a larger one is
// left to the API's download.
const maxShown = 4 << 20

// highlightStyle is the colour scheme of the source view: one that reads
// in print and meets contrast rules.
const highlightStyle = "github"

// formatter writes classes, not inline styles: the pages' policy allows
// no inline style. It formats one line at a time; the page lays the lines
// out, each an anchor (#L12), with the findings on a line right under it.
var formatter = chromahtml.New(chromahtml.WithClasses(true), chromahtml.PreventSurroundingPre(true))

var (
	chromaCSSOnce sync.Once
	chromaCSS     []byte
)

// highlightCSS serves the stylesheet of the highlighted source.
func highlightCSS(rw http.ResponseWriter, r *http.Request) {
	chromaCSSOnce.Do(func() {
		var b bytes.Buffer
		formatter.WriteCSS(&b, styles.Get(highlightStyle))
		chromaCSS = b.Bytes()
	})
	rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=3600")
	rw.Write(chromaCSS)
}

// source shows a directory of the release's source, or one file of it,
// highlighted, once the read is on the access record.
func (w *Workspace) source(rw http.ResponseWriter, r *request) error {
	rel, grant, err := w.releaseOf(r, party.ActReadRelease)
	if err != nil {
		return err
	}
	p := strings.TrimSuffix(r.PathValue("path"), "/")
	var file *glassbox.File
	for i := range rel.Manifest.Source.Files {
		if rel.Manifest.Source.Files[i].Path == p {
			file = &rel.Manifest.Source.Files[i]
			break
		}
	}
	data := map[string]any{"Release": rel, "Path": p, "Crumbs": crumbs(p), "Title": p + " · " + rel.Manifest.Product + " " + rel.Manifest.Version}
	if file == nil {
		entries := tree(rel, p)
		if len(entries) == 0 {
			return glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has no source file or directory %q", rel.Manifest.Product, rel.Manifest.Version, p)
		}
		data["Entries"] = entries
		return w.render(rw, r, http.StatusOK, "tree", data)
	}
	data["File"] = file
	if file.Mode == glassbox.ModeSymlink {
		data["Notice"] = "a symbolic link to " + file.Target
		return w.render(rw, r, http.StatusOK, "file", data)
	}
	if file.Size > maxShown {
		data["Notice"] = "too large to show here; download it through the API (GET /api/v1/releases/{id}/source/{path}), which records the read too"
		return w.render(rw, r, http.StatusOK, "file", data)
	}
	rc, err := w.b.ReadRecorded(r.Context(), r.p, grant, rel, "source-file", *file)
	if err != nil {
		return err
	}
	content, err := io.ReadAll(io.LimitReader(rc, maxShown+1))
	rc.Close()
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", file.Path, err)
	}
	if bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content) {
		data["Notice"] = "a binary file; its digest is " + string(file.Digest)
		return w.render(rw, r, http.StatusOK, "file", data)
	}
	findings, scanned, err := w.findingsOf(r, grant, rel, file.Path)
	if err != nil {
		return err
	}
	code, err := highlight(file.Path, string(content), findings)
	if err != nil {
		return err
	}
	data["Code"], data["Scanned"], data["Findings"] = code, scanned, findings
	data["Lines"] = bytes.Count(content, []byte("\n"))
	return w.render(rw, r, http.StatusOK, "file", data)
}

// codeLine is one line of a source file as the page shows it.
type codeLine struct {
	N        int
	HTML     template.HTML
	Findings []scan.Finding
}

// highlight renders source line by line: chroma's lexer for the file's
// name, or one guessed from the content, or plain text. findings go under
// the line they start on.
func highlight(name, source string, findings []scan.Finding) ([]codeLine, error) {
	lexer := lexers.Match(name)
	if lexer == nil {
		lexer = lexers.Analyse(source)
	}
	if lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, source)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "highlight %s: %w", name, err)
	}
	at := map[int][]scan.Finding{}
	for _, f := range findings {
		at[f.Region.StartLine] = append(at[f.Region.StartLine], f)
	}
	style := styles.Get(highlightStyle)
	lines := chroma.SplitTokensIntoLines(it.Tokens())
	out := make([]codeLine, 0, len(lines))
	var b strings.Builder
	for i, toks := range lines {
		if n := len(toks); n > 0 {
			toks[n-1].Value = strings.TrimSuffix(toks[n-1].Value, "\n")
		}
		b.Reset()
		if err := formatter.Format(&b, style, chroma.Literator(toks...)); err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "highlight %s: %w", name, err)
		}
		// chroma escapes the source it writes; the result is HTML of its own.
		out = append(out, codeLine{N: i + 1, HTML: template.HTML(b.String()), Findings: at[i+1]})
	}
	// A finding past the last line (a file that ends without a newline
	// counted differently) is shown on the last.
	for n, fs := range at {
		if n > len(out) && len(out) > 0 {
			out[len(out)-1].Findings = append(out[len(out)-1].Findings, fs...)
		}
	}
	return out, nil
}

// maxScanResult bounds the scan result read for the findings of a file.
const maxScanResult = 256 << 20

// findingsOf returns the findings of the release's newest scan on path,
// once the read of the scan's findings is on the record; ok is false when
// the release has not been scanned.
func (w *Workspace) findingsOf(r *request, grant string, rel *glassbox.Release, path string) (fs []scan.Finding, ok bool, err error) {
	if w.b.Evidence == nil {
		return nil, false, nil
	}
	d, err := w.b.Evidence(r.Context(), rel, "scan/result")
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	size, err := w.b.Blobs.Stat(r.Context(), d)
	if err != nil {
		return nil, false, err
	}
	rc, err := w.b.ReadRecorded(r.Context(), r.p, grant, rel, "finding", glassbox.File{Path: "scan-result", Size: size, Digest: d})
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	var res scan.Result
	if err := json.NewDecoder(io.LimitReader(rc, maxScanResult)).Decode(&res); err != nil {
		return nil, false, glassbox.Errorf(glassbox.ECORRUPT, "the scan result of %s does not decode: %w", rel.ID, err)
	}
	for _, f := range res.Findings {
		if f.Path == path {
			fs = append(fs, f)
		}
	}
	return fs, true, nil
}
