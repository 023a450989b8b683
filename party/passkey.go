package party

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"glassbox.dev"
)

// Passkeys: WebAuthn credentials a user signs in with, alone or after the
// password. Once a user has a passkey, the password alone no longer
// signs them in.
const (
	// CeremonyTimeout is how long a browser has to answer a challenge.
	CeremonyTimeout = 5 * time.Minute
	// MaxPasskeys bounds the passkeys one user may keep.
	MaxPasskeys = 20
	// CeremonyPrefix begins every ceremony's secret (its cookie's value).
	CeremonyPrefix = "gbc_"
)

// RelyingParty is the site a passkey is bound to: the browser signs the
// origin it talks to, and the authenticator scopes each passkey to the
// relying party's ID, a host name.
type RelyingParty struct {
	ID     string // the host name: centre.example, or localhost
	Origin string // the scheme, host and port: https://centre.example
}

// NewRelyingParty returns the relying party of origin (scheme://host[:port]).
// WebAuthn binds passkeys to a domain: an IP address cannot be one.
func NewRelyingParty(origin string) (*RelyingParty, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the workspace's origin %q is not scheme://host[:port]", origin)
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "passkeys are bound to a domain name, and %s is an IP address: use a name (localhost on this machine)", host)
	}
	if u.Scheme == "http" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return nil, glassbox.Errorf(glassbox.EINVALID, "passkeys need HTTPS except on localhost; %s is served over HTTP", origin)
	}
	return &RelyingParty{ID: host, Origin: u.Scheme + "://" + u.Host}, nil
}

func (rp *RelyingParty) webauthn() (*webauthn.WebAuthn, error) {
	if rp == nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "passkeys need the workspace's public origin: start the centre with 'glassbox serve --origin https://…', or open it at http://localhost")
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:          rp.ID,
		RPDisplayName: "glassbox transparency centre",
		RPOrigins:     []string{rp.Origin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTimeout, TimeoutUVD: CeremonyTimeout},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTimeout, TimeoutUVD: CeremonyTimeout},
		},
	})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "passkeys for %s: %v", rp.Origin, err)
	}
	return w, nil
}

// passkeyUser is a user as WebAuthn sees it. The user handle is the
// user's ID: IDs are public (they name the reader in access statements)
// and never reused for someone else.
type passkeyUser struct {
	u     *glassbox.User
	keys  []*glassbox.Passkey
	creds []webauthn.Credential
}

func (p *passkeyUser) WebAuthnID() []byte                         { return []byte(p.u.ID) }
func (p *passkeyUser) WebAuthnName() string                       { return p.u.ID }
func (p *passkeyUser) WebAuthnDisplayName() string                { return cmp.Or(p.u.Name, p.u.ID) }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// passkeyUser loads user with its passkeys.
func (s *Service) passkeyUser(ctx context.Context, st glassbox.SignInStore, user string) (*passkeyUser, error) {
	u, err := s.store.FindUser(ctx, user)
	if err != nil {
		return nil, err
	}
	keys, err := st.Passkeys(ctx, user)
	if err != nil {
		return nil, err
	}
	pu := &passkeyUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return nil, glassbox.Errorf(glassbox.ECORRUPT, "the stored passkey %s of %s does not decode: %v", k.Name, user, err)
		}
		pu.creds = append(pu.creds, c)
	}
	return pu, nil
}

// beginCeremony keeps a ceremony and returns its secret and the options
// for the browser (the JSON navigator.credentials expects, as go-webauthn
// writes it).
func (s *Service) beginCeremony(ctx context.Context, st glassbox.SignInStore, kind, user string, session *webauthn.SessionData, options any) (Ceremony, error) {
	data, err := json.Marshal(session)
	if err != nil {
		return Ceremony{}, glassbox.Errorf(glassbox.EINTERNAL, "passkey ceremony: %w", err)
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return Ceremony{}, glassbox.Errorf(glassbox.EINTERNAL, "passkey ceremony: %w", err)
	}
	secret, h := newSecret(CeremonyPrefix)
	if err := st.SaveCeremony(ctx, &glassbox.Ceremony{Hash: h, Kind: kind, UserID: user, Data: data, Expires: s.Now().Add(CeremonyTimeout)}); err != nil {
		return Ceremony{}, err
	}
	return Ceremony{Secret: secret, Options: opts}, nil
}

// Ceremony is a WebAuthn ceremony begun: the secret the browser keeps in
// a cookie and the options it passes to navigator.credentials.
type Ceremony struct {
	Secret  string
	Options json.RawMessage
}

// takeCeremony returns the ceremony of secret if it is of kind, and its
// session data; any other is the one refusal.
func (s *Service) takeCeremony(ctx context.Context, st glassbox.SignInStore, secret string, kinds ...string) (*glassbox.Ceremony, webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if !strings.HasPrefix(secret, CeremonyPrefix) || len(secret) > 128 {
		return nil, sd, passkeyRefused()
	}
	c, err := st.TakeCeremony(ctx, sha256.Sum256([]byte(secret)), s.Now())
	if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
		return nil, sd, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the passkey's challenge has expired or was answered already; try again")
	}
	if err != nil {
		return nil, sd, err
	}
	ok := false
	for _, k := range kinds {
		ok = ok || c.Kind == k
	}
	if !ok {
		return nil, sd, passkeyRefused()
	}
	if err := json.Unmarshal(c.Data, &sd); err != nil {
		return nil, sd, glassbox.Errorf(glassbox.ECORRUPT, "a stored passkey ceremony does not decode: %v", err)
	}
	return c, sd, nil
}

// passkeyRefused is the one refusal of a passkey's answer.
func passkeyRefused() error {
	return glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the passkey did not confirm the sign-in")
}

// BeginPasskey begins adding a passkey to p's own account.
func (s *Service) BeginPasskey(ctx context.Context, p *glassbox.Principal, rp *RelyingParty) (Ceremony, error) {
	st, err := s.signIn()
	if err != nil {
		return Ceremony{}, err
	}
	if p == nil || p.User.ID == "" {
		return Ceremony{}, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "sign in to add a passkey")
	}
	w, err := rp.webauthn()
	if err != nil {
		return Ceremony{}, err
	}
	pu, err := s.passkeyUser(ctx, st, p.User.ID)
	if err != nil {
		return Ceremony{}, err
	}
	if len(pu.keys) >= MaxPasskeys {
		return Ceremony{}, glassbox.Errorf(glassbox.ECONFLICT, "%s has %d passkeys, the most one user may keep; remove one first", p.User.ID, MaxPasskeys)
	}
	creation, sd, err := w.BeginRegistration(pu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(pu.creds).CredentialDescriptors()),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		}))
	if err != nil {
		return Ceremony{}, glassbox.Errorf(glassbox.EINTERNAL, "begin adding a passkey: %w", err)
	}
	return s.beginCeremony(ctx, st, glassbox.CeremonyRegister, p.User.ID, sd, creation)
}

// FinishPasskey checks the browser's answer to the ceremony of secret and
// keeps the new passkey, named name, for p.
func (s *Service) FinishPasskey(ctx context.Context, p *glassbox.Principal, rp *RelyingParty, secret, name string, answer []byte) (*glassbox.Passkey, error) {
	st, err := s.signIn()
	if err != nil {
		return nil, err
	}
	if p == nil || p.User.ID == "" {
		return nil, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "sign in to add a passkey")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "passkey"
	}
	if len(name) > glassbox.MaxPartyName {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the passkey's name is longer than %d bytes", glassbox.MaxPartyName)
	}
	w, err := rp.webauthn()
	if err != nil {
		return nil, err
	}
	c, sd, err := s.takeCeremony(ctx, st, secret, glassbox.CeremonyRegister)
	if err != nil {
		return nil, err
	}
	if c.UserID != p.User.ID {
		return nil, passkeyRefused()
	}
	pu, err := s.passkeyUser(ctx, st, p.User.ID)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(answer)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the browser's answer is not a WebAuthn registration: %s", protocolDetail(err))
	}
	cred, err := w.CreateCredential(pu, sd, parsed)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the new passkey was refused: %s", protocolDetail(err))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "keep a passkey: %w", err)
	}
	k := &glassbox.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), UserID: p.User.ID, Name: name, Credential: raw, Created: s.Now()}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	if err := st.AddPasskey(ctx, k, s.record(p, "user.passkey.add", p.User.ID, name)); err != nil {
		return nil, err
	}
	return k, nil
}

// protocolDetail is what a WebAuthn error says, for the person whose
// browser sent the answer.
func protocolDetail(err error) string {
	if pe, ok := err.(*protocol.Error); ok && pe.DevInfo != "" {
		return fmt.Sprintf("%s (%s)", pe.Details, pe.DevInfo)
	}
	return err.Error()
}

// BeginPasskeySignIn begins a sign-in by passkey alone: the browser lets
// the person choose one of the passkeys it holds for this centre, which
// must verify the person (PIN or biometrics) as well as possess the key.
func (s *Service) BeginPasskeySignIn(ctx context.Context, rp *RelyingParty) (Ceremony, error) {
	st, err := s.signIn()
	if err != nil {
		return Ceremony{}, err
	}
	w, err := rp.webauthn()
	if err != nil {
		return Ceremony{}, err
	}
	assertion, sd, err := w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Ceremony{}, glassbox.Errorf(glassbox.EINTERNAL, "begin a passkey sign-in: %w", err)
	}
	return s.beginCeremony(ctx, st, glassbox.CeremonySignIn, "", sd, assertion)
}

// FinishPasskeySignIn checks the browser's answer to a sign-in ceremony
// (by passkey alone, or confirming a password) and starts a session.
func (s *Service) FinishPasskeySignIn(ctx context.Context, rp *RelyingParty, secret string, answer []byte) (*SignedIn, error) {
	st, err := s.signIn()
	if err != nil {
		return nil, err
	}
	w, err := rp.webauthn()
	if err != nil {
		return nil, err
	}
	c, sd, err := s.takeCeremony(ctx, st, secret, glassbox.CeremonySignIn, glassbox.CeremonySecondFactor)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(answer)
	if err != nil {
		slog.Info("passkey sign-in refused", "err", protocolDetail(err))
		return nil, passkeyRefused()
	}
	var pu *passkeyUser
	var cred *webauthn.Credential
	if c.Kind == glassbox.CeremonySecondFactor {
		if pu, err = s.passkeyUser(ctx, st, c.UserID); err == nil {
			cred, err = w.ValidateLogin(pu, sd, parsed)
		}
	} else {
		var found webauthn.User
		found, cred, err = w.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
			k, err := st.FindPasskey(ctx, base64.RawURLEncoding.EncodeToString(rawID))
			if err != nil {
				return nil, err
			}
			if k.UserID != string(handle) {
				return nil, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the passkey belongs to another user")
			}
			return s.passkeyUser(ctx, st, k.UserID)
		}, sd, parsed)
		pu, _ = found.(*passkeyUser)
	}
	if err != nil || pu == nil || cred == nil {
		var ours *glassbox.Error
		if errors.As(err, &ours) && (ours.Code == glassbox.EINTERNAL || ours.Code == glassbox.ECORRUPT || ours.Code == glassbox.EUNAVAILABLE) {
			return nil, err // the centre's failure, not the answer's
		}
		slog.Info("passkey sign-in refused", "err", protocolDetail(err))
		return nil, passkeyRefused()
	}
	if cred.Authenticator.CloneWarning {
		slog.Warn("passkey sign-in refused: the authenticator's counter went back, it may be cloned", "user", pu.u.ID)
		return nil, glassbox.Errorf(glassbox.EUNAUTHENTICATED, "the passkey's counter went back, as a copied key's would; the sign-in is refused, and an administrator should remove that passkey")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "keep a passkey's use: %w", err)
	}
	if err := st.UsePasskey(ctx, base64.RawURLEncoding.EncodeToString(cred.ID), raw, s.Now()); err != nil {
		return nil, err
	}
	return s.startSession(ctx, st, pu.u.ID)
}

// Passkeys lists user's passkeys, for p: the user or an administrator.
func (s *Service) Passkeys(ctx context.Context, p *glassbox.Principal, user string) ([]*glassbox.Passkey, error) {
	if err := s.selfOrAdmin(ctx, p, user); err != nil {
		return nil, err
	}
	st, err := s.signIn()
	if err != nil {
		return nil, err
	}
	return st.Passkeys(ctx, user)
}

// RemovePasskey removes user's passkey id, for p: the user or an
// administrator (a lost authenticator).
func (s *Service) RemovePasskey(ctx context.Context, p *glassbox.Principal, user, id string) error {
	if err := s.selfOrAdmin(ctx, p, user); err != nil {
		return err
	}
	st, err := s.signIn()
	if err != nil {
		return err
	}
	return st.RemovePasskey(ctx, user, id, s.record(p, "user.passkey.remove", user, id))
}

func (s *Service) selfOrAdmin(ctx context.Context, p *glassbox.Principal, user string) error {
	if p != nil && p.User.ID == user {
		return nil
	}
	return s.allow(ctx, p, ActAdmin)
}
