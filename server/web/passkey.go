package web

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/party"
)

// Passkeys: the pages pass WebAuthn options and answers between the
// centre (package party) and the browser (static/passkey.js). A ceremony
// begun is bound to a cookie of its own, HttpOnly and SameSite=Strict,
// whose secret the centre keeps only the hash of.
const ceremonyCookie = "glassbox-passkey"

// maxAnswer bounds a browser's WebAuthn answer: a public key, a signature
// and some JSON.
const maxAnswer = 64 << 10

// relyingParty is what passkeys are bound to: the configured origin, or,
// when none is, this request's when it is made to localhost (a centre
// tried on one machine).
func (w *Workspace) relyingParty(r *request) *party.RelyingParty {
	origin := w.Origin
	if origin == "" {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if host != "localhost" {
			return nil
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	rp, err := party.NewRelyingParty(origin)
	if err != nil {
		return nil
	}
	return rp
}

// passkeysUsable reports whether this request's page can offer passkeys.
func (w *Workspace) passkeysUsable(r *request) bool { return w.relyingParty(r) != nil }

func (w *Workspace) setCeremony(rw http.ResponseWriter, r *request, secret string) {
	http.SetCookie(rw, &http.Cookie{Name: ceremonyCookie, Value: secret, Path: "/ui/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(party.CeremonyTimeout / time.Second)})
}

// ceremony returns the secret of the ceremony this browser began and
// forgets it on the browser's side: an answer is taken once.
func (w *Workspace) ceremony(rw http.ResponseWriter, r *request) string {
	http.SetCookie(rw, &http.Cookie{Name: ceremonyCookie, Value: "", Path: "/ui/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	c, err := r.Cookie(ceremonyCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// writeJSON answers a script.
func writeJSON(rw http.ResponseWriter, status int, v any) error {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	return json.NewEncoder(rw).Encode(v)
}

// scriptError answers a script's request that failed, with the message a
// page would show.
func (w *Workspace) scriptError(rw http.ResponseWriter, r *request, err error) error {
	status, msg := w.failure(r, err)
	return writeJSON(rw, status, map[string]string{"error": msg})
}

// answer is what the script posts when a ceremony ends.
type answer struct {
	Name       string          `json:"name"`
	Next       string          `json:"next"`
	Credential json.RawMessage `json:"credential"`
}

func readAnswer(r *request) (*answer, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAnswer+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "read the passkey's answer: %v", err)
	}
	if len(body) > maxAnswer {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the passkey's answer is larger than %d bytes", maxAnswer)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || len(a.Credential) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the passkey's answer is not the JSON the workspace's script sends")
	}
	return &a, nil
}

// begin answers the script with a ceremony's options, its secret in the
// ceremony's cookie.
func (w *Workspace) begin(rw http.ResponseWriter, r *request, c party.Ceremony, err error) error {
	if err != nil {
		return w.scriptError(rw, r, err)
	}
	w.setCeremony(rw, r, c.Secret)
	return writeJSON(rw, http.StatusOK, c.Options)
}

// beginSignIn begins a sign-in by passkey alone.
func (w *Workspace) beginSignIn(rw http.ResponseWriter, r *request) error {
	c, err := w.parties.BeginPasskeySignIn(r.Context(), w.relyingParty(r))
	return w.begin(rw, r, c, err)
}

// finishSignIn checks the passkey's answer, by itself or confirming a
// password, and begins the session.
func (w *Workspace) finishSignIn(rw http.ResponseWriter, r *request) error {
	secret := w.ceremony(rw, r)
	a, err := readAnswer(r)
	if err != nil {
		return w.scriptError(rw, r, err)
	}
	done, err := w.parties.FinishPasskeySignIn(r.Context(), w.relyingParty(r), secret, a.Credential)
	if err != nil {
		return w.scriptError(rw, r, err)
	}
	w.startSession(rw, r, done.Secret)
	return writeJSON(rw, http.StatusOK, map[string]string{"next": safeNext(a.Next)})
}

// startSession gives the browser the session's cookie and drops the
// sign-in form's.
func (w *Workspace) startSession(rw http.ResponseWriter, r *request, secret string) {
	http.SetCookie(rw, &http.Cookie{Name: preCSRF, Value: "", Path: "/ui/signin", MaxAge: -1})
	http.SetCookie(rw, &http.Cookie{Name: cookieName(r.Request), Value: secret, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(party.SessionMax / time.Second)})
}

// account shows the signed-in user's passkeys, with the forms to add and
// remove them.
func (w *Workspace) account(rw http.ResponseWriter, r *request) error {
	keys, err := w.parties.Passkeys(r.Context(), r.p, r.p.User.ID)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "account", map[string]any{
		"Title": "Your account", "Passkeys": keys, "Usable": w.passkeysUsable(r), "Origin": w.Origin,
	})
}

func (w *Workspace) beginPasskey(rw http.ResponseWriter, r *request) error {
	c, err := w.parties.BeginPasskey(r.Context(), r.p, w.relyingParty(r))
	return w.begin(rw, r, c, err)
}

func (w *Workspace) finishPasskey(rw http.ResponseWriter, r *request) error {
	secret := w.ceremony(rw, r)
	a, err := readAnswer(r)
	if err != nil {
		return w.scriptError(rw, r, err)
	}
	k, err := w.parties.FinishPasskey(r.Context(), r.p, w.relyingParty(r), secret, strings.TrimSpace(a.Name), a.Credential)
	if err != nil {
		return w.scriptError(rw, r, err)
	}
	return writeJSON(rw, http.StatusOK, k)
}

func (w *Workspace) removePasskey(rw http.ResponseWriter, r *request) error {
	if err := w.parties.RemovePasskey(r.Context(), r.p, r.p.User.ID, r.PostFormValue("id")); err != nil {
		return err
	}
	http.Redirect(rw, r.Request, "/ui/account", http.StatusSeeOther)
	return nil
}
