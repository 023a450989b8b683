package vuln

import (
	"fmt"
	"regexp"
	"strings"
)

// pep440Ordering is the version ordering of Python packages (PEP 440):
// epoch, release (trailing zeros ignored), then dev < pre-releases
// (a < b < rc) < the release < post-releases, then local versions.
type pep440Ordering struct{}

// pep440Pattern is PEP 440's own regular expression (Appendix B), which
// also accepts the spellings pip normalises (alpha, c, pre, rev, "-1").
var pep440Pattern = regexp.MustCompile(`^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)` +
	`([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` +
	`((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?` +
	`([-_.]?(dev)[-_.]?([0-9]+)?)?)` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

type pep440Key struct {
	epoch   string
	release []string
	// pre is the pre-release phase: 0 a, 1 b, 2 rc; preN its number.
	// hasPre false with dev-only versions sorts them before any pre-release.
	hasPre bool
	pre    int
	preN   string
	// post is -1 without a post-release.
	hasPost bool
	postN   string
	hasDev  bool
	devN    string
	local   []string
}

func (pep440Ordering) parse(v string) (key, error) {
	m := pep440Pattern.FindStringSubmatch(strings.ToLower(v))
	if m == nil {
		return nil, fmt.Errorf("version %q is not a PEP 440 version", v)
	}
	k := pep440Key{epoch: m[1], release: strings.Split(m[2], ".")}
	if k.epoch == "" {
		k.epoch = "0"
	}
	// Trailing zeros do not count: 1.0 == 1.0.0.
	for len(k.release) > 1 && strings.TrimLeft(k.release[len(k.release)-1], "0") == "" {
		k.release = k.release[:len(k.release)-1]
	}
	if m[3] != "" {
		k.hasPre = true
		switch m[4] {
		case "a", "alpha":
			k.pre = 0
		case "b", "beta":
			k.pre = 1
		default: // c, rc, pre, preview
			k.pre = 2
		}
		k.preN = orZero(m[5])
	}
	if m[6] != "" {
		k.hasPost = true
		k.postN = orZero(m[7] + m[9])
	}
	if m[10] != "" {
		k.hasDev = true
		k.devN = orZero(m[12])
	}
	if m[13] != "" {
		k.local = strings.FieldsFunc(m[13], func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	return k, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// preRank places the pre-release part: a dev release of a final version
// (1.0.dev1) sorts before its pre-releases, a final version after them.
func (k pep440Key) preRank() (int, int, string) {
	switch {
	case !k.hasPre && !k.hasPost && k.hasDev:
		return -1, 0, "0"
	case !k.hasPre:
		return 1, 0, "0"
	}
	return 0, k.pre, k.preN
}

func (a pep440Key) cmp(o key) int {
	b := o.(pep440Key)
	if c := cmpNum(a.epoch, b.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(a.release) || i < len(b.release); i++ {
		x, y := "0", "0"
		if i < len(a.release) {
			x = a.release[i]
		}
		if i < len(b.release) {
			y = b.release[i]
		}
		if c := cmpNum(x, y); c != 0 {
			return c
		}
	}
	ar, ap, an := a.preRank()
	br, bp, bn := b.preRank()
	if c := cmpInt(ar, br); c != 0 {
		return c
	}
	if c := cmpInt(ap, bp); c != 0 {
		return c
	}
	if c := cmpNum(an, bn); c != 0 {
		return c
	}
	// No post-release sorts before any post-release.
	if a.hasPost != b.hasPost {
		if a.hasPost {
			return 1
		}
		return -1
	}
	if c := cmpNum(orZero(a.postN), orZero(b.postN)); c != 0 {
		return c
	}
	// No dev release sorts after any dev release.
	if a.hasDev != b.hasDev {
		if a.hasDev {
			return -1
		}
		return 1
	}
	if c := cmpNum(orZero(a.devN), orZero(b.devN)); c != 0 {
		return c
	}
	// Local versions sort after the same public version; segments compare
	// numerically when both are numbers, numbers after strings.
	for i := 0; i < len(a.local) && i < len(b.local); i++ {
		x, y := a.local[i], b.local[i]
		xn, yn := isDigits(x), isDigits(y)
		var c int
		switch {
		case xn && yn:
			c = cmpNum(x, y)
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a.local), len(b.local))
}
