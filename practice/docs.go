package practice

import (
	"path"
	"regexp"
	"strings"
)

// docsNamed returns the documents whose name (without extension,
// lower-cased) starts with one of stems, root first, then .github/, then
// docs/.
func (t *tree) docsNamed(stems ...string) []*file {
	var out []*file
	for _, dir := range []string{"", ".github/", "docs/", "doc/"} {
		for _, f := range t.files {
			d, name := path.Split(f.lower)
			if d != dir || !isDoc(f.lower) || f.text == "" {
				continue
			}
			stem := strings.TrimSuffix(name, path.Ext(name))
			for _, s := range stems {
				if strings.HasPrefix(stem, s) {
					out = append(out, f)
					break
				}
			}
		}
	}
	return out
}

// allDocs returns every document with text.
func (t *tree) allDocs() []*file {
	var out []*file
	for _, f := range t.files {
		if isDoc(f.lower) && f.text != "" && !strings.HasPrefix(f.lower, ".github/issue_template/") && !isLicence(f.lower) && !isChangelog(f.lower) {
			out = append(out, f)
		}
	}
	return out
}

// isLicence reports whether a lower-cased path is a licence file at the
// root: its words are the licence's, not the project's.
func isLicence(p string) bool {
	return !strings.Contains(p, "/") && (strings.HasPrefix(p, "license") || strings.HasPrefix(p, "licence") || strings.HasPrefix(p, "copying") || strings.HasPrefix(p, "unlicense"))
}

// isChangelog reports whether a lower-cased path is a change log: its
// lines say what changed ("updated dependencies"), not how the project is
// run.
func isChangelog(p string) bool {
	name := path.Base(p)
	for _, s := range changelogStems {
		if strings.HasPrefix(name, s) {
			return true
		}
	}
	return false
}

var changelogStems = []string{"changelog", "changes", "news", "history", "release-notes", "release_notes", "releasenotes", "releases"}

// readme returns the root README, if any.
func (t *tree) readme() *file {
	for _, f := range t.docsNamed("readme") {
		if !strings.Contains(f.lower, "/") {
			return f
		}
	}
	return nil
}

// section is a part of a document: a Markdown, reStructuredText or
// AsciiDoc section, or a whole plain document.
type section struct {
	f       *file
	heading string
	level   int // of the heading: 1 for a document's title; 0 for a whole document
	line    int // of the heading, 1-based
	text    string
}

var (
	atxHeading  = regexp.MustCompile(`^(#{1,6})\s+(.+?)\s*#*\s*$`)
	adocHeading = regexp.MustCompile(`^(={1,6})\s+(.+?)\s*$`)
)

// underline reports whether l underlines a heading: three or more of one
// punctuation character (reStructuredText, Markdown's setext).
func underline(l string) bool {
	l = strings.TrimRight(l, " \t\r")
	if len(l) < 3 || !strings.ContainsRune("=-~^\"'`#*+", rune(l[0])) {
		return false
	}
	return strings.Trim(l, l[:1]) == ""
}

// sections splits a document at its headings.
func sections(f *file) []section {
	lines := strings.Split(f.text, "\n")
	type head struct {
		level int
		title string
		line  int
	}
	var heads []head
	inFence := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if m := atxHeading.FindStringSubmatch(l); m != nil {
			heads = append(heads, head{len(m[1]), m[2], i})
		} else if m := adocHeading.FindStringSubmatch(l); m != nil && strings.HasSuffix(f.lower, "adoc") {
			heads = append(heads, head{len(m[1]), m[2], i})
		} else if i > 0 && underline(l) && strings.TrimSpace(lines[i-1]) != "" && !underline(lines[i-1]) && !strings.HasPrefix(lines[i-1], "|") {
			lvl := 2
			if l[0] == '=' {
				lvl = 1
			}
			heads = append(heads, head{lvl, strings.TrimSpace(lines[i-1]), i - 1})
		}
	}
	var out []section
	for k, h := range heads {
		end := len(lines)
		for _, n := range heads[k+1:] {
			if n.level <= h.level {
				end = n.line
				break
			}
		}
		out = append(out, section{f: f, heading: h.title, level: h.level, line: h.line + 1, text: strings.Join(lines[h.line:end], "\n")})
	}
	return out
}

// sectionsTitled returns the sections of the documents whose heading
// matches re.
func sectionsTitled(docs []*file, re *regexp.Regexp) []section {
	var out []section
	for _, f := range docs {
		for _, s := range sections(f) {
			if re.MatchString(s.heading) {
				out = append(out, s)
			}
		}
	}
	return out
}

// whole returns a document as one section.
func whole(f *file) section { return section{f: f, line: 1, text: f.text} }

// referenceRE is a Markdown reference link, [text][ref] or [ref][];
// definitionRE a reference's definition, "[ref]: URL".
var (
	referenceRE  = regexp.MustCompile(`\]\[([^\]]*)\]|\[([^\]]+)\]\[\]`)
	definitionRE = regexp.MustCompile(`(?m)^ {0,3}\[([^\]]+)\]:[ \t]*(\S+)`)
)

// references returns the definitions of the Markdown reference links a
// section uses, which may be anywhere in its document.
func (s section) references() []Location {
	defs := s.f.definitions()
	var out []Location
	for _, m := range referenceRE.FindAllStringSubmatch(s.text, -1) {
		if l, ok := defs[strings.ToLower(m[1]+m[2])]; ok {
			out = append(out, l)
		}
	}
	return out
}

// definitions returns the Markdown reference definitions of a document,
// read once.
func (f *file) definitions() map[string]Location {
	if f.defs != nil {
		return f.defs
	}
	f.defs = map[string]Location{}
	line, counted := 1, 0 // the line at byte counted, kept as matches go forward
	for _, m := range definitionRE.FindAllStringSubmatchIndex(f.text, -1) {
		line += strings.Count(f.text[counted:m[0]], "\n")
		counted = m[0]
		ref := strings.ToLower(f.text[m[2]:m[3]])
		if _, dup := f.defs[ref]; !dup {
			f.defs[ref] = Location{Path: f.Path, Line: line, Text: clip(f.text[m[4]:m[5]])}
		}
	}
	return f.defs
}

// find returns the first line of s matching re, as a location. The
// whole text is searched in one pass, as most searches find nothing.
func (s section) find(re *regexp.Regexp) (Location, bool) {
	loc := re.FindStringIndex(s.text)
	if loc == nil {
		return Location{}, false
	}
	start := strings.LastIndexByte(s.text[:loc[0]], '\n') + 1
	end := strings.IndexByte(s.text[loc[0]:], '\n')
	if end < 0 {
		end = len(s.text)
	} else {
		end += loc[0]
	}
	line := strings.Count(s.text[:loc[0]], "\n")
	return Location{Path: s.f.Path, Line: s.line + line, Text: clip(strings.TrimSpace(s.text[start:end]))}, true
}

// findAll returns where each of res matches in s, or false if one does not.
func (s section) findAll(res ...*regexp.Regexp) ([]Location, bool) {
	var out []Location
	for _, re := range res {
		l, ok := s.find(re)
		if !ok {
			return nil, false
		}
		out = append(out, l)
	}
	return out, true
}

// paragraphs splits s into blank-line separated paragraphs, each with the
// line it starts at.
func (s section) paragraphs() []section {
	var out []section
	lines := strings.Split(s.text, "\n")
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, section{f: s.f, heading: s.heading, line: s.line + start, text: strings.Join(lines[start:end], "\n")})
			start = -1
		}
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			flush(i)
		} else if start < 0 {
			start = i
		}
	}
	flush(len(lines))
	return out
}

// inOneParagraph returns the first paragraph of any of secs in which all
// of res match.
func inOneParagraph(secs []section, res ...*regexp.Regexp) ([]Location, bool) {
	for _, s := range secs {
		for _, p := range s.paragraphs() {
			if locs, ok := p.findAll(res...); ok {
				return locs, true
			}
		}
	}
	return nil, false
}

// anywhere returns the first of secs in which all of res match.
func anywhere(secs []section, res ...*regexp.Regexp) ([]Location, bool) {
	for _, s := range secs {
		if locs, ok := s.findAll(res...); ok {
			return locs, true
		}
	}
	return nil, false
}

func wholes(fs []*file) []section {
	out := make([]section, 0, len(fs))
	for _, f := range fs {
		out = append(out, whole(f))
	}
	return out
}

// clip bounds a quoted line.
func clip(s string) string {
	if len(s) > 160 {
		s = strings.ToValidUTF8(s[:160], "") + "…"
	}
	return s
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(`(?i)` + s) }
