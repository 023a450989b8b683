package dossier

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"strings"
	"time"

	"glassbox.dev"
)

//go:embed templates/technical-file.html.tmpl
var templateFiles embed.FS

var fileTemplate = template.Must(template.New("technical-file.html.tmpl").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return NotProvided
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":     strings.Join,
	"contains": strings.Contains,
	// class turns a status into a CSS class.
	"class": func(s string) string { return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-") },
	// statusWord spells a status with a mark, so that it reads the same
	// printed in grey.
	"statusWord": statusWord,
	// missing shows a value, or says plainly that it was not provided.
	"missing": func(s string) template.HTML {
		if strings.TrimSpace(s) == "" {
			return `<span class="missing">not provided</span>`
		}
		return template.HTML(template.HTMLEscapeString(s))
	},
}).ParseFS(templateFiles, "templates/technical-file.html.tmpl"))

// statusWord is a status as the document prints it: a mark and words.
func statusWord(s string) string {
	switch s {
	case string(glassbox.ControlSatisfied):
		return "✓ satisfied"
	case string(glassbox.ControlNotSatisfied):
		return "✗ not satisfied"
	case string(glassbox.ControlNotAssessed), "":
		return "? not assessed"
	case string(glassbox.CheckPass):
		return "✓ pass"
	case string(glassbox.CheckFail):
		return "✗ fail"
	case string(glassbox.CheckError):
		return "? not assessed (error)"
	case string(glassbox.CheckNotApplicable):
		return "– not applicable"
	case "identical", "equivalent":
		return "✓ " + s
	case "different":
		return "✗ different"
	case "not rebuilt":
		return "? not rebuilt"
	}
	return s
}

// HTML renders the technical file as one self-contained, printable HTML
// document: inline CSS, no script, and a Content-Security-Policy that
// forbids every fetch.
func HTML(tf *TechnicalFile) ([]byte, error) {
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, tf); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "render the technical file: %w", err)
	}
	return buf.Bytes(), nil
}

// JSON is the machine-readable technical file, indented.
func JSON(tf *TechnicalFile) ([]byte, error) {
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "encode the technical file: %w", err)
	}
	return append(b, '\n'), nil
}
