package party

import (
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/passkeytest"
)

// FuzzPasskeyAnswer: whatever a browser posts as its answer to a sign-in
// ceremony, the centre refuses it with an error (or, for the authenticator's
// real answer, signs in), and never panics. The seeds are a real answer and
// pieces of one.
func FuzzPasskeyAnswer(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":"","userHandle":"ZXZl"}}`))
	f.Add([]byte(`{"id":"","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0","authenticatorData":"SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ","signature":"MEUCIQ","userHandle":""}}`))
	f.Add([]byte("\x00\xff{"))
	// One centre for every input, with eve and her passkey.
	c := newCentre(f)
	c.org(f, "lab", glassbox.OrgEvaluator)
	c.user(f, "eve", "lab", glassbox.RoleEvaluator)
	rp, _ := NewRelyingParty("http://localhost:8080")
	eve := c.principal(f, c.token(f, "eve", 0))
	key := passkeytest.New(rp.Origin, rp.ID)
	begun, err := c.BeginPasskey(f.Context(), eve, rp)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := c.FinishPasskey(f.Context(), eve, rp, begun.Secret, "key", key.Create(f, begun.Options)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		signIn, err := c.BeginPasskeySignIn(t.Context(), rp)
		if err != nil {
			t.Fatal(err)
		}
		if done, err := c.FinishPasskeySignIn(t.Context(), rp, signIn.Secret, answer); err == nil && done.Session.UserID != "eve" {
			t.Fatalf("an answer signed someone in as %q", done.Session.UserID)
		}
		// A registration answer too.
		reg, err := c.BeginPasskey(t.Context(), eve, rp)
		if err != nil {
			t.Fatal(err)
		}
		if k, err := c.FinishPasskey(t.Context(), eve, rp, reg.Secret, "fuzz", answer); err == nil {
			t.Fatalf("an arbitrary answer registered passkey %+v", k)
		}
	})
}
