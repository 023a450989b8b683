package exercise

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Probe is what was tried on one listener.
type Probe struct {
	Listener Listener `json:"listener"`
	Protocol string   `json:"protocol"` // http, ftp, ssh, smtp, pop3, imap, login, line, unknown
	Banner   string   `json:"banner,omitempty"`
	Steps    []Step   `json:"steps"`
	// Cut says why the probe did not try everything it had (its time
	// ran out, more values than it takes); "" when it did.
	Cut string `json:"cut,omitempty"`
}

// Step is one input given to a listener and what followed.
type Step struct {
	Kind string `json:"kind"` // credential, debug-endpoint, magic, control
	// Via is how the input was delivered ("USER", "header X-Token",
	// "basic auth", "line"…); a magic step and its control share it.
	Via        string     `json:"via"`
	Input      string     `json:"input"`
	Origin     *Input     `json:"origin,omitempty"` // for a magic step: the static finding it comes from
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	Response   string     `json:"response,omitempty"`
	Accepted   bool       `json:"accepted,omitempty"` // a credential that logged in; an endpoint that served
	Opened     []Listener `json:"opened,omitempty"`   // listeners that appeared after the input
	FollowUp   string     `json:"follow_up,omitempty"`
	ControlFor int        `json:"-"`
}

// Bounds of probing.
const (
	readWait    = 800 * time.Millisecond
	reactWait   = 200 * time.Millisecond // after an input, before looking for what it opened
	maxResponse = 512
	maxInputs   = 32
)

// defaultCredentials are the factory credentials of common devices and
// servers, the ones botnets try first (Mirai's list, vendors' defaults).
var defaultCredentials = [][2]string{
	{"admin", "admin"}, {"admin", "password"}, {"admin", "1234"}, {"admin", "12345"}, {"admin", ""},
	{"admin", "admin123"}, {"root", "root"}, {"root", "toor"}, {"root", ""}, {"root", "admin"},
	{"root", "12345"}, {"root", "password"}, {"user", "user"}, {"guest", "guest"}, {"support", "support"},
	{"test", "test"}, {"administrator", "administrator"}, {"ubnt", "ubnt"}, {"pi", "raspberry"},
}

// debugEndpoints are HTTP paths that expose a program's insides when left
// unauthenticated, with what their answer contains (case aside).
var debugEndpoints = []struct{ path, marker string }{
	{"/debug/pprof/", "types of profiles available"}, // Go's net/http/pprof
	{"/debug/vars", `"memstats":`},                   // Go's expvar
	{"/actuator/env", `"propertysources"`},           // Spring Boot
	{"/server-status", "apache server status"},       // Apache's mod_status
	{"/phpinfo.php", "php version"},                  // PHP's phpinfo()
	{"/jolokia/list", `"java.lang"`},                 // Jolokia JMX over HTTP
}

// probe identifies the protocol on l and tries it.
func (w *watcher) probe(ctx context.Context, l Listener, deadline time.Time) Probe {
	p := Probe{Listener: l, Protocol: "unknown", Steps: []Step{}}
	banner, err := w.exchange(l, "", readWait)
	if err != nil {
		p.Banner = "(no connection: " + err.Error() + ")"
		return p
	}
	p.Banner = bounded(banner)
	p.Protocol = protocolOf(banner)
	if p.Protocol == "unknown" && banner == "" {
		if resp, err := w.exchange(l, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", readWait); err == nil && strings.HasPrefix(resp, "HTTP/") {
			p.Protocol = "http"
		} else {
			p.Protocol = "line"
		}
	}
	// The values found by the trigger rules first: those are the likely
	// passwords to hidden features.
	inputs := slices.Clone(w.inputs)
	slices.SortStableFunc(inputs, func(a, b Input) int { return inputRank(a.Rule) - inputRank(b.Rule) })
	if len(inputs) > maxInputs {
		p.Cut = fmt.Sprintf("%d of the static analysis's values were not tried (at most %d a listener)", len(inputs)-maxInputs, maxInputs)
		inputs = inputs[:maxInputs]
	}
	switch p.Protocol {
	case "ftp":
		w.probeFTP(ctx, &p, inputs, deadline)
	case "http":
		w.probeHTTP(ctx, &p, inputs, deadline)
	case "ssh":
		w.probeSSH(ctx, &p, inputs, deadline)
	default:
		w.probeLine(ctx, &p, inputs, deadline)
	}
	return p
}

// late reports whether the probe's time is up, and says so in p.Cut.
func late(p *Probe, deadline time.Time) bool {
	if time.Now().After(deadline) {
		if p.Cut == "" {
			p.Cut = fmt.Sprintf("its time ran out after %d inputs", len(p.Steps))
		}
		return true
	}
	return false
}

// inputRank orders the static analysis's values: hidden triggers first,
// then compared credentials and headers, then assigned passwords.
func inputRank(rule string) int {
	switch rule {
	case "GB1401", "GB1402", "GB0103":
		return 0
	case "GB0101":
		return 1
	}
	return 2
}

// exchange connects to l, sends send (if any) and returns what comes back
// within wait.
func (w *watcher) exchange(l Listener, send string, wait time.Duration) (string, error) {
	c, err := dial(w.ns, l.Endpoint(), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if send != "" {
		c.SetWriteDeadline(time.Now().Add(wait))
		if _, err := io.WriteString(c, send); err != nil {
			return "", err
		}
	}
	return readFor(c, wait), nil
}

// readFor reads what c sends within wait (never longer, however slowly
// the server drips its bytes), at most 16 KiB.
func readFor(c net.Conn, wait time.Duration) string {
	end := time.Now().Add(wait)
	c.SetReadDeadline(end)
	buf := make([]byte, 4096)
	var out []byte
	for len(out) < 16<<10 {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
		// A line-oriented server has answered once a line is complete and
		// nothing more comes quickly.
		if n > 0 && out[len(out)-1] == '\n' {
			if soon := time.Now().Add(150 * time.Millisecond); soon.Before(end) {
				c.SetReadDeadline(soon)
			}
		}
	}
	return string(out)
}

func protocolOf(banner string) string {
	b := strings.TrimSpace(banner)
	low := strings.ToLower(b)
	switch {
	case strings.HasPrefix(b, "SSH-"):
		return "ssh"
	case strings.HasPrefix(b, "220") && strings.Contains(low, "smtp"):
		return "smtp"
	case strings.HasPrefix(b, "220"):
		return "ftp"
	case strings.HasPrefix(b, "+OK"):
		return "pop3"
	case strings.HasPrefix(b, "* OK"):
		return "imap"
	case strings.HasPrefix(b, "HTTP/"):
		return "http"
	case strings.Contains(low, "login:") || strings.Contains(low, "username:") || strings.Contains(low, "user:"):
		return "login"
	case b != "":
		return "line"
	}
	return "unknown"
}

// step runs one input: do delivers it and returns the response; then the
// listeners that appeared are recorded, and each new one is greeted.
func (w *watcher) step(p *Probe, s Step, do func() (string, bool)) Step {
	s.Start = time.Now()
	resp, accepted := do()
	s.Response, s.Accepted = bounded(resp), accepted
	time.Sleep(reactWait)
	s.Opened = w.snapshot()
	s.End = time.Now()
	for _, l := range s.Opened {
		if !strings.HasPrefix(l.Proto, "tcp") {
			continue
		}
		// What a shell or console answers says what the input opened.
		if out, err := w.exchange(l, "id\n", readWait); err == nil {
			s.FollowUp += fmt.Sprintf("%s answered %q to \"id\"; ", l.Endpoint(), bounded(out))
		}
	}
	p.Steps = append(p.Steps, s)
	return s
}

// magicVariants are the inputs made of one value: the value alone, at the
// end of an input and at its start (a comparison of the last bytes, as
// vsftpd's, or of the first).
func magicVariants(v string) []string {
	out := []string{v}
	if len(v) < 8 {
		out = append(out, "probe"+v, v+"probe")
	}
	return out
}

// control is a random value of v's shape — each byte replaced by another
// of its class (lower case, upper case, digit, punctuation, other) — and
// never v itself: what an ordinary input of the same shape does.
func control(v string) string {
	classes := []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!#$%&()*+,-./:;<=>?@[]^_{|}~"}
	b := make([]byte, len(v))
	for {
		rand.Read(b)
		for i := range b {
			c := v[i]
			class := ""
			for _, cl := range classes {
				if strings.IndexByte(cl, c) >= 0 {
					class = cl
				}
			}
			if class == "" {
				b[i] = 'a' + b[i]%26
				continue
			}
			// Another member of the class, so that no byte of a magic
			// value made of one class survives.
			b[i] = class[(strings.IndexByte(class, c)+1+int(b[i])%(len(class)-1))%len(class)]
		}
		if string(b) != v || len(v) == 0 {
			return string(b)
		}
	}
}

// tryMagic gives each variant of each input through deliver, after a
// control input of the same shape through the same path.
func (w *watcher) tryMagic(p *Probe, inputs []Input, deadline time.Time, via string, deliver func(v string) (string, bool)) {
	for i := range inputs {
		in := inputs[i]
		for _, v := range magicVariants(in.Value) {
			if late(p, deadline) {
				return
			}
			if w.tried == nil {
				w.tried = map[string]bool{}
			}
			w.tried[in.Value] = true
			ctl := control(v)
			w.step(p, Step{Kind: "control", Via: via, Input: ctl}, func() (string, bool) { return deliver(ctl) })
			w.step(p, Step{Kind: "magic", Via: via, Input: v, Origin: &in}, func() (string, bool) { return deliver(v) })
		}
	}
}

// credentials are the defaults followed by what the static analysis found
// (hard-coded passwords with the usual accounts and the names it found).
func credentials(inputs []Input) [][2]string {
	out := append([][2]string{}, defaultCredentials...)
	var users []string
	for _, in := range inputs {
		if in.Rule == "GB0101" && len(in.Value) < 32 {
			users = append(users, in.Value)
		}
	}
	for _, in := range inputs {
		if in.Rule == "GB0102" || in.Rule == "GB1402" || in.Rule == "GB0101" {
			for _, u := range append([]string{"admin", "root"}, users...) {
				if c := [2]string{u, in.Value}; !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func (w *watcher) probeFTP(ctx context.Context, p *Probe, inputs []Input, deadline time.Time) {
	login := func(user, pass string) (string, bool) {
		c, err := dial(w.ns, p.Listener.Endpoint(), 2*time.Second)
		if err != nil {
			return err.Error(), false
		}
		defer c.Close()
		resp := readFor(c, readWait)
		io.WriteString(c, "USER "+user+"\r\n")
		r := readFor(c, readWait)
		resp += r
		if strings.HasPrefix(strings.TrimSpace(r), "331") {
			io.WriteString(c, "PASS "+pass+"\r\n")
			r = readFor(c, readWait)
			resp += r
		}
		io.WriteString(c, "QUIT\r\n")
		return resp, strings.HasPrefix(strings.TrimSpace(r), "230")
	}
	for _, cr := range credentials(inputs) {
		if late(p, deadline) || ctx.Err() != nil {
			return
		}
		u, pw := cr[0], cr[1]
		w.step(p, Step{Kind: "credential", Via: "USER/PASS", Input: u + ":" + pw}, func() (string, bool) { return login(u, pw) })
	}
	w.tryMagic(p, inputs, deadline, "USER", func(v string) (string, bool) { return login(v, v) })
}

// probeSSH tries the credentials with SSH password authentication, the
// host key taken as it comes (this is a probe, not a session).
func (w *watcher) probeSSH(ctx context.Context, p *Probe, inputs []Input, deadline time.Time) {
	login := func(user, pass string) (string, bool) {
		c, err := dial(w.ns, p.Listener.Endpoint(), 2*time.Second)
		if err != nil {
			return err.Error(), false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		cfg := &ssh.ClientConfig{
			User:            user,
			Auth:            []ssh.AuthMethod{ssh.Password(pass)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
			Timeout:         3 * time.Second,
		}
		sc, chans, reqs, err := ssh.NewClientConn(c, p.Listener.Endpoint(), cfg)
		if err != nil {
			return err.Error(), false
		}
		defer sc.Close()
		go ssh.DiscardRequests(reqs)
		go func() {
			for ch := range chans {
				ch.Reject(ssh.Prohibited, "probe")
			}
		}()
		return "authenticated as " + user, true
	}
	for _, cr := range credentials(inputs) {
		if late(p, deadline) || ctx.Err() != nil {
			return
		}
		u, pw := cr[0], cr[1]
		w.step(p, Step{Kind: "credential", Via: "SSH password", Input: u + ":" + pw}, func() (string, bool) { return login(u, pw) })
	}
}

func (w *watcher) probeLine(ctx context.Context, p *Probe, inputs []Input, deadline time.Time) {
	send := func(lines ...string) string {
		c, err := dial(w.ns, p.Listener.Endpoint(), 2*time.Second)
		if err != nil {
			return err.Error()
		}
		defer c.Close()
		resp := readFor(c, readWait)
		for _, l := range lines {
			io.WriteString(c, l+"\r\n")
			resp += readFor(c, readWait)
		}
		return resp
	}
	if p.Protocol == "login" {
		wrong := send(control("wronguser"), control("wrongpass"))
		for _, cr := range credentials(inputs) {
			if late(p, deadline) || ctx.Err() != nil {
				return
			}
			u, pw := cr[0], cr[1]
			w.step(p, Step{Kind: "credential", Via: "login prompt", Input: u + ":" + pw}, func() (string, bool) {
				r := send(u, pw)
				return r, loggedIn(r, wrong)
			})
		}
	}
	w.tryMagic(p, inputs, deadline, "line", func(v string) (string, bool) { return send(v, v), false })
}

var failureRE = regexp.MustCompile(`(?i)incorrect|invalid|fail|denied|wrong|bad |not allowed|unauthori[sz]ed|error`)

// loggedIn reports whether a login's response differs from a wrong one's
// in a way that is not a refusal.
func loggedIn(resp, wrong string) bool {
	norm := func(s string) string {
		return strings.Join(strings.Fields(regexp.MustCompile(`\d+`).ReplaceAllString(s, "")), " ")
	}
	return strings.TrimSpace(resp) != "" && norm(resp) != norm(wrong) && !failureRE.MatchString(resp)
}

func (w *watcher) probeHTTP(ctx context.Context, p *Probe, inputs []Input, deadline time.Time) {
	client := &http.Client{
		Timeout: 3 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return dial(w.ns, addr, 2*time.Second)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	base := "http://" + p.Listener.Endpoint()
	get := func(path string, hdr map[string]string) (int, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return 0, err.Error()
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, resp.Status + "\n" + string(body)
	}
	// The route to try credentials and inputs on: the first one that asks
	// for authentication, else "/".
	routes, xheaders := w.bytes.get()
	target := "/"
	targetStatus, _ := get("/", nil)
	if targetStatus != http.StatusUnauthorized {
		for _, r := range routes {
			if late(p, deadline) {
				break
			}
			if code, _ := get(r, nil); code == http.StatusUnauthorized || code == http.StatusForbidden {
				target, targetStatus = r, code
				break
			}
		}
	}
	// A server that answers every path alike (a catch-all handler) serves
	// no debug endpoint: what it says for a path nobody has matters.
	_, nowhere := get("/"+control("glassboxnowhere"), nil)
	for _, ep := range debugEndpoints {
		if late(p, deadline) {
			return
		}
		path, marker := ep.path, ep.marker
		w.step(p, Step{Kind: "debug-endpoint", Via: "GET", Input: path}, func() (string, bool) {
			code, body := get(path, nil)
			// An echo of the request is no endpoint: the path itself
			// does not count.
			low := strings.ReplaceAll(strings.ToLower(body), strings.ToLower(path), "")
			served := code == http.StatusOK && body != nowhere && strings.Contains(low, marker) &&
				!strings.Contains(strings.ToLower(nowhere), marker)
			return body, served
		})
	}
	basic := func(u, pw string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+pw))}
	}
	if targetStatus == http.StatusUnauthorized {
		wrongCode, _ := get(target, basic(control("wronguser"), control("wrongpass")))
		for _, cr := range credentials(inputs) {
			if late(p, deadline) || ctx.Err() != nil {
				return
			}
			u, pw := cr[0], cr[1]
			w.step(p, Step{Kind: "credential", Via: "basic auth", Input: u + ":" + pw}, func() (string, bool) {
				code, body := get(target, basic(u, pw))
				return body, code != wrongCode && code >= 200 && code < 400
			})
		}
	}
	headers := []string{"Authorization", "X-Api-Key"}
	for _, in := range inputs {
		for _, h := range in.Headers {
			if !slices.ContainsFunc(headers, func(x string) bool { return strings.EqualFold(x, h) }) {
				headers = append(headers, h)
			}
		}
	}
	for _, h := range append(slices.Clone(w.headers), xheaders...) {
		if !slices.ContainsFunc(headers, func(x string) bool { return strings.EqualFold(x, h) }) {
			headers = append(headers, h)
		}
	}
	// One request carries the value in every header and parameter it may
	// be read from: as fast for a hundred headers as for one.
	w.tryMagic(p, inputs, deadline, "headers "+strings.Join(headers, ", ")+" and query token, key, password", func(v string) (string, bool) {
		hdr := map[string]string{}
		for _, h := range headers {
			hdr[h] = v
		}
		hdr["Authorization"] = "Bearer " + v
		_, body := get(target+"?token="+url.QueryEscape(v)+"&key="+url.QueryEscape(v)+"&password="+url.QueryEscape(v), hdr)
		return body, false
	})
	w.tryMagic(p, inputs, deadline, "basic auth", func(v string) (string, bool) {
		_, body := get(target, basic("admin", v))
		return body, false
	})
}

func bounded(s string) string {
	if len(s) > maxResponse {
		s = s[:maxResponse] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
