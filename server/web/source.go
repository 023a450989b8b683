package web

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"io"
	"net/http"
	"strconv"
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
	"glassbox.dev/server"
)

// maxShown bounds the source files shown in the page; a larger one is
// left to the API's download.
const maxShown = 4 << 20

// highlightStyle is the colour scheme of the source view: one that reads
// in print and meets contrast rules.
const highlightStyle = "github"

// formatter is chroma's HTML formatter with classes, not inline styles
// (the pages' policy allows no inline style): its stylesheet styles the
// spans highlight writes. highlight writes them itself, line by line, so
// that the page can lay the lines out, each an anchor (#L12), with the
// findings on a line right under it; chroma's formatter, called once per
// line, would rebuild its stylesheet each time (0.8 s for 10,000 lines).
var formatter = chromahtml.New(chromahtml.WithClasses(true))

// tokenClass is the class chroma's formatter gives a token type: that of
// the type or of its nearest parent that has one.
func tokenClass(t chroma.TokenType) string {
	for ; t != 0; t = t.Parent() {
		if cls, ok := chroma.StandardTypes[t]; ok && cls != "" {
			return cls
		}
	}
	return ""
}

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
	file := rel.Manifest.SourceFile(p)
	data := map[string]any{"Release": rel, "Path": p, "Crumbs": crumbs(p), "Title": p + " · " + rel.Manifest.Product + " " + rel.Manifest.Version}
	if file == nil {
		entries := tree(rel, p)
		if len(entries) == 0 {
			return glassbox.Errorf(glassbox.ENOTFOUND, "release %s@%s has no source file or directory %q", rel.Manifest.Product, rel.Manifest.Version, p)
		}
		data["Entries"] = entries
		return w.render(rw, r, http.StatusOK, "tree", data)
	}
	data["File"], data["Git"] = file, gitMarks(rel)[file.Path]
	if file.Mode == glassbox.ModeSymlink {
		data["Notice"] = "a symbolic link to " + file.Target
		return w.render(rw, r, http.StatusOK, "file", data)
	}
	if file.Size > maxShown {
		data["Notice"] = "too large to show here; download it through the API (GET /api/v1/releases/{id}/source/{path}), which records the read too"
		return w.render(rw, r, http.StatusOK, "file", data)
	}
	// Read the file before anything is served of it: a binary file shows
	// only its digest, which the manifest says anyway, and is no read.
	rc, err := w.b.Blobs.Open(r.Context(), file.Digest)
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
	// The file and the scan's findings are two reads, put on the record
	// together: the page waits for the log once.
	reads := []server.Read{{Kind: "source-file", Files: []glassbox.File{*file}}}
	result, scanned, err := w.scanResult(r, rel)
	if err != nil {
		return err
	}
	if scanned {
		reads = append(reads, server.Read{Kind: "finding", Files: []glassbox.File{result}})
	}
	if err := w.b.RecordReads(r.Context(), r.p, grant, rel, reads...); err != nil {
		return err
	}
	var findings []scan.Finding
	if scanned {
		if findings, err = w.findingsIn(r, result, file.Path); err != nil {
			return err
		}
	}
	tv := triageView{decisions: map[string]*glassbox.Triage{}}
	if _, err := w.authorize(r, party.ActJudge, rel); err == nil && w.b.Triage != nil {
		tv.mayJudge, tv.csrf = true, r.session.CSRF
	}
	if ts, ok := w.b.Releases.(glassbox.TriageStore); ok && len(findings) > 0 {
		all, err := ts.FindTriage(r.Context(), rel.ID)
		if err != nil {
			return err
		}
		for _, t := range all {
			tv.decisions[t.Fingerprint] = t
		}
	}
	code, lines, err := highlight(rel.ID, file.Path, file.Digest, string(content), findings, tv)
	if err != nil {
		return err
	}
	data["Code"], data["Lines"], data["Scanned"], data["Findings"] = code, lines, scanned, findings
	data["Lines"] = bytes.Count(content, []byte("\n"))
	return w.render(rw, r, http.StatusOK, "file", data)
}

// highlighted is what highlight keeps of a file: each line as HTML.
type highlighted struct {
	lines []string
	size  int
}

// lineCache keeps the highlighted lines of the files shown last, by digest
// and name (the name picks the lexer), up to maxCachedHTML bytes: lexing
// is most of the cost of a page, and a file's content never changes.
var lineCache = struct {
	sync.Mutex
	m     map[string]*highlighted
	order []string
	size  int
}{m: map[string]*highlighted{}}

const maxCachedHTML = 64 << 20

// highlightLines returns the file's lines as HTML: chroma's lexer for the
// file's name, or one guessed from the content, or plain text; every
// token's text escaped, in a span of chroma's class for it.
func highlightLines(name string, digest glassbox.Digest, source string) ([]string, error) {
	key := string(digest) + "\x00" + name
	lineCache.Lock()
	h, ok := lineCache.m[key]
	lineCache.Unlock()
	if ok {
		return h.lines, nil
	}
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
	lines := chroma.SplitTokensIntoLines(it.Tokens())
	h = &highlighted{lines: make([]string, 0, len(lines))}
	var b strings.Builder
	for _, toks := range lines {
		b.Reset()
		for _, t := range toks {
			v := strings.TrimSuffix(t.Value, "\n")
			if v == "" {
				continue
			}
			if cls := tokenClass(t.Type); cls != "" {
				b.WriteString(`<span class="`)
				b.WriteString(cls)
				b.WriteString(`">`)
				b.WriteString(html.EscapeString(v))
				b.WriteString(`</span>`)
			} else {
				b.WriteString(html.EscapeString(v))
			}
		}
		h.lines = append(h.lines, b.String())
		h.size += b.Len()
	}
	lineCache.Lock()
	defer lineCache.Unlock()
	if _, ok := lineCache.m[key]; !ok && h.size <= maxCachedHTML {
		for lineCache.size+h.size > maxCachedHTML && len(lineCache.order) > 0 {
			old := lineCache.order[0]
			lineCache.order = lineCache.order[1:]
			lineCache.size -= lineCache.m[old].size
			delete(lineCache.m, old)
		}
		lineCache.m[key] = h
		lineCache.order = append(lineCache.order, key)
		lineCache.size += h.size
	}
	return h.lines, nil
}

// findingRow is a finding as the source view shows it, under its line.
var findingRow = template.Must(template.New("finding").Parse(`<tr class="finding-row"><td></td><td><div class="finding" role="note" id="f-{{.F.Fingerprint}}">
<p><span class="sev sev-{{.F.Severity}}">{{.F.Severity}}</span> <strong>{{.F.RuleID}} {{.F.Rule}}</strong>: {{.F.Message}}{{with .F.Suppression}} <em>(suppressed: {{.Reason}})</em>{{end}}</p>
{{with .F.Explanation}}<p>{{.}}</p>{{end}}
{{with .F.Flow}}<ol class="flow">{{range .}}<li><a href="/ui/releases/{{$.Release}}/source/{{.Path}}#L{{.Line}}">{{.Path}}:{{.Line}}</a> {{.Message}}</li>{{end}}</ol>{{end}}
{{with .Decision}}<p class="decision">{{if .Dismissed}}Dismissed{{else}}Confirmed{{end}} by {{.Evaluator}} on {{.At.UTC.Format "2006-01-02 15:04 UTC"}}{{with .Reason}}: {{.}}{{end}}</p>{{end}}
{{if .MayJudge}}<form method="post" action="/ui/releases/{{.Release}}/triage" class="triage">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="fingerprint" value="{{.F.Fingerprint}}"><input type="hidden" name="path" value="{{.F.Path}}">
<label for="reason-{{.F.Fingerprint}}">Reason</label> <input id="reason-{{.F.Fingerprint}}" name="reason" maxlength="8192">
<button type="submit" name="decision" value="confirmed">Confirm</button> <button type="submit" name="decision" value="dismissed">Dismiss</button>
</form>{{end}}
</div></td></tr>
`))

// triageView is what a finding's row shows of its triage.
type triageView struct {
	decisions map[string]*glassbox.Triage // in force, by fingerprint
	mayJudge  bool
	csrf      string
}

// highlight renders a source file's table rows: each line an anchor
// (#L12), and under the line a finding starts on, the finding.
func highlight(rel glassbox.Digest, name string, digest glassbox.Digest, source string, findings []scan.Finding, tv triageView) (template.HTML, int, error) {
	lines, err := highlightLines(name, digest, source)
	if err != nil {
		return "", 0, err
	}
	at := map[int][]scan.Finding{}
	for _, f := range findings {
		n := min(max(f.Region.StartLine, 1), max(len(lines), 1))
		at[n] = append(at[n], f)
	}
	var b strings.Builder
	b.Grow(len(source) * 3)
	for i, l := range lines {
		n := strconv.Itoa(i + 1)
		b.WriteString(`<tr id="L` + n + `"><td class="ln"><a href="#L` + n + `">` + n + `</a></td><td class="src"><code>`)
		b.WriteString(l) // escaped by highlightLines
		b.WriteString("</code></td></tr>\n")
		for _, f := range at[i+1] {
			if err := findingRow.Execute(&b, map[string]any{"F": f, "Release": rel, "Decision": tv.decisions[f.Fingerprint], "MayJudge": tv.mayJudge, "CSRF": tv.csrf}); err != nil {
				return "", 0, glassbox.Errorf(glassbox.EINTERNAL, "render a finding: %w", err)
			}
		}
	}
	return template.HTML(b.String()), len(lines), nil
}

// maxScanResult bounds the scan result read for the findings of a file.
const maxScanResult = 256 << 20

// scanResult returns the release's newest scan result as the file a read
// of it serves; ok is false when the release has not been scanned.
func (w *Workspace) scanResult(r *request, rel *glassbox.Release) (f glassbox.File, ok bool, err error) {
	if w.b.Evidence == nil {
		return f, false, nil
	}
	d, err := w.b.Evidence(r.Context(), rel, "scan/result")
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return f, false, nil
	}
	if err != nil {
		return f, false, err
	}
	size, err := w.b.Blobs.Stat(r.Context(), d)
	if err != nil {
		return f, false, err
	}
	return glassbox.File{Path: "scan-result", Size: size, Digest: d}, true, nil
}

// findingsIn returns the findings on path of a scan result whose read is
// on the record.
func (w *Workspace) findingsIn(r *request, result glassbox.File, path string) (fs []scan.Finding, err error) {
	rc, err := w.b.Blobs.Open(r.Context(), result.Digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var res scan.Result
	if err := json.NewDecoder(io.LimitReader(rc, maxScanResult)).Decode(&res); err != nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the scan result %s does not decode: %w", result.Digest, err)
	}
	for _, f := range res.Findings {
		if f.Path == path {
			fs = append(fs, f)
		}
	}
	return fs, nil
}
