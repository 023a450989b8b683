package server_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/server"
)

// TestEveryReadIsOnTheRecord: an evaluator under a grant reads N distinct
// source files through the API; the vendor's access record lists exactly
// those N reads, each verifying offline with the centre's two public keys
// alone. With the log unavailable, every confidential read is refused and
// nothing is served.
func TestEveryReadIsOnTheRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	h := m.handler(t)
	srv := newServer(t, h)
	m.url = srv
	rel := m.rel["A"]
	var paths []string
	for _, f := range rel.Manifest.Source.Files {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	for _, p := range paths {
		code, b := m.call(t, evalGranted, "GET", "/api/v1/releases/"+string(rel.ID)+"/source/"+p, nil)
		if code != 200 {
			t.Fatalf("read %s: %d %s", p, code, b)
		}
	}
	code, b := m.call(t, vendorA, "GET", "/api/v1/releases/"+string(rel.ID)+"/access", nil)
	if code != 200 {
		t.Fatalf("access record: %d %s", code, b)
	}
	var out struct {
		Entries []access.Entry `json:"entries"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(m.c.Data), attest.AttestationPubFile))
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := attest.LoadLogVerifier(filepath.Join(centre.KeyDir(m.c.Data), attest.LogVKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	for i := range out.Entries {
		e := &out.Entries[i]
		// Offline: nothing but the entry and the two public keys.
		if _, err := access.VerifyReceipt(rel.ID, e.Receipt, pub, logKey); err != nil {
			t.Errorf("entry %d does not verify offline: %v", i, err)
		}
		if e.Access.Reader.User != "erin" || e.Access.Reader.Org != "lab-granted" || e.Access.Grant == "" {
			t.Errorf("entry %d names reader %+v under grant %q", i, e.Access.Reader, e.Access.Grant)
		}
		for _, p := range e.Access.Paths {
			read = append(read, p.Path)
		}
	}
	sort.Strings(read)
	if fmt.Sprint(read) != fmt.Sprint(paths) {
		t.Fatalf("the record lists reads of %v, want exactly %v", read, paths)
	}

	// The log goes away: every confidential read is refused.
	if err := m.c.Log.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		code, b := m.call(t, evalGranted, "GET", "/api/v1/releases/"+string(rel.ID)+"/source/"+p, nil)
		if code != 503 {
			t.Fatalf("read of %s with the log down: %d %q, want 503 and nothing served", p, code, b)
		}
		var e server.APIError
		if json.Unmarshal(b, &e) != nil || e.Error.Code != "unavailable" {
			t.Fatalf("read of %s with the log down answered %q, not an unavailable error", p, b)
		}
	}
}
