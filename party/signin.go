package party

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/crypto/argon2"

	"glassbox.dev"
)

// The workspace's sign-in: passwords and sessions.
const (
	MinPassword = 12   // characters
	MaxPassword = 1024 // bytes
	// SessionIdle ends a session nobody used for this long; SessionMax
	// ends any session this long after it began.
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	// SessionPrefix begins every session secret (the cookie's value).
	SessionPrefix = "gbs_"
)

// argonParams are argon2id's costs: memory in KiB, passes, lanes.
type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

// passwordCost is RFC 9106's second recommended option: 64 MiB, three
// passes, four lanes.
var passwordCost = argonParams{memory: 64 << 10, time: 3, threads: 4}

// hashing bounds the sign-ins hashed at once: each takes 64 MiB, and a
// flood of attempts must not take the centre's memory.
var hashing = make(chan struct{}, 2)

func argonKey(ctx context.Context, pw string, salt []byte, c argonParams) ([]byte, error) {
	select {
	case hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "sign-in: %w", ctx.Err())
	}
	defer func() { <-hashing }()
	return argon2.IDKey([]byte(pw), salt, c.time, c.memory, c.threads, 32), nil
}

// hashPassword returns pw's argon2id hash as a PHC string.
func hashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	key, err := argonKey(ctx, pw, salt, passwordCost)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, passwordCost.memory, passwordCost.time, passwordCost.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether pw matches the PHC string hash. A hash it
// cannot read, or whose costs are beyond any it would make (a database
// changed to exhaust the centre), is an error.
func checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, glassbox.Errorf(glassbox.ECORRUPT, "a stored password hash is not argon2id in the PHC format")
	}
	var c argonParams
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &c.memory, &c.time, &threads); err != nil ||
		c.memory < 8 || c.memory > 1<<20 || c.time < 1 || c.time > 16 || threads < 1 || threads > 16 {
		return false, glassbox.Errorf(glassbox.ECORRUPT, "a stored password hash has costs %q, out of bounds", parts[3])
	}
	c.threads = uint8(threads)
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false, glassbox.Errorf(glassbox.ECORRUPT, "a stored password hash does not decode")
	}
	key, err := argonKey(ctx, pw, salt, argonParams{c.memory, c.time, c.threads})
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key[:min(len(key), len(want))], want) == 1 && len(key) == len(want), nil
}

// dummyHash is checked against when there is no user or no password, so
// that a refusal takes as long whether or not the user exists.
var dummyHash = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$ZHVtbXlrZXlkdW1teWtleWR1bW15a2V5ZHVtbXlrZXk"

// ValidatePassword refuses a password too short or too long to use.
func ValidatePassword(userID, pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPassword:
		return glassbox.Errorf(glassbox.EINVALID, "the password is shorter than %d characters; a passphrase of a few words is easy to remember and hard to guess", MinPassword)
	case len(pw) > MaxPassword:
		return glassbox.Errorf(glassbox.EINVALID, "the password is longer than %d bytes", MaxPassword)
	case strings.EqualFold(pw, userID):
		return glassbox.Errorf(glassbox.EINVALID, "the password is the user's name")
	}
	return nil
}

func (s *Service) signIn() (glassbox.SignInStore, error) {
	if s.signin == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre's store keeps no passwords or sessions")
	}
	return s.signin, nil
}

// SetPassword sets user's password, for p: an administrator, or the user
// itself. Every session of the user ends.
func (s *Service) SetPassword(ctx context.Context, p *glassbox.Principal, user, pw string) error {
	if p == nil || p.User.ID != user {
		if err := s.allow(ctx, p, ActAdmin); err != nil {
			return err
		}
	}
	st, err := s.signIn()
	if err != nil {
		return err
	}
	if err := ValidatePassword(user, pw); err != nil {
		return err
	}
	if _, err := s.store.FindUser(ctx, user); err != nil {
		return err
	}
	hash, err := hashPassword(ctx, pw)
	if err != nil {
		return err
	}
	return st.SetPassword(ctx, user, hash, s.record(p, "user.password", user, ""))
}

// signInRefused is the one refusal of a sign-in, whatever was wrong.
func signInRefused() error {
	return glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the user name or the password is wrong")
}

// SignedIn is where a sign-in stands: a session begun (Secret, Session),
// or, for a user with passkeys, a password accepted and a passkey to
// confirm it (Confirm).
type SignedIn struct {
	Secret  string // the session's secret, for the cookie, kept nowhere
	Session *glassbox.Session
	// Confirm is the ceremony a passkey of the user must answer
	// (FinishPasskeySignIn) before the session begins.
	Confirm *Ceremony
}

// SignIn checks user's password. A user without passkeys is signed in; a
// user with passkeys must confirm with one of them, bound to rp.
func (s *Service) SignIn(ctx context.Context, rp *RelyingParty, user, pw string) (*SignedIn, error) {
	st, err := s.signIn()
	if err != nil {
		return nil, err
	}
	hash := dummyHash
	_, uerr := s.store.FindUser(ctx, user)
	if uerr == nil {
		if h, err := st.PasswordHash(ctx, user); err == nil {
			hash = h
		} else if glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
			return nil, err
		}
	} else if glassbox.ErrorCode(uerr) != glassbox.ENOTFOUND {
		return nil, uerr
	}
	if len(pw) > MaxPassword {
		pw = pw[:MaxPassword]
	}
	ok, err := checkPassword(ctx, hash, pw)
	if err != nil {
		return nil, err
	}
	if !ok || uerr != nil || hash == dummyHash {
		return nil, signInRefused()
	}
	pu, err := s.passkeyUser(ctx, st, user)
	if err != nil {
		return nil, err
	}
	if len(pu.creds) == 0 {
		return s.startSession(ctx, st, user)
	}
	w, err := rp.webauthn()
	if err != nil {
		return nil, err
	}
	assertion, sd, err := w.BeginLogin(pu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "ask for %s's passkey: %w", user, err)
	}
	c, err := s.beginCeremony(ctx, st, glassbox.CeremonySecondFactor, user, sd, assertion)
	if err != nil {
		return nil, err
	}
	return &SignedIn{Confirm: &c}, nil
}

// startSession begins a session of user.
func (s *Service) startSession(ctx context.Context, st glassbox.SignInStore, user string) (*SignedIn, error) {
	secret, h := newSecret(SessionPrefix)
	csrf := make([]byte, 32)
	rand.Read(csrf)
	ses := &glassbox.Session{Hash: h, UserID: user, CSRF: base64.RawURLEncoding.EncodeToString(csrf), Created: s.Now()}
	if err := st.CreateSession(ctx, ses); err != nil {
		return nil, err
	}
	return &SignedIn{Secret: secret, Session: ses}, nil
}

// newSecret returns a new secret, 256 random bits after prefix, and its
// SHA-256, which is all the centre keeps of it.
func newSecret(prefix string) (string, [32]byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails; see crypto/rand
	secret := prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, sha256.Sum256([]byte(secret))
}

// sessionRefused is the one refusal of a session cookie.
func sessionRefused() error {
	return glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the session has ended or is unknown; sign in again")
}

// Session returns the principal a session's secret stands for, with every
// scope its user's role allows, and the session. A session ended, idle
// for SessionIdle or older than SessionMax is EUNAUTHENTICATED.
func (s *Service) Session(ctx context.Context, secret string) (*glassbox.Principal, *glassbox.Session, error) {
	st, err := s.signIn()
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasPrefix(secret, SessionPrefix) || len(secret) > 128 {
		return nil, nil, sessionRefused()
	}
	h := sha256.Sum256([]byte(secret))
	ses, err := st.FindSession(ctx, h)
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, nil, sessionRefused()
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	if ses.Ended != nil || now.Sub(ses.LastSeen) >= SessionIdle || now.Sub(ses.Created) >= SessionMax {
		return nil, nil, sessionRefused()
	}
	u, err := s.store.FindUser(ctx, ses.UserID)
	if err != nil {
		return nil, nil, sessionRefused()
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if err != nil {
		return nil, nil, sessionRefused()
	}
	if now.Sub(ses.LastSeen) >= time.Minute {
		_ = st.TouchSession(ctx, h, now) // best effort, as a token's use
	}
	return &glassbox.Principal{User: *u, Org: *o, Token: "ses_" + ses.ID, Scopes: RoleScopes(u.Role)}, ses, nil
}

// SignOut ends the session whose secret is given.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	st, err := s.signIn()
	if err != nil {
		return err
	}
	return st.EndSession(ctx, sha256.Sum256([]byte(secret)), s.Now())
}
