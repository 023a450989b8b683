package web

import (
	"bytes"
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
)

// maxShown bounds the source files shown in the page; a larger one is
// left to the API's download.
const maxShown = 4 << 20

// highlightStyle is the colour scheme of the source view: one that reads
// in print and meets contrast rules.
const highlightStyle = "github"

// formatter writes classes, not inline styles: the pages' policy allows
// no inline style. Each line is an anchor (#L12).
var formatter = chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithLineNumbers(true),
	chromahtml.WithLinkableLineNumbers(true, "L"), chromahtml.LineNumbersInTable(true))

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
	code, err := highlight(file.Path, string(content))
	if err != nil {
		return err
	}
	data["Code"] = code
	data["Lines"] = bytes.Count(content, []byte("\n"))
	return w.render(rw, r, http.StatusOK, "file", data)
}

// highlight renders source as HTML: chroma's lexer for the file's name,
// or one guessed from the content, or plain text.
func highlight(name, source string) (template.HTML, error) {
	lexer := lexers.Match(name)
	if lexer == nil {
		lexer = lexers.Analyse(source)
	}
	if lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, source)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "highlight %s: %w", name, err)
	}
	var b strings.Builder
	if err := formatter.Format(&b, styles.Get(highlightStyle), it); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "highlight %s: %w", name, err)
	}
	// chroma escapes the source it writes; the result is HTML of its own.
	return template.HTML(b.String()), nil
}
