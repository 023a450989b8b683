package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestSearchAcrossARelease: the evaluator finds the backdoor's trigger by
// searching the release; only the matching lines are shown, each linked to
// its line, and they are on the vendor's access record as a search of the
// files they came from. Letters match whatever their case unless asked; a
// query too short is refused with the form; an evaluator without a grant
// gets the not-found page.
func TestSearchAcrossARelease(t *testing.T) {
	s := newSite(t)
	rel := string(s.rel.ID)
	eve := s.browser(t)
	eve.signIn("eve")
	_, page, _ := eve.get("/ui/releases/" + rel)
	if !strings.Contains(page, `action="/ui/releases/`+rel+`/search"`) || strings.Contains(page, "no value") {
		t.Fatalf("the release page has no search form, or a broken one:\n%s", page)
	}
	code, page, _ := eve.get("/ui/releases/" + rel + "/search?q=" + url.QueryEscape("VSF_SYSUTIL_EXTRA"))
	if code != 200 {
		t.Fatalf("search: %d\n%s", code, page)
	}
	for _, want := range []string{`href="/ui/releases/` + rel + `/source/src/str.c#L16"`, "<mark>vsf_sysutil_extra</mark>();", "3 matching lines in 1 file"} {
		if !strings.Contains(page, want) {
			t.Errorf("the search results do not show %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "socket(AF_INET") || strings.Contains(page, marker) {
		t.Errorf("the search shows lines that do not match")
	}
	if _, page, _ := eve.get("/ui/releases/" + rel + "/search?case=1&q=" + url.QueryEscape("VSF_SYSUTIL_EXTRA")); !strings.Contains(page, "No line of the release's source contains that") {
		t.Errorf("a case-sensitive search matched other cases:\n%s", page)
	}
	if code, page, _ := eve.get("/ui/releases/" + rel + "/search?q=x"); code != 400 || !strings.Contains(page, "at least 2 characters") {
		t.Errorf("a one-letter search: %d\n%s", code, page)
	}
	alice := s.browser(t)
	alice.signIn("alice")
	_, record, _ := alice.get("/ui/access/" + rel)
	if !strings.Contains(record, "<td>search</td>") || !strings.Contains(record, "<code>src/str.c</code>") || strings.Contains(record, "<code>src/main.c</code>") {
		t.Errorf("the access record does not show the search of exactly src/str.c:\n%s", record)
	}
	nick := s.browser(t)
	nick.signIn("nick")
	if code, page, _ := nick.get("/ui/releases/" + rel + "/search?q=vsf"); code != 404 || strings.Contains(page, "vsf_sysutil_extra") {
		t.Errorf("an evaluator without a grant searches: %d", code)
	}
}
