package server

import (
	"strings"
	"testing"
	"unicode/utf8"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

// TestSearchFile: lines are counted across \n and \r\n alike and shown
// without the \r; letters match in any case, also where lowering changes
// a letter's length in UTF-8; a binary file is not searched; a file's
// matches beyond MaxFileMatches are counted, not served; a long line is
// cut around its match on a character's boundary.
func TestSearchFile(t *testing.T) {
	fs, err := evidence.OpenFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	b := &Backend{Blobs: fs}
	search := func(content, needle string, caseSensitive bool, limit int) (*SearchFile, bool) {
		t.Helper()
		d, err := fs.Put(t.Context(), []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		n := needle
		if !caseSensitive {
			n = strings.ToLower(n)
		}
		sf, text, err := b.searchFile(t.Context(), glassbox.File{Path: "f", Digest: d}, []byte(n), caseSensitive, limit)
		if err != nil {
			t.Fatal(err)
		}
		return sf, text
	}

	sf, _ := search("one\r\ntwo Token\r\nthree\nTOKEN four\n", "token", false, 100)
	if sf == nil || len(sf.Matches) != 2 || sf.Matches[0].Line != 2 || sf.Matches[0].Text != "two Token" || sf.Matches[1].Line != 4 ||
		sf.Matches[0].Text[sf.Matches[0].Start:sf.Matches[0].End] != "Token" {
		t.Errorf("CRLF and case: %+v", sf)
	}
	if sf, _ := search("two Token\n", "token", true, 100); sf != nil {
		t.Errorf("a case-sensitive search matched another case: %+v", sf)
	}
	// "İ" (2 bytes) lowers to "i̇" (3 bytes): the whole file cannot be lowered in place.
	if sf, _ := search("İstanbul\nthe Kernel\n", "kernel", false, 100); sf == nil || len(sf.Matches) != 1 || sf.Matches[0].Line != 2 {
		t.Errorf("a file with a letter that lowers longer: %+v", sf)
	}
	if _, text := search("ELF\x00\x01token", "token", false, 100); text {
		t.Errorf("a binary file was searched")
	}
	sf, _ = search(strings.Repeat("token\n", MaxFileMatches+7), "token", false, 1000)
	if len(sf.Matches) != MaxFileMatches || sf.More != 7 {
		t.Errorf("a file of many matches: %d served, %d more", len(sf.Matches), sf.More)
	}
	if sf, _ := search("token\ntoken\n", "token", false, 1); len(sf.Matches) != 1 || sf.More != 1 {
		t.Errorf("the search's remaining allowance: %+v", sf)
	}
	long := strings.Repeat("é", 1000) + "needle" + strings.Repeat("ü", 1000)
	sf, _ = search(long, "needle", false, 100)
	m := sf.Matches[0]
	if len(m.Text) > maxLineShown+4 || !utf8.ValidString(m.Text) || m.Text[m.Start:m.End] != "needle" {
		t.Errorf("a long line is cut to %d bytes (valid UTF-8: %v), match %q", len(m.Text), utf8.ValidString(m.Text), m.Text[m.Start:m.End])
	}
}
