package party

import (
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

// TestSignInAndSessions sets a password, signs in with it and follows the
// session through its timeouts: every refusal says the same whatever was
// wrong, and a password change ends the user's sessions.
func TestSignInAndSessions(t *testing.T) {
	c := newCentre(t)
	c.org(t, "lab", glassbox.OrgEvaluator)
	c.user(t, "eve", "lab", glassbox.RoleEvaluator)
	c.user(t, "mallory", "lab", glassbox.RoleEvaluator)
	ctx := t.Context()
	const pw = "correct horse battery staple"

	wantCode(t, "a short password", c.SetPassword(ctx, local, "eve", "short"), glassbox.EINVALID)
	wantCode(t, "no such user", c.SetPassword(ctx, local, "nobody", pw), glassbox.ENOTFOUND)
	if err := c.SetPassword(ctx, local, "eve", pw); err != nil {
		t.Fatal(err)
	}
	mallory := c.principal(t, c.token(t, "mallory", 0))
	wantCode(t, "another user's password", c.SetPassword(ctx, mallory, "eve", "mallory knows this one now"), glassbox.EFORBIDDEN)
	if err := c.SetPassword(ctx, mallory, "mallory", "mallory's own passphrase"); err != nil {
		t.Errorf("a user sets its own password: %v", err)
	}

	var refusals []string
	for _, try := range [][2]string{{"eve", "wrong horse battery staple"}, {"nobody", pw}, {"eve", strings.Repeat("x", 5000)}} {
		_, _, err := c.password(ctx, try[0], try[1])
		wantCode(t, "sign-in as "+try[0], err, glassbox.EUNAUTHENTICATED)
		if err != nil {
			refusals = append(refusals, err.Error())
		}
	}
	for _, r := range refusals[1:] {
		if r != refusals[0] {
			t.Errorf("refusals differ: %q and %q; they must not tell what was wrong", refusals[0], r)
		}
	}

	secret, ses, err := c.password(ctx, "eve", pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, SessionPrefix) || ses.CSRF == "" || strings.Contains(ses.ID, secret) {
		t.Fatalf("session %+v from secret %q", ses, secret)
	}
	p, got, err := c.Session(ctx, secret)
	if err != nil || p.User.ID != "eve" || p.Org.ID != "lab" || !p.HasScope(glassbox.ScopeJudge) || got.CSRF != ses.CSRF {
		t.Fatalf("Session = %+v, %+v, %v", p, got, err)
	}
	_, _, err = c.Session(ctx, secret+"x")
	wantCode(t, "a wrong secret", err, glassbox.EUNAUTHENTICATED)

	// Used within the idle timeout, it lives on; then idle, it ends.
	c.now = c.now.Add(SessionIdle - time.Minute)
	if _, _, err := c.Session(ctx, secret); err != nil {
		t.Fatalf("a session used within its idle time: %v", err)
	}
	c.now = c.now.Add(SessionIdle)
	_, _, err = c.Session(ctx, secret)
	wantCode(t, "an idle session", err, glassbox.EUNAUTHENTICATED)

	// However busy, a session ends after SessionMax.
	secret, _, err = c.password(ctx, "eve", pw)
	if err != nil {
		t.Fatal(err)
	}
	for end := c.now.Add(SessionMax); c.now.Before(end.Add(-SessionIdle)); c.now = c.now.Add(SessionIdle / 2) {
		if _, _, err := c.Session(ctx, secret); err != nil {
			t.Fatalf("a busy session ended early, at %v: %v", c.now, err)
		}
	}
	c.now = c.now.Add(SessionIdle)
	_, _, err = c.Session(ctx, secret)
	wantCode(t, "a session past its absolute timeout", err, glassbox.EUNAUTHENTICATED)

	// Signing out, and a new password, end sessions.
	secret, _, _ = c.password(ctx, "eve", pw)
	if err := c.SignOut(ctx, secret); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Session(ctx, secret)
	wantCode(t, "a signed-out session", err, glassbox.EUNAUTHENTICATED)
	secret, _, _ = c.password(ctx, "eve", pw)
	if err := c.SetPassword(ctx, local, "eve", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Session(ctx, secret)
	wantCode(t, "a session from before a password change", err, glassbox.EUNAUTHENTICATED)
}

// TestStoredPasswordHashesAreBounded: a hash changed in the database to
// costs the centre would never choose is refused, not computed.
func TestStoredPasswordHashesAreBounded(t *testing.T) {
	for _, h := range []string{
		"$argon2id$v=19$m=4194304,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$ZHVtbXlrZXlkdW1teWtleWR1bW15a2V5ZHVtbXlrZXk",
		"$argon2id$v=19$m=65536,t=1000,p=4$c29tZXNhbHRzb21lc2FsdA$ZHVtbXlrZXlkdW1teWtleWR1bW15a2V5ZHVtbXlrZXk",
		"$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$ZHVtbXlrZXlkdW1teWtleWR1bW15a2V5ZHVtbXlrZXk",
		"$2y$10$abcdefghijklmnopqrstuv",
		"",
	} {
		if _, err := checkPassword(t.Context(), h, "anything at all"); glassbox.ErrorCode(err) != glassbox.ECORRUPT {
			t.Errorf("checkPassword(%q) = %v; want ECORRUPT", h, err)
		}
	}
	h, err := hashPassword(t.Context(), "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := checkPassword(t.Context(), h, "a long enough passphrase"); !ok || err != nil {
		t.Errorf("a hash does not check against its own password: %v, %v", ok, err)
	}
	if ok, _ := checkPassword(t.Context(), dummyHash, "anything"); ok {
		t.Errorf("the dummy hash matches a password")
	}
}
