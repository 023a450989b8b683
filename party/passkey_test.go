package party

import (
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/passkeytest"
)

// TestPasskeys follows passkeys through their life with a software
// authenticator: added by a signed-in user, then required after the
// password, then enough alone; every answer is checked (origin, key,
// challenge taken once, counter) and removing the passkey restores the
// password alone.
func TestPasskeys(t *testing.T) {
	c := newCentre(t)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	c.user(t, "mallory", "lab", glassbox.RoleEvaluator)
	ctx := t.Context()
	const pw = "correct horse battery staple"
	if err := c.SetPassword(ctx, local, "eve", pw); err != nil {
		t.Fatal(err)
	}

	for _, origin := range []string{"http://127.0.0.1:8080", "http://centre.example", "https://centre.example/ui", "ftp://localhost", "localhost:8080"} {
		_, err := NewRelyingParty(origin)
		wantCode(t, "relying party "+origin, err, glassbox.EINVALID)
	}
	rp, err := NewRelyingParty("http://localhost:8080")
	if err != nil || rp.ID != "localhost" || rp.Origin != "http://localhost:8080" {
		t.Fatalf("NewRelyingParty = %+v, %v", rp, err)
	}
	eve := c.principal(t, c.token(t, "eve", 0))
	mallory := c.principal(t, c.token(t, "mallory", 0))
	key := passkeytest.New(rp.Origin, rp.ID)

	_, err = c.BeginPasskey(ctx, eve, nil)
	wantCode(t, "a passkey without the centre's origin", err, glassbox.EUNAVAILABLE)
	begun, err := c.BeginPasskey(ctx, eve, rp)
	if err != nil {
		t.Fatal(err)
	}
	answer := key.Create(t, begun.Options)
	_, err = c.FinishPasskey(ctx, mallory, rp, begun.Secret, "stolen", answer)
	wantCode(t, "mallory finishes eve's ceremony", err, glassbox.EUNAUTHENTICATED)
	begun, _ = c.BeginPasskey(ctx, eve, rp)
	answer = key.Create(t, begun.Options)
	k, err := c.FinishPasskey(ctx, eve, rp, begun.Secret, "laptop", answer)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FinishPasskey(ctx, eve, rp, begun.Secret, "again", answer)
	wantCode(t, "the same answer twice", err, glassbox.EUNAUTHENTICATED)
	keys, err := c.Passkeys(ctx, eve, "eve")
	if err != nil || len(keys) != 1 || keys[0].Name != "laptop" || keys[0].ID != k.ID {
		t.Fatalf("Passkeys = %+v, %v", keys, err)
	}
	_, err = c.Passkeys(ctx, mallory, "eve")
	wantCode(t, "mallory lists eve's passkeys", err, glassbox.EFORBIDDEN)

	// The password alone no longer signs eve in: a passkey must confirm.
	r, err := c.SignIn(ctx, rp, "eve", pw)
	if err != nil || r.Secret != "" || r.Session != nil || r.Confirm == nil {
		t.Fatalf("SignIn of a user with a passkey = %+v, %v; want a passkey to confirm", r, err)
	}
	_, err = c.SignIn(ctx, nil, "eve", pw)
	wantCode(t, "a passkey user where passkeys cannot work", err, glassbox.EUNAVAILABLE)
	done, err := c.FinishPasskeySignIn(ctx, rp, r.Confirm.Secret, key.Get(t, r.Confirm.Options, nil))
	if err != nil || done.Session == nil || done.Session.UserID != "eve" {
		t.Fatalf("confirming with the passkey = %+v, %v", done, err)
	}
	if p, _, err := c.Session(ctx, done.Secret); err != nil || p.User.ID != "eve" {
		t.Fatalf("the confirmed session = %+v, %v", p, err)
	}

	// A passkey alone signs eve in; the browser chooses it.
	begun, err = c.BeginPasskeySignIn(ctx, rp)
	if err != nil {
		t.Fatal(err)
	}
	done, err = c.FinishPasskeySignIn(ctx, rp, begun.Secret, key.Get(t, begun.Options, nil))
	if err != nil || done.Session.UserID != "eve" {
		t.Fatalf("a passkey alone = %+v, %v", done, err)
	}

	// Answers that must be refused.
	refuse := func(what string, ceremony Ceremony, answer []byte) {
		t.Helper()
		_, err := c.FinishPasskeySignIn(ctx, rp, ceremony.Secret, answer)
		wantCode(t, what, err, glassbox.EUNAUTHENTICATED)
	}
	begun, _ = c.BeginPasskeySignIn(ctx, rp)
	phished := key.Copy("http://evil.localhost:8080")
	phished.Count += 10
	refuse("an answer for another origin", begun, phished.Get(t, begun.Options, nil))
	begun, _ = c.BeginPasskeySignIn(ctx, rp)
	stranger := passkeytest.New(rp.Origin, rp.ID)
	stranger.Create(t, []byte(`{"publicKey":{"user":{"id":"ZXZl"}}}`)) // a key the centre never saw, claiming eve
	refuse("an unregistered passkey", begun, stranger.Get(t, begun.Options, nil))
	begun, _ = c.BeginPasskeySignIn(ctx, rp)
	other, _ := c.BeginPasskeySignIn(ctx, rp)
	refuse("an answer to another challenge", begun, key.Get(t, other.Options, nil))
	refuse("an unknown ceremony", Ceremony{Secret: CeremonyPrefix + "nothing"}, key.Get(t, other.Options, nil))
	refuse("an answer that is not JSON", other, []byte("{"))
	begun, _ = c.BeginPasskeySignIn(ctx, rp)
	key.Count = 0 // a copy of the key, behind the original
	refuse("a cloned authenticator", begun, key.Get(t, begun.Options, nil))

	// Removing the passkey makes the password enough again.
	wantCode(t, "mallory removes eve's passkey", c.RemovePasskey(ctx, mallory, "eve", k.ID), glassbox.EFORBIDDEN)
	if err := c.RemovePasskey(ctx, eve, "eve", k.ID); err != nil {
		t.Fatal(err)
	}
	if r, err := c.SignIn(ctx, rp, "eve", pw); err != nil || r.Session == nil {
		t.Errorf("after removing the passkey, the password = %+v, %v; want a session", r, err)
	}
}
