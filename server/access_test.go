package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
)

// TestAccessRecordIsNotPublic: GET /attestations/{release} serves what the
// centre said about a release, but never its access record: who read which
// of the vendor's files is the vendor's to see.
func TestAccessRecordIsNotPublic(t *testing.T) {
	c := newCentre(t, "")
	ctx := context.Background()
	rel := &glassbox.Release{ID: glassbox.DigestOf([]byte("manifest")), Manifest: glassbox.Manifest{Product: "router-fw", Version: "1.0.0"}}
	if _, err := c.Notary.Attest(ctx, notary.Request{
		Subjects:      []attest.Subject{{Name: "manifest", Digest: rel.ID}},
		PredicateType: "https://glassbox.dev/predicates/judgement/v1", Predicate: json.RawMessage(`{"satisfied":true}`),
	}); err != nil {
		t.Fatal(err)
	}
	e, err := access.NewRecorder(c.Notary, c.Store, c.Key).Record(ctx, access.Read{
		Principal: &glassbox.Principal{User: glassbox.User{ID: "alice", Role: glassbox.RoleEvaluator}, Org: glassbox.Organisation{ID: "lab-a"}, Token: "tok_1"},
		Basis:     access.BasisGrant, Grant: "grant-1", Kind: access.KindSourceFile, Release: rel,
		Paths: []access.Path{{Path: "src/secret.c", Digest: glassbox.DigestOf([]byte("secret"))}},
	})
	if err != nil {
		t.Fatal(err)
	}
	code, body := do(t, "GET", c.srv.URL+"/attestations/"+string(rel.ID), "", "")
	if code != 200 || !strings.Contains(body, "judgement/v1") {
		t.Fatalf("GET /attestations/%s: %d %s; want 200 with the judgement", rel.ID, code, clip(body))
	}
	for _, secret := range []string{access.PredicateType, string(e.EnvelopeDigest), string(e.Receipt.Envelope[:40])} {
		if strings.Contains(body, secret) {
			t.Errorf("GET /attestations/%s reveals the access record (%q): %s", rel.ID, secret, clip(body))
		}
	}
}
