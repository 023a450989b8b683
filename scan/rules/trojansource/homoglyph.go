package trojansource

import (
	"unicode"
	"unicode/utf8"
)

// confusables maps Cyrillic and Greek letters to the Latin letters they
// are drawn identically to in common programming fonts: the subset of
// Unicode's confusables.txt that matters for identifiers.
var confusables = map[rune]byte{
	// Cyrillic lower case.
	'а': 'a', 'в': 'b', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j',
	'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ո': 'n', 'ӏ': 'l', 'к': 'k',
	// Cyrillic upper case.
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'Х': 'X', 'У': 'Y', 'І': 'I', 'Ј': 'J', 'Ѕ': 'S', 'Ԁ': 'D', 'Һ': 'H', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ү': 'Y',
	// Greek. Only the letters drawn as Latin ones: κ, α, ρ, τ and the rest
	// of the alphabet are visibly Greek and are how mathematicians name
	// things (p10κ, ρx), so they do not impersonate.
	'ο': 'o', 'ν': 'v',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// ident is one identifier-shaped token: a run of letters, digits, _ and $.
type ident struct {
	start, end int
}

// forEachIdent calls fn for every identifier-shaped run in b. It does not
// know about strings or comments: a mixed-script word in a comment is as
// deceptive there as in code, and a pure-ASCII word is never reported.
func forEachIdent(b []byte, fn func(start, end int, ascii bool)) {
	start, ascii := -1, true
	for i := 0; i < len(b); {
		r, n := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(b[i:])
		}
		word := r == '_' || r == '$' || (r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')) ||
			(r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)))
		if word {
			if start < 0 {
				start, ascii = i, true
			}
			if n > 1 {
				ascii = false
			}
		} else if start >= 0 {
			fn(start, i, ascii)
			start = -1
		}
		i += n
	}
	if start >= 0 {
		fn(start, len(b), ascii)
	}
}

// homoglyphs reports GB0802: identifiers mixing Latin with Cyrillic or
// Greek, and non-ASCII identifiers whose look-alike ASCII spelling is an
// identifier elsewhere in the file.
func (c *collector) homoglyphs() {
	b := c.f.Content
	reported := map[string]bool{}
	skeletons := map[string]ident{} // ASCII look-alike -> first identifier spelt so
	forEachIdent(b, func(s, e int, ascii bool) {
		if ascii {
			return
		}
		s = skipEscape(b, s, e)
		if s >= e {
			return
		}
		word := string(b[s:e])
		if reported[word] {
			return
		}
		latin, cyrillic, greek, other := false, false, false, false
		visiblyGreek := false // a Greek letter that does not look Latin
		thirdScript := false  // letters of yet another script: a data table, not a name
		skel := make([]byte, 0, len(word))
		for _, r := range word {
			switch {
			case r < utf8.RuneSelf:
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					latin = true
				}
				skel = append(skel, byte(r))
			case unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r):
				greekLetter := unicode.Is(unicode.Greek, r)
				if greekLetter {
					greek = true
				} else {
					cyrillic = true
				}
				if a, ok := confusables[r]; ok {
					skel = append(skel, a)
				} else {
					other = true
					visiblyGreek = visiblyGreek || greekLetter
				}
			case unicode.Is(unicode.Latin, r):
				latin = true
				other = true
			default:
				other = true
				if unicode.IsLetter(r) {
					thirdScript = true
				}
			}
		}
		cyrGreek := cyrillic || greek
		// Latin mixed with Cyrillic is never notation; Latin mixed with
		// Greek is maths (θi, Σ_n, μs) unless every Greek letter passes
		// for a Latin one.
		if latin && (cyrillic || (greek && !visiblyGreek)) && !thirdScript && len(word) <= 128 {
			reported[word] = true
			c.add(RuleHomoglyph, s, e, "identifier “"+word+"” mixes Latin with Cyrillic or Greek letters"+lookalike(skel, other))
			return
		}
		// One- and two-letter names are how scientific code writes α and
		// ρ, next to a and p; an impersonation needs a name worth taking.
		if cyrGreek && !other && utf8.RuneCountInString(word) >= 3 {
			if _, ok := skeletons[string(skel)]; !ok {
				skeletons[string(skel)] = ident{s, e}
			}
		}
	})
	if len(skeletons) == 0 {
		return
	}
	// A second pass finds whether any look-alike is spelt in ASCII too.
	forEachIdent(b, func(s, e int, ascii bool) {
		if !ascii {
			return
		}
		id, ok := skeletons[string(b[s:e])]
		if !ok {
			return
		}
		delete(skeletons, string(b[s:e]))
		word := string(b[id.start:id.end])
		c.add(RuleHomoglyph, id.start, id.end, "identifier “"+word+"” is spelt with non-ASCII letters but looks exactly like “"+string(b[s:e])+"”, used elsewhere in the file")
	})
}

func lookalike(skel []byte, other bool) string {
	if other {
		return ""
	}
	return " and looks exactly like “" + string(skel) + "”"
}

// skipEscape moves the start of a word past a string escape it begins
// with: in "\x02д" or "\nПривет" the Latin x02 or n belongs to the escape,
// not to the Cyrillic word.
func skipEscape(b []byte, s, e int) int {
	if s == 0 || b[s-1] != '\\' {
		return s
	}
	n := 1
	switch b[s] {
	case 'x':
		n = 3
	case 'u':
		n = 5
	case 'U':
		n = 9
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n = 1
		for n < 3 && s+n < e && b[s+n] >= '0' && b[s+n] <= '7' {
			n++
		}
	}
	return min(s+n, e)
}
