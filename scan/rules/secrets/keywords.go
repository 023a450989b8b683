package secrets

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// The keyword pass. gitleaks runs an Aho-Corasick automaton over the
// lower-cased file to decide which rules' regular expressions to run; this
// does the same job in one pass without lower-casing or allocating: every
// keyword's first four bytes, case-folded with |0x20, go into a small hash
// table, and each position of the file costs one 32-bit load, an OR, a
// multiply and a table probe. Only on a probe hit is the keyword compared
// and, for secret-sounding names, the assignment around it parsed by hand,
// so no regular expression ever runs.

// keyword is one string the pass looks for.
type keyword struct {
	text string     // as written; tokens match case-sensitively, names case-insensitively
	spec *tokenSpec // the token format, or nil for a secret-sounding name
}

// secretWords are the fragments of names that hold secrets (GB0503).
var secretWords = []string{"secret", "token", "passw", "apikey", "api_key", "api-key", "private", "credential", "auth"}

const gramBits = 12

var (
	keywords  []keyword
	gramTable [1 << gramBits][]int // hash of a folded 4-gram -> indices into keywords
)

func init() {
	for i := range tokenSpecs {
		keywords = append(keywords, keyword{text: tokenSpecs[i].prefix, spec: &tokenSpecs[i]})
	}
	for _, w := range secretWords {
		keywords = append(keywords, keyword{text: w})
	}
	for i, k := range keywords {
		h := gramHash(binary.LittleEndian.Uint32([]byte(k.text[:4])))
		gramTable[h] = append(gramTable[h], i)
	}
}

// gramHash folds ASCII letters to lower case (and maps a few punctuation
// characters onto others, which only costs a wasted comparison) and
// hashes the 4-gram to a table index.
func gramHash(v uint32) uint32 {
	return ((v | 0x20202020) * 0x9E3779B1) >> (32 - gramBits)
}

// keywords runs the pass and the checks its hits call for: GB0502 token
// formats and GB0503 assignments.
func (c *collector) keywords() {
	b := c.f.Content
	lastName := -1 // end of the last name parsed, so a name with two keywords is parsed once
	for i := 0; i+4 <= len(b); i++ {
		bucket := gramTable[gramHash(binary.LittleEndian.Uint32(b[i:]))]
		if bucket == nil {
			continue
		}
		for _, ki := range bucket {
			k := &keywords[ki]
			if k.spec != nil {
				if strings.HasPrefix(string(b[i:min(len(b), i+len(k.text))]), k.text) {
					c.token(k.spec, i)
				}
				continue
			}
			if i+len(k.text) <= len(b) && equalFold(b[i:i+len(k.text)], k.text) && i >= lastName {
				lastName = c.assignment(i, i+len(k.text))
			}
		}
	}
}

// equalFold compares ASCII case-insensitively against a lower-case word.
func equalFold(b []byte, lower string) bool {
	for j := 0; j < len(b); j++ {
		ch := b[j]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[j] {
			return false
		}
	}
	return true
}

// token checks a GB0502 candidate: the prefix at at, a body of the right
// characters and length, and word boundaries on both sides.
func (c *collector) token(s *tokenSpec, at int) {
	b := c.f.Content
	if at > 0 && alnumUnder[b[at-1]] {
		return // part of a longer word, e.g. "XAKIA…" or "my_ghp_"
	}
	i := at + len(s.prefix)
	k := i
	for k < len(b) && k-i < s.max && s.set[b[k]] {
		k++
	}
	if k-i < s.min || (k < len(b) && s.set[b[k]] && s.min == s.max) {
		return
	}
	tok := string(b[at:k])
	if isPlaceholder(tok[len(s.prefix):]) || strings.HasSuffix(tok, "EXAMPLE") {
		// AKIAIOSFODNN7EXAMPLE and friends are the providers'
		// documentation examples.
		return
	}
	msg := "a " + s.provider + " is committed"
	if s.prefix == "AKIA" && awsSecretNear(b, at, k) {
		msg = "an AWS access key ID and, next to it, what looks like its secret access key are committed"
	}
	c.add(RuleToken, at, k, msg, snippetLine(b, at, k, tok))
}

func nameChar(ch byte) bool {
	return alnumUnder[ch] || ch == '.' || ch == '-'
}

// unquotedLangs are the languages whose values may be written without
// quotes (.env files, YAML, shell assignments); in code an unquoted value
// is an expression, not a literal.
var unquotedLangs = map[string]bool{"": true, "yaml": true, "shell": true}

// assignment checks a GB0503 candidate: a secret word at [ws, we) inside a
// name that is assigned a literal (`name = "…"`, `name := "…"`,
// `name: "…"`, `"name": "…"`, `name => '…'`, `var name string = "…"`).
// It returns the end of the name, so the rest of it is not parsed again.
func (c *collector) assignment(ws, we int) int {
	b := c.f.Content
	ns, ne := ws, we
	for ns > 0 && nameChar(b[ns-1]) {
		ns--
	}
	for ne < len(b) && nameChar(b[ne]) {
		ne++
	}
	name := string(b[ns:ne])
	k := ne
	quoted := k < len(b) && (b[k] == '"' || b[k] == '\'')
	if quoted {
		k++
	}
	k = skipBlanks(b, k)
	op := operator(b, k)
	if op == 0 && !quoted {
		// Go and TypeScript put a type between name and value. (Not
		// after a quoted key, and "[" opens a type only as [] or [N]:
		// `"x/credentials" [label="…"]` in a Graphviz file is neither.)
		if k < len(b) && b[k] == '[' && (k+1 >= len(b) || b[k+1] != ']' && (b[k+1] < '0' || b[k+1] > '9')) {
			return ne
		}
		t := k
		for t < len(b) && (nameChar(b[t]) || b[t] == '[' || b[t] == ']' || b[t] == '*') {
			t++
		}
		if t == k || t-k > 32 {
			return ne
		}
		k = skipBlanks(b, t)
		if op = operator(b, k); op == 0 {
			return ne
		}
	}
	if op == 0 {
		return ne
	}
	k = skipBlanks(b, k+op)
	if k < len(b) && (b[k] == 'b' || b[k] == 'r' || b[k] == 'u') && k+1 < len(b) && (b[k+1] == '"' || b[k+1] == '\'') {
		k++ // Python's b"…", r"…", u"…"
	}
	var vs, ve int
	if k < len(b) && (b[k] == '"' || b[k] == '\'' || b[k] == '`') {
		q := b[k]
		vs = k + 1
		ve = vs
		for ve < len(b) && b[ve] != q {
			if ch := b[ve]; ch == '\n' || ch == ' ' || ch == '\t' || ch == '\\' || ve-vs > 256 {
				return ne
			}
			ve++
		}
		if ve >= len(b) {
			return ne
		}
		// A literal is a value only if it ends there: one followed by a
		// word or another quote is a piece of a larger expression
		// ('…"auth_bearer": '.json_encode($options['auth_bearer'])…).
		if e := ve + 1; e < len(b) && (alnumUnder[b[e]] || b[e] == '$' || b[e] == '"' || b[e] == '\'' || b[e] == '`') {
			return ne
		}
	} else if unquotedLangs[c.f.Lang] && startsLine(b, ns) {
		vs = k
		ve = vs
		for ve < len(b) && b[ve] != '\n' && b[ve] != '\r' && b[ve] != ' ' && b[ve] != '\t' && ve-vs <= 256 {
			ve++
		}
		if e := skipBlanks(b, ve); e < len(b) && b[e] != '\n' && b[e] != '\r' {
			return ne // more follows: an expression, not a value
		}
		if v := b[vs:ve]; strings.ContainsAny(string(v), "();{}[]") || bytes.HasSuffix(v, []byte(",")) {
			return ne // a statement or expression of code, not a value
		}
	} else {
		return ne
	}
	val := string(b[vs:ve])
	if c.isClaimed(vs, ve) || !secretName(strings.ToLower(name)) || !secretValue(val) || sharesWord(name, val) {
		return ne
	}
	c.add(RuleGeneric, vs, ve, "a high-entropy literal is assigned to "+quoteName(name), snippetLine(b, vs, ve, val))
	return ne
}

func skipBlanks(b []byte, k int) int {
	for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
		k++
	}
	return k
}

// operator returns the length of an assignment operator at b[k:]: 2 for
// := and =>, 1 for = and :, 0 for none (and for ==, ::, which compare
// and qualify rather than assign).
func operator(b []byte, k int) int {
	if k >= len(b) {
		return 0
	}
	next := byte(0)
	if k+1 < len(b) {
		next = b[k+1]
	}
	switch b[k] {
	case ':':
		if next == '=' {
			return 2
		}
		if next == ':' {
			return 0
		}
		return 1
	case '=':
		if next == '>' {
			return 2
		}
		if next == '=' {
			return 0
		}
		return 1
	}
	return 0
}

// startsLine reports whether only indentation, "export" or a YAML list
// dash precede b[at] on its line: the shape of a configuration entry, as
// opposed to an expression inside code or markup.
func startsLine(b []byte, at int) bool {
	ls := strings.LastIndexByte(string(b[max(0, at-128):at]), '\n') + 1 + max(0, at-128)
	pre := strings.TrimSpace(string(b[ls:at]))
	return pre == "" || pre == "export" || pre == "-"
}

// sharesWord reports whether a value and the name it is assigned to share
// a word of four letters or more: the value then names what the name
// does (consul's BuiltinExtAuthzExtension = "builtin/ext-authz",
// symfony's splitsh.json "password-hasher":
// "src/Symfony/Component/PasswordHasher"), where a secret shares nothing
// with its name. The value must be all words (a key such as
// "my-minio-key:OSMM+vkKU…" shares "minio" with MINIO_KMS_SECRET_KEY, and
// is a secret still).
func sharesWord(name, val string) bool {
	for _, run := range strings.FieldsFunc(val, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		if strings.ContainsAny(run, "0123456789") && (len(run) > 4 || strings.Trim(run, "0123456789") != "") {
			return false
		}
	}
	in := map[string]bool{}
	for _, w := range identWords(name) {
		if len(w) >= 4 {
			in[w] = true
		}
	}
	for _, w := range identWords(val) {
		if in[w] {
			return true
		}
	}
	return false
}

// identWords splits camelCase, snake_case, kebab-case and paths into
// lower-case words of letters.
func identWords(s string) []string {
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		upper, lower := ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z'
		if !upper && !lower {
			flush()
			continue
		}
		if upper && len(cur) > 0 {
			prev := s[i-1]
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			if prev >= 'a' && prev <= 'z' || prev >= 'A' && prev <= 'Z' && nextLower {
				flush()
			}
		}
		cur = append(cur, ch)
	}
	flush()
	return out
}
