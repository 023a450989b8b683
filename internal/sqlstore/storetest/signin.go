package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"glassbox.dev"
)

// The workspace's sign-in: a password is kept as given and replaced whole,
// with its admin action; sessions are found by their hash, touched at most
// once a minute, ended once; a new password ends the user's sessions.
func testSignIn(t *testing.T, ps glassbox.PartyStore) {
	s, ok := ps.(glassbox.SignInStore)
	if !ok {
		t.Fatalf("%T keeps no sign-in", ps)
	}
	mustOrg(t, ps, "lab", glassbox.OrgEvaluator)
	mustUser(t, ps, "eve", "lab", glassbox.RoleEvaluator)
	if _, err := s.PasswordHash(ctx(t), "eve"); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("the hash of a user without a password: %v; want ENOTFOUND", err)
	}
	if err := s.SetPassword(ctx(t), "nobody", "$argon2id$x", act("user.password", "nobody")); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("a password for no user: %v; want ENOTFOUND", err)
	}
	for _, h := range []string{"$argon2id$first", "$argon2id$second"} {
		if err := s.SetPassword(ctx(t), "eve", h, act("user.password", "eve")); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PasswordHash(ctx(t), "eve"); err != nil || got != h {
			t.Errorf("PasswordHash = %q, %v; want %q", got, err, h)
		}
	}

	h := sha256.Sum256([]byte("gbs_secret"))
	ses := &glassbox.Session{Hash: h, UserID: "eve", CSRF: "csrf-token", Created: partyTime}
	if err := s.CreateSession(ctx(t), ses); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindSession(ctx(t), h)
	if err != nil || got.UserID != "eve" || got.CSRF != "csrf-token" || !got.Created.Equal(partyTime) || !got.LastSeen.Equal(partyTime) || got.Ended != nil || got.ID != ses.ID || len(got.ID) != 16 {
		t.Fatalf("FindSession = %+v, %v; want %+v", got, err, ses)
	}
	if _, err := s.FindSession(ctx(t), sha256.Sum256([]byte("other"))); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("an unknown session: %v; want ENOTFOUND", err)
	}
	s.TouchSession(ctx(t), h, partyTime.Add(30*time.Second))
	if got, _ := s.FindSession(ctx(t), h); !got.LastSeen.Equal(partyTime) {
		t.Errorf("a touch within the minute moved the session to %v", got.LastSeen)
	}
	s.TouchSession(ctx(t), h, partyTime.Add(2*time.Minute))
	if got, _ := s.FindSession(ctx(t), h); !got.LastSeen.Equal(partyTime.Add(2 * time.Minute)) {
		t.Errorf("a touch after two minutes left the session at %v", got.LastSeen)
	}
	if err := s.EndSession(ctx(t), h, partyTime.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.EndSession(ctx(t), h, partyTime.Add(9*time.Minute))
	if got, _ := s.FindSession(ctx(t), h); got.Ended == nil || !got.Ended.Equal(partyTime.Add(3*time.Minute)) {
		t.Errorf("the ended session says %v; want ended at the first end", got.Ended)
	}

	h2 := sha256.Sum256([]byte("gbs_other"))
	if err := s.CreateSession(ctx(t), &glassbox.Session{Hash: h2, UserID: "eve", CSRF: "c2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx(t), "eve", "$argon2id$third", act("user.password", "eve")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSession(ctx(t), h2); got.Ended == nil {
		t.Errorf("a session outlived its user's new password")
	}
	last, err := ps.LastAdminAction(ctx(t))
	if err != nil || last != 5 { // org, user, three passwords
		t.Errorf("LastAdminAction = %d, %v; want 5", last, err)
	}
}
