package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"glassbox.dev"
)

// Passkeys are kept per user, unique by credential ID, updated on use and
// removed only by their user's ID; a ceremony is taken once, and not once
// it has expired.
func testPasskeys(t *testing.T, ps glassbox.PartyStore) {
	s := ps.(glassbox.SignInStore)
	mustOrg(t, ps, "lab", glassbox.OrgEvaluator)
	mustUser(t, ps, "eve", "lab", glassbox.RoleEvaluator)
	mustUser(t, ps, "nick", "lab", glassbox.RoleEvaluator)

	k := &glassbox.Passkey{ID: "Y3JlZC0x", UserID: "eve", Name: "laptop", Credential: []byte(`{"id":"1"}`), Created: partyTime}
	if err := s.AddPasskey(ctx(t), k, act("user.passkey.add", "eve")); err != nil {
		t.Fatal(err)
	}
	dup := *k
	dup.UserID = "nick"
	if err := s.AddPasskey(ctx(t), &dup, act("user.passkey.add", "nick")); glassbox.ErrorCode(err) != glassbox.ECONFLICT {
		t.Errorf("the same credential for a second user: %v; want ECONFLICT", err)
	}
	if err := s.AddPasskey(ctx(t), &glassbox.Passkey{ID: "x", UserID: "nobody", Credential: []byte("{}")}, act("user.passkey.add", "nobody")); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("a passkey for no user: %v; want ENOTFOUND", err)
	}
	if err := s.AddPasskey(ctx(t), &glassbox.Passkey{ID: "y", UserID: "eve", Credential: make([]byte, 1<<20)}, act("user.passkey.add", "eve")); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("a megabyte credential: %v; want EINVALID", err)
	}
	if err := s.AddPasskey(ctx(t), &glassbox.Passkey{ID: "Y3JlZC0y", UserID: "eve", Name: "key", Credential: []byte(`{"id":"2"}`), Created: partyTime.Add(time.Second)}, act("user.passkey.add", "eve")); err != nil {
		t.Fatal(err)
	}
	keys, err := s.Passkeys(ctx(t), "eve")
	if err != nil || len(keys) != 2 || keys[0].Name != "laptop" || keys[1].Name != "key" || !keys[0].Created.Equal(partyTime) || keys[0].LastUsed != nil {
		t.Fatalf("Passkeys = %+v, %v; want laptop then key, never used", keys, err)
	}
	if keys, _ := s.Passkeys(ctx(t), "nick"); len(keys) != 0 {
		t.Errorf("nick has passkeys %+v", keys)
	}
	if err := s.UsePasskey(ctx(t), k.ID, []byte(`{"id":"1","count":2}`), partyTime.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindPasskey(ctx(t), k.ID)
	if err != nil || string(got.Credential) != `{"id":"1","count":2}` || got.LastUsed == nil || !got.LastUsed.Equal(partyTime.Add(time.Hour)) || got.UserID != "eve" {
		t.Errorf("FindPasskey after use = %+v, %v", got, err)
	}
	if _, err := s.FindPasskey(ctx(t), "none"); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("an unknown passkey: %v; want ENOTFOUND", err)
	}
	if err := s.RemovePasskey(ctx(t), "nick", k.ID, act("user.passkey.remove", "nick")); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("nick removed eve's passkey: %v; want ENOTFOUND", err)
	}
	if err := s.RemovePasskey(ctx(t), "eve", k.ID, act("user.passkey.remove", "eve")); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.Passkeys(ctx(t), "eve"); len(keys) != 1 {
		t.Errorf("after removal eve has %d passkeys; want 1", len(keys))
	}

	now := time.Now()
	h := sha256.Sum256([]byte("ceremony"))
	c := &glassbox.Ceremony{Hash: h, Kind: glassbox.CeremonySignIn, Data: []byte(`{"challenge":"c"}`), Expires: now.Add(5 * time.Minute)}
	if err := s.SaveCeremony(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	took, err := s.TakeCeremony(ctx(t), h, now)
	if err != nil || took.Kind != glassbox.CeremonySignIn || took.UserID != "" || string(took.Data) != `{"challenge":"c"}` {
		t.Fatalf("TakeCeremony = %+v, %v", took, err)
	}
	if _, err := s.TakeCeremony(ctx(t), h, now); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("a ceremony taken twice: %v; want ENOTFOUND", err)
	}
	h2 := sha256.Sum256([]byte("second"))
	if err := s.SaveCeremony(ctx(t), &glassbox.Ceremony{Hash: h2, Kind: glassbox.CeremonySecondFactor, UserID: "eve", Data: []byte("{}"), Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeCeremony(ctx(t), h2, now.Add(2*time.Minute)); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("an expired ceremony: %v; want ENOTFOUND", err)
	}
	last, err := ps.LastAdminAction(ctx(t))
	if err != nil || last != 6 { // org, two users, two passkeys, one removal
		t.Errorf("LastAdminAction = %d, %v; want 6", last, err)
	}
}
