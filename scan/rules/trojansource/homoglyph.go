package trojansource

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"glassbox.dev"
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

// forEachIdent calls fn for every identifier-shaped run in b, in order;
// the caller decides, from the lexer's spans, which runs are code.
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

// homoglyphs reports GB0802. An identifier deceives only when it
// collides: two distinct identifiers of the code that a reader cannot
// tell apart (the same skeleton, after Unicode TS #39: every letter
// replaced by the Latin letter it is drawn as), such as isАdmin beside
// isAdmin or Cyrillic рор beside pop. Only code counts: a word in a string
// literal, a regular expression or a comment is text — locale data for
// Cyrillic-script languages mixes in Latin letters ('нe_пo_вт', /^сe[й]/)
// and names nothing. A mixed-script identifier that collides with nothing
// in the file is reported low: it may impersonate a name of another file.
func (c *collector) homoglyphs(spans []span) {
	b := c.f.Content
	type seen struct {
		start, end int
		mixed      bool
	}
	skeletons := map[string]seen{} // skeleton -> first non-ASCII identifier with it
	reported := map[string]bool{}
	var lone []seen // mixed-script identifiers not (yet) found to collide
	k := 0
	forEachIdent(b, func(s, e int, ascii bool) {
		if ascii || spanAt(spans, &k, s) != code {
			return
		}
		word := string(b[s:e])
		if reported[word] {
			return
		}
		skel, mixed, named := skeleton(word)
		if !mixed && !named {
			return
		}
		if first, ok := skeletons[skel]; ok {
			if other := string(b[first.start:first.end]); other != word {
				reported[word], reported[other] = true, true
				c.add(RuleHomoglyph, s, e, "identifier “"+word+"” looks exactly like “"+other+"”, another identifier in this file, but is spelt with different letters"+scripts(word))
			}
			return
		}
		skeletons[skel] = seen{s, e, mixed}
		if mixed {
			lone = append(lone, seen{s, e, true})
		}
	})
	// A second pass finds whether any look-alike is spelt in ASCII too.
	if len(skeletons) > 0 {
		k = 0
		forEachIdent(b, func(s, e int, ascii bool) {
			if !ascii {
				return
			}
			id, ok := skeletons[string(b[s:e])]
			if !ok || spanAt(spans, &k, s) != code {
				return
			}
			delete(skeletons, string(b[s:e]))
			word := string(b[id.start:id.end])
			if reported[word] {
				return
			}
			reported[word] = true
			c.add(RuleHomoglyph, id.start, id.end, "identifier “"+word+"” looks exactly like “"+string(b[s:e])+"”, used elsewhere in this file, but is spelt with non-ASCII letters"+scripts(word))
		})
	}
	for _, id := range lone {
		word := string(b[id.start:id.end])
		if reported[word] {
			continue
		}
		reported[word] = true
		c.addSev(RuleHomoglyph, glassbox.SeverityLow, id.start, id.end, "identifier “"+word+"” mixes Latin with Cyrillic or Greek letters"+scripts(word)+"; no other identifier in this file looks the same, so it impersonates nothing here (it may elsewhere)")
	}
}

// skeleton returns the word as it is drawn — each Cyrillic, Greek or
// full-width letter that passes for a Latin one replaced by that letter —
// and what the word is: mixed (Latin with Cyrillic or with Latin-looking
// Greek, never notation), or named (written wholly in look-alike-capable
// letters and long enough to be worth impersonating with: one- and
// two-letter names are how scientific code writes α and ρ, next to a and
// p).
func skeleton(word string) (skel string, mixed, named bool) {
	latin, cyrillic, greek := false, false, false
	visiblyGreek := false // a Greek letter that does not look Latin
	thirdScript := false  // letters of yet another script: a data table, not a name
	sb := make([]byte, 0, len(word))
	runes := 0
	for _, r := range word {
		runes++
		switch {
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				latin = true
			}
			sb = append(sb, byte(r))
			continue
		case r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
			// Full-width Latin: drawn as the ASCII letter, only wider.
			sb = append(sb, byte(r-0xFF21+'A'))
			latin = true
			continue
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic = true
		case unicode.Is(unicode.Greek, r):
			greek = true
			if _, ok := confusables[r]; !ok {
				visiblyGreek = true
			}
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.IsLetter(r):
			thirdScript = true
		}
		if a, ok := confusables[r]; ok {
			sb = append(sb, a)
		} else {
			sb = utf8.AppendRune(sb, r)
		}
	}
	if len(word) > 128 || thirdScript {
		return string(sb), false, false
	}
	// Latin mixed with Cyrillic is never notation; Latin mixed with Greek
	// is maths (θi, Σ_n, μs) unless every Greek letter passes for a Latin
	// one.
	mixed = latin && (cyrillic || (greek && !visiblyGreek))
	named = !latin && (cyrillic || greek) && runes >= 3
	return string(sb), mixed, named
}

// scripts names the non-Latin letters of a word for the message.
func scripts(word string) string {
	var sb strings.Builder
	for _, r := range word {
		if r >= utf8.RuneSelf && (unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r) || r >= 0xFF21 && r <= 0xFF5A) {
			if sb.Len() > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(uplus(r))
			if sb.Len() > 60 {
				break
			}
		}
	}
	if sb.Len() == 0 {
		return ""
	}
	return " (" + sb.String() + ")"
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
