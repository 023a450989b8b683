package exercise

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"glassbox.dev"
)

// headerRE finds request header names in the code a finding quotes:
// Header.Get("X-Token"), getHeader('X-Token'), $_SERVER['HTTP_X_TOKEN'].
var headerRE = regexp.MustCompile(`(?i)(?:header\.get|getheader|headers?\[|header\()\s*\(?\s*["']([A-Za-z0-9-]{1,64})["']|HTTP_([A-Z0-9_]{1,64})`)

// InputsFrom are the values the static analysis found compared with input
// (glassbox.Finding.Inputs), each once, with where it was found.
func InputsFrom(findings []glassbox.Finding) []Input {
	var out []Input
	seen := map[string]bool{}
	for _, f := range findings {
		var headers []string
		for _, m := range headerRE.FindAllStringSubmatch(f.Snippet+" "+f.Message, -1) {
			h := m[1]
			if h == "" {
				h = toHeader(m[2])
			}
			if !slices.Contains(headers, h) {
				headers = append(headers, h)
			}
		}
		for _, v := range f.Inputs {
			if v == "" || len(v) > 256 || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, Input{Value: v, Rule: f.RuleID, Source: fmt.Sprintf("%s:%d", f.Path, f.Region.StartLine), Headers: headers})
		}
	}
	return out
}

// toHeader turns PHP's HTTP_X_TOKEN into X-Token.
func toHeader(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		switch {
		case c == '_':
			b[i], up = '-', true
		case up:
			up = false
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// maxHeaderFile bounds a source file read for header names.
const maxHeaderFile = 1 << 20

// SourceHeaders are the request header names the source tree in dir reads
// (Header.Get("X-Token"), getHeader('X-Token'), $_SERVER['HTTP_X_TOKEN']),
// at most 32.
func SourceHeaders(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= 32 {
			return nil
		}
		if d.IsDir() {
			if n := d.Name(); n == "vendor" || n == "node_modules" || n == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > maxHeaderFile {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for _, m := range headerRE.FindAllSubmatch(b, -1) {
			h := string(m[1])
			if h == "" {
				h = toHeader(string(m[2]))
			}
			if !slices.Contains(out, h) && len(out) < 32 {
				out = append(out, h)
			}
		}
		return nil
	})
	return out
}
