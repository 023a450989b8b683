package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"glassbox.dev"
)

// Search across a release's source: the lines that contain a string, file
// by file. Only the matching lines are served, and they are on the access
// record (kind "search": each file with the digest of its lines served)
// before they are. A search that matches nothing serves nothing of the
// source and is not recorded.
const (
	MinQuery = 2   // bytes: shorter queries match nearly every line
	MaxQuery = 256 // bytes
	// MaxSearchMatches bounds the lines a search serves in all;
	// MaxFileMatches those of one file. The rest are counted, not served.
	MaxSearchMatches = 1000
	MaxFileMatches   = 50
	// maxSearchedFile bounds a file searched; larger ones are skipped, as
	// are binary ones, and counted.
	maxSearchedFile = 8 << 20
	// maxLineShown bounds a line served: a longer one is cut around the
	// match.
	maxLineShown = 400
)

// SearchQuery is what to look for.
type SearchQuery struct {
	Text string `json:"text"`
	// CaseSensitive matches the text exactly; otherwise letters match
	// whatever their case.
	CaseSensitive bool `json:"case_sensitive"`
}

// SearchMatch is one line that matched: its number, its text (cut to
// maxLineShown bytes around the first match) and where in the text the
// first match is.
type SearchMatch struct {
	Line  int    `json:"line"`
	Text  string `json:"text"`
	Start int    `json:"start"` // byte offsets into Text
	End   int    `json:"end"`
}

// SearchFile is the matches in one file; More counts those not served.
type SearchFile struct {
	Path    string        `json:"path"`
	Matches []SearchMatch `json:"matches"`
	More    int           `json:"more,omitempty"`
}

// SearchResult is what a search found.
type SearchResult struct {
	Query    SearchQuery  `json:"query"`
	Files    []SearchFile `json:"files"`
	Matches  int          `json:"matches"`  // lines served
	Searched int          `json:"searched"` // text files searched
	// Skipped counts files not searched: binary, too large, or links.
	Skipped int `json:"skipped"`
	// Truncated is true when more lines matched than a search serves.
	Truncated bool `json:"truncated"`
}

// Validate refuses a query too short or too long to run.
func (q SearchQuery) Validate() error {
	switch {
	case len(q.Text) < MinQuery:
		return glassbox.Errorf(glassbox.EINVALID, "search for at least %d characters", MinQuery)
	case len(q.Text) > MaxQuery:
		return glassbox.Errorf(glassbox.EINVALID, "the search is longer than %d bytes", MaxQuery)
	case !utf8.ValidString(q.Text) || strings.ContainsAny(q.Text, "\n\r"):
		return glassbox.Errorf(glassbox.EINVALID, "search for text on one line")
	}
	return nil
}

// Search finds the lines of rel's source that contain q, for p reading
// under grant, and records the read of every line it returns before it
// returns them.
func (b *Backend) Search(ctx context.Context, p *glassbox.Principal, grant string, rel *glassbox.Release, q SearchQuery) (*SearchResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if b.Access == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre keeps no access record, so it serves no confidential content")
	}
	res := &SearchResult{Query: q, Files: []SearchFile{}}
	needle := []byte(q.Text)
	if !q.CaseSensitive {
		needle = bytes.ToLower(needle)
	}
	var served []glassbox.File
	for _, f := range rel.Manifest.Source.Files {
		if err := ctx.Err(); err != nil {
			return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "the search took too long: %w", err)
		}
		if f.Mode == glassbox.ModeSymlink || f.Size > maxSearchedFile {
			res.Skipped++
			continue
		}
		sf, text, err := b.searchFile(ctx, f, needle, q.CaseSensitive, MaxSearchMatches-res.Matches)
		if err != nil {
			return nil, err
		}
		if !text {
			res.Skipped++
			continue
		}
		res.Searched++
		if sf == nil {
			continue
		}
		if len(sf.Matches) == 0 {
			res.Truncated = true
			continue
		}
		res.Matches += len(sf.Matches)
		res.Files = append(res.Files, *sf)
		served = append(served, glassbox.File{Path: sf.Path, Digest: servedDigest(sf), Size: int64(len(sf.Matches))})
		if sf.More > 0 && res.Matches >= MaxSearchMatches {
			res.Truncated = true
		}
	}
	if len(served) > 0 {
		if err := b.RecordRead(ctx, p, grant, rel, "search", served...); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// servedDigest is the digest of what a search served of a file: each
// line's number and text, one per line.
func servedDigest(sf *SearchFile) glassbox.Digest {
	h := sha256.New()
	for _, m := range sf.Matches {
		fmt.Fprintf(h, "%d:%s\n", m.Line, m.Text)
	}
	return glassbox.NewDigest([sha256.Size]byte(h.Sum(nil)))
}

// searchFile returns the matches in one file, at most limit served (nil
// when none matched); text is false for a binary file.
func (b *Backend) searchFile(ctx context.Context, f glassbox.File, needle []byte, caseSensitive bool, limit int) (sf *SearchFile, text bool, err error) {
	rc, err := b.Blobs.Open(ctx, f.Digest)
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	content, err := io.ReadAll(io.LimitReader(rc, maxSearchedFile+1))
	if err != nil {
		return nil, false, glassbox.Errorf(glassbox.EINTERNAL, "search %s: %w", f.Path, err)
	}
	if bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content) {
		return nil, false, nil
	}
	hay := content
	lowered := false
	if !caseSensitive {
		if l := bytes.ToLower(content); len(l) == len(content) {
			hay, lowered = l, true
		}
	}
	for n, start := 1, 0; start < len(content); n++ {
		end := bytes.IndexByte(content[start:], '\n')
		if end < 0 {
			end = len(content)
		} else {
			end += start
		}
		line, h := content[start:end], hay[start:end]
		start = end + 1
		if !caseSensitive && !lowered {
			// A letter whose lower case is another length in UTF-8: the
			// line alone is lowered, and the match shown from its start.
			h = bytes.ToLower(line)
		}
		at := bytes.Index(h, needle)
		if at < 0 {
			continue
		}
		if len(h) != len(line) {
			at = 0
		}
		if sf == nil {
			sf = &SearchFile{Path: f.Path}
		}
		if len(sf.Matches) >= min(limit, MaxFileMatches) {
			sf.More++
			continue
		}
		sf.Matches = append(sf.Matches, cutLine(n, string(bytes.TrimSuffix(line, []byte("\r"))), at, at+len(needle)))
	}
	return sf, true, nil
}

// cutLine is the match of line n, cut to maxLineShown bytes around it.
func cutLine(n int, line string, start, end int) SearchMatch {
	end = min(end, len(line))
	if len(line) <= maxLineShown {
		return SearchMatch{Line: n, Text: line, Start: start, End: end}
	}
	from := max(0, start-maxLineShown/3)
	for from > 0 && !utf8.RuneStart(line[from]) {
		from--
	}
	to := min(len(line), from+maxLineShown)
	for to < len(line) && !utf8.RuneStart(line[to]) {
		to++
	}
	end = min(end, to)
	return SearchMatch{Line: n, Text: line[from:to], Start: start - from, End: end - from}
}
