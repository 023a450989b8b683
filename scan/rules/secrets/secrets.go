// Package secrets finds credentials committed to a source tree: private
// keys, cloud and VCS tokens with well-known formats, and high-entropy
// literals assigned to names that say they are secrets.
//
// A committed credential is both a leak and, when it is a test key that
// production also accepts, a backdoor. The analyser works the way gitleaks
// does, but cheaper: a handful of case-sensitive bytes.Index calls for the
// token prefixes and one lower-casing pass for the generic names decide
// whether a file can contain anything at all, and only the lines around a
// keyword are ever given to a regular expression.
package secrets

import (
	"bytes"
	"math"
	"path"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/rulekit"
)

// Family is the name of the rule family this package implements.
const Family = "secrets"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RulePrivateKey is GB0501: a PEM or OpenSSH private key with a body.
	RulePrivateKey = scan.Rule{
		ID:       "GB0501",
		Name:     "private-key",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A private key (PEM, OpenSSH or PGP armour with a key body) is committed to the tree.",
		Explanation: "Anyone who can read the repository or the release can impersonate the key's owner; " +
			"a host or signing key shipped in a release lets its author, or anyone, log in or sign as it.",
	}
	// RuleToken is GB0502: a token with a provider's well-known format.
	RuleToken = scan.Rule{
		ID:       "GB0502",
		Name:     "cloud-or-vcs-token",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "An access token with a well-known provider format (AWS, GitHub, GitLab, Slack, Google, Stripe, npm, PyPI) is committed to the tree.",
		Explanation: "Provider tokens grant access to accounts, repositories and package registries; a committed " +
			"one can be used by anyone who reads the tree, including to publish a poisoned release.",
	}
	// RuleGeneric is GB0503: a high-entropy literal assigned to a secret-sounding name.
	RuleGeneric = scan.Rule{
		ID:       "GB0503",
		Name:     "generic-high-entropy-secret",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "A high-entropy string literal (≥ 16 characters, ≥ 3.5 bits/char) is assigned to a name that says it is a secret, token, password or credential.",
		Explanation: "Random-looking literals bound to names like password or api_key are usually real " +
			"credentials; a hard-coded one is a shared secret every copy of the program accepts.",
	}
)

type analyzer struct{}

// New returns the secrets analyser. It holds no state and is safe for
// concurrent use.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0501–GB0503.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RulePrivateKey, RuleToken, RuleGeneric}
}

// Analyze returns the secrets in f.
func (analyzer) Analyze(f *scan.File) []glassbox.Finding {
	if f == nil || len(f.Content) == 0 {
		return nil
	}
	c := &collector{f: f}
	b := f.Content
	if bytes.Contains(b, []byte("PRIVATE KEY-----")) {
		c.privateKeys()
	}
	c.keywords()
	return c.out
}

type collector struct {
	f   *scan.File
	out []glassbox.Finding
	// claimed holds the byte ranges already reported, so the generic rule
	// does not report again a token the specific rule explained better.
	claimed [][2]int
}

func (c *collector) add(r scan.Rule, start, end int, msg, snippet string) {
	sev := r.Severity
	if c.f.Test {
		// Test trees are full of keys generated for the tests; they are
		// fixtures, not backdoors, unless production code accepts them.
		sev = glassbox.SeverityLow
		msg += " in test code — a fixture?"
	} else if (c.f.Doc || rulekit.IsExamplePath(c.f.Path)) && r.ID != RuleToken.ID {
		// A value in prose or example code is shown to every reader: an
		// example (cryptography's serialization docs print their keys).
		// A token of a provider's own format (GB0502) is a leak wherever
		// it is: providers revoke only what they are told of.
		sev = glassbox.SeverityLow
		msg += " in documentation or example code — an example?"
	} else if r.ID == RuleGeneric.ID && ciConfig(c.f.Path) {
		// A literal in a CI workflow configures the services the tests
		// run against; a real CI secret is read from the CI's secret
		// store (${{ secrets.X }}), which is not a literal.
		sev = glassbox.SeverityLow
		msg += " in CI configuration — a fixture for the services the tests run against?"
	} else if r.ID == RulePrivateKey.ID && localKeyName(c.f.Path) {
		// A key file named for localhost or as a snake-oil key belongs
		// to a name no one else can be: a fixture for local TLS.
		sev = glassbox.SeverityLow
		msg += " in a file named for a local or snake-oil host — a fixture?"
	}
	c.out = append(c.out, glassbox.Finding{
		RuleID:   r.ID,
		Rule:     r.Name,
		Family:   Family,
		Severity: sev,
		Message:  msg,
		Region:   c.f.RegionOf(start, end),
		Snippet:  snippet,
	})
	c.claimed = append(c.claimed, [2]int{start, end})
}

// ciConfig reports whether a path is a CI service's configuration.
func ciConfig(p string) bool {
	return strings.HasPrefix(p, ".github/workflows/") || strings.Contains(p, "/.github/workflows/") ||
		strings.HasPrefix(p, ".circleci/") || strings.Contains(p, "/.circleci/") ||
		path.Base(p) == ".gitlab-ci.yml" || path.Base(p) == ".travis.yml"
}

// localKeyName reports whether a key file's name says it is for the local
// host or a snake-oil (self-signed throwaway) certificate.
func localKeyName(p string) bool {
	b := strings.ToLower(path.Base(p))
	return strings.Contains(b, "localhost") || strings.Contains(b, "snakeoil") || strings.Contains(b, "127.0.0.1")
}

func (c *collector) isClaimed(start, end int) bool {
	for _, r := range c.claimed {
		if start < r[1] && r[0] < end {
			return true
		}
	}
	return false
}

// redact keeps the first four characters of a secret, enough to recognise
// it in a rotation list, and hides the rest.
func redact(s string) string {
	if len(s) <= 4 {
		return s + "…"
	}
	return s[:4] + "…"
}

// keyTypes are the PEM/armour labels of private keys, without the
// trailing "PRIVATE KEY-----".
var keyTypes = []string{"", "RSA ", "EC ", "DSA ", "OPENSSH ", "PGP ", "ENCRYPTED "}

// privateKeys reports GB0501: a BEGIN … PRIVATE KEY header followed by a
// body. Headers alone (the string constants of every PEM parser) are not
// keys and are left alone.
func (c *collector) privateKeys() {
	b := c.f.Content
	const tail = "PRIVATE KEY-----"
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte(tail))
		if j < 0 {
			return
		}
		at := i + j
		i = at + len(tail)
		lineStart := bytes.LastIndexByte(b[:at], '\n') + 1
		begin := bytes.LastIndex(b[lineStart:at], []byte("-----BEGIN "))
		if begin < 0 {
			continue
		}
		begin += lineStart
		label := string(b[begin+len("-----BEGIN ") : at])
		if label == "PGP " {
			// PGP armour says "BEGIN PGP PRIVATE KEY BLOCK-----".
			continue
		}
		ok := false
		for _, k := range keyTypes {
			if label == k {
				ok = true
				break
			}
		}
		if !ok {
			continue
		}
		if n, end := keyBody(b, i); n >= 64 {
			c.add(RulePrivateKey, begin, end, keyArticle(label)+"private key with its body is committed",
				string(b[begin:i])+" "+redact(firstBodyLine(b[i:end])))
		}
	}
	// PGP private key blocks have their own header.
	const pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----"
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte(pgp))
		if j < 0 {
			return
		}
		begin := i + j
		i = begin + len(pgp)
		if n, end := keyBody(b, i); n >= 64 {
			c.add(RulePrivateKey, begin, end, "a PGP private key block with its body is committed",
				pgp+" "+redact(firstBodyLine(b[i:end])))
		}
	}
}

// keyArticle names a key type with its article: "an RSA ", "an EC ", "a ".
func keyArticle(label string) string {
	switch label {
	case "":
		return "a "
	case "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ":
		return "an " + label
	}
	return "a " + label
}

// keyBody counts the base64 characters after a header, up to the END line
// or the first character that cannot be part of an armoured body (so a
// header in a string constant followed by code has no body), and returns
// where the key ends.
func keyBody(b []byte, from int) (n, end int) {
	limit := min(len(b), from+16<<10)
	for k := from; k < limit; k++ {
		ch := b[k]
		switch {
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '+', ch == '/', ch == '=':
			n++
		case ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t' || ch == ':' || ch == '-' || ch == ',' || ch == '\\' || ch == '"':
			// Line breaks, armour headers (Proc-Type: 4,ENCRYPTED), and the
			// quotes and \n escapes of a key embedded in a string literal.
			if ch == '-' && bytes.HasPrefix(b[k:], []byte("-----END ")) {
				e := bytes.IndexByte(b[k:], '\n')
				if e < 0 {
					return n, len(b)
				}
				return n, k + e
			}
		default:
			return n, k
		}
	}
	return n, limit
}

// firstBodyLine returns the first line of a key body that looks like
// base64, for the redacted snippet.
func firstBodyLine(b []byte) string {
	for _, l := range bytes.Split(b, []byte("\n")) {
		l = bytes.Trim(l, " \t\r\"\\n")
		if len(l) >= 16 && !bytes.Contains(l, []byte(":")) {
			return string(l)
		}
	}
	return ""
}

// tokenSpec describes a provider token: a literal prefix, then a body of
// characters from a set, between min and max long.
type tokenSpec struct {
	prefix   string
	provider string
	set      *[256]bool
	min, max int
}

var (
	upperDigits   = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	alnum         = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	alnumUnder    = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
	alnumDash     = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
	alnumDashUndr = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	awsSecretSet  = charset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")
)

func charset(s string) *[256]bool {
	var t [256]bool
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return &t
}

// tokenSpecs are the formats GB0502 knows, from the providers' own
// documentation of their token prefixes (the same formats gitleaks and
// GitHub secret scanning use).
var tokenSpecs = []tokenSpec{
	{"AKIA", "AWS access key ID", upperDigits, 16, 16},
	{"ghp_", "GitHub personal access token", alnum, 36, 36},
	{"gho_", "GitHub OAuth token", alnum, 36, 36},
	{"ghu_", "GitHub user-to-server token", alnum, 36, 36},
	{"ghs_", "GitHub server-to-server token", alnum, 36, 36},
	{"ghr_", "GitHub refresh token", alnum, 36, 36},
	{"github_pat_", "GitHub fine-grained personal access token", alnumUnder, 82, 82},
	{"glpat-", "GitLab personal access token", alnumDashUndr, 20, 20},
	{"xoxb-", "Slack bot token", alnumDash, 10, 200},
	{"xoxa-", "Slack app token", alnumDash, 10, 200},
	{"xoxp-", "Slack user token", alnumDash, 10, 200},
	{"xoxr-", "Slack refresh token", alnumDash, 10, 200},
	{"xoxs-", "Slack session token", alnumDash, 10, 200},
	{"AIza", "Google API key", alnumDashUndr, 35, 35},
	{"sk_live_", "Stripe live secret key", alnum, 24, 247},
	{"npm_", "npm access token", alnum, 36, 36},
	{"pypi-AgEI", "PyPI upload token", alnumDashUndr, 50, 400},
}

// awsSecretNear reports whether a 40-character base64 string, the shape
// of an AWS secret access key, is within a few lines of an access key ID.
func awsSecretNear(b []byte, start, end int) bool {
	lo, hi := max(0, start-300), min(len(b), end+300)
	run := 0
	for k := lo; k < hi; k++ {
		if awsSecretSet[b[k]] {
			run++
			continue
		}
		if run == 40 {
			return true
		}
		run = 0
	}
	return run == 40
}

// snippetLine returns the line around [start, end) with the secret in it
// redacted, trimmed to a readable length.
func snippetLine(b []byte, start, end int, secret string) string {
	ls := bytes.LastIndexByte(b[:start], '\n') + 1
	le := bytes.IndexByte(b[end:], '\n')
	if le < 0 {
		le = len(b)
	} else {
		le += end
	}
	if start-ls > 80 {
		ls = start - 80
	}
	if le-end > 80 {
		le = end + 80
	}
	line := string(b[ls:start]) + redact(secret) + string(b[end:le])
	return strings.TrimSpace(strings.ToValidUTF8(line, "�"))
}

func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "“" + strings.ToValidUTF8(s, "�") + "”"
}

// nameStopSuffixes end names that mention a secret but hold something
// else: where it lives, what it is called, how it is sent.
var nameStopSuffixes = []string{"url", "uri", "path", "file", "filename", "name", "env", "header", "type", "endpoint", "dir", "id", "_key_id", "mode", "method", "format", "prefix", "length", "len", "size", "count", "provider", "scheme", "version"}

func secretName(name string) bool {
	name = strings.Trim(name, "._-")
	for _, s := range nameStopSuffixes {
		if strings.HasSuffix(name, s) && !strings.HasSuffix(name, "secret"+s) {
			return false
		}
	}
	// "author" and "authority" contain "auth" but are not credentials.
	if strings.Contains(name, "author") && !strings.Contains(name, "authoriz") {
		return strings.Contains(name, "secret") || strings.Contains(name, "token") || strings.Contains(name, "passw")
	}
	return true
}

// secretValue reports whether a literal looks like a real secret: long,
// random-looking, and not a placeholder, a reference or a locator.
//
// Secrets are drawn from ASCII alphabets (base64, hex, printable password
// characters). A value with letters of a natural script — TypeScript's
// Japanese and Chinese diagnostic messages, whose bytes are high-entropy
// by nature — is text, not a secret, and byte entropy says nothing of it.
func secretValue(v string) bool {
	if len(v) < 16 || isPlaceholder(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	if strings.Contains(v, "://") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "$") {
		return false
	}
	// Identifiers and environment-variable names (GITHUB_TOKEN_SECRET)
	// are all letters and separators; real secrets mix in digits or
	// symbols.
	hasDigitOrSym := false
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '-' || ch == '.') {
			hasDigitOrSym = true
			break
		}
	}
	if !hasDigitOrSym {
		return false
	}
	return entropy(v) >= 3.5
}

// placeholders are fragments of values that are documentation, not
// secrets.
var placeholders = []string{"xxxx", "****", "....", "example", "changeme", "change_me", "dummy", "test", "sample", "placeholder", "your", "redacted", "replace", "fake", "foobar", "secret123", "password123", "0000000000", "1234567890", "abcdef123456"}

func isPlaceholder(v string) bool {
	lv := strings.ToLower(v)
	if strings.HasPrefix(lv, "<") || strings.Contains(lv, "${") || strings.Contains(lv, "{{") || strings.Contains(lv, "%s") {
		return true
	}
	for _, p := range placeholders {
		if strings.Contains(lv, p) {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of s in bits per character, as gitleaks
// computes it.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func init() { scan.Register(New()) }
