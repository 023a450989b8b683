package web_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"glassbox.dev/access"
	"glassbox.dev/attest"
)

var receiptLink = regexp.MustCompile(`href="(/ui/access/[^"]+/receipts/([0-9]+))"`)

// TestEachAccessEntryWithItsProof: every row of the vendor's access record
// links to its receipt, which verifies offline against the centre's keys
// (the statement's signature, the inclusion proof, the checkpoint) and
// names the file the evaluator read; an entry of another index is not
// found, and an evaluator cannot fetch the vendor's receipts.
func TestEachAccessEntryWithItsProof(t *testing.T) {
	s := newSite(t)
	rel := string(s.rel.ID)
	eve := s.browser(t)
	eve.signIn("eve")
	if code, _, _ := eve.get("/ui/releases/" + rel + "/source/src/main.c"); code != 200 {
		t.Fatalf("eve reads main.c: %d", code)
	}
	alice := s.browser(t)
	alice.signIn("alice")
	_, page, _ := alice.get("/ui/access/" + rel)
	links := receiptLink.FindAllStringSubmatch(page, -1)
	if len(links) != 2 { // the file, and the scan's findings shown with it
		t.Fatalf("the access record links %d receipts; want 2:\n%s", len(links), page)
	}
	key, err := attest.LoadPublicKey(filepath.Join(s.keys, attest.AttestationPubFile))
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := attest.LoadLogVerifier(filepath.Join(s.keys, attest.LogVKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, l := range links {
		code, body, h := alice.get(l[1])
		if code != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET %s: %d %v", l[1], code, h)
		}
		var e access.Entry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		if err := access.Verify(&e, key, logKey); err != nil {
			t.Errorf("the receipt of entry %s does not verify: %v", l[2], err)
		}
		if e.Access.Reader.User != "eve" || string(e.Access.Release) != rel {
			t.Errorf("entry %s says %+v", l[2], e.Access)
		}
		for _, p := range e.Access.Paths {
			read[string(e.Access.Kind)+" "+p.Path] = true
		}
	}
	if !read["source-file src/main.c"] || !read["finding scan-result"] || len(read) != 2 {
		t.Errorf("the receipts record %v; want main.c and the findings", read)
	}
	if code, _, _ := alice.get("/ui/access/" + rel + "/receipts/999999"); code != 404 {
		t.Errorf("a receipt of no entry: %d; want 404", code)
	}
	if code, _, _ := eve.get(links[0][1]); code != 403 && code != 404 {
		t.Errorf("the evaluator fetches the vendor's receipt: %d", code)
	}
}
