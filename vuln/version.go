package vuln

import (
	"fmt"
	"strings"
)

// An ordering reads the versions of one ecosystem into keys that compare
// as that ecosystem orders them.
type ordering interface {
	parse(v string) (key, error)
}

// A key is a parsed version; cmp is negative, zero or positive as the
// receiver sorts before, with or after other, which has the same ordering.
type key interface {
	cmp(other key) int
}

// orderingFor returns the ordering of a range, or nil when glassbox does
// not know the ecosystem's (its records are then matched by their versions
// lists only, as the OSV schema allows).
func orderingFor(rangeType, ecosystem string) ordering {
	if rangeType == RangeSemver {
		if baseEcosystem(ecosystem) == "Go" {
			return goOrdering{}
		}
		return semverOrdering{}
	}
	if rangeType != RangeEcosystem {
		return nil
	}
	switch baseEcosystem(ecosystem) {
	case "Go":
		return goOrdering{}
	case "npm", "crates.io", "Hex", "Pub", "SwiftURL":
		return semverOrdering{}
	case "PyPI":
		return pep440Ordering{}
	case "Maven":
		return mavenOrdering{}
	}
	return nil
}

// baseEcosystem drops the ":suffix" some ecosystems carry ("Debian:12").
func baseEcosystem(e string) string {
	if i := strings.IndexByte(e, ':'); i >= 0 {
		return e[:i]
	}
	return e
}

// Compare orders two versions of ecosystem as OSV's ECOSYSTEM ranges do
// (Go, npm, crates.io: semantic versioning; PyPI: PEP 440; Maven: Maven's
// ComparableVersion). It fails for an ecosystem glassbox cannot order or
// a version the ordering cannot read.
func Compare(ecosystem, a, b string) (int, error) {
	o := orderingFor(RangeEcosystem, ecosystem)
	if o == nil {
		return 0, fmt.Errorf("no version ordering for ecosystem %q", ecosystem)
	}
	ka, err := o.parse(a)
	if err != nil {
		return 0, err
	}
	kb, err := o.parse(b)
	if err != nil {
		return 0, err
	}
	return ka.cmp(kb), nil
}

// cmpNum compares two strings of ASCII digits as numbers of any size.
func cmpNum(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// semverOrdering is Semantic Versioning 2.0.0 precedence. A leading "v"
// is accepted, since some ecosystems' tooling writes it.
type semverOrdering struct{}

type semverKey struct {
	major, minor, patch string
	pre                 []string // nil for a release
}

func (semverOrdering) parse(v string) (key, error) { return parseSemver(v) }

func parseSemver(v string) (semverKey, error) {
	s := strings.TrimPrefix(v, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return semverKey{}, fmt.Errorf("version %q: bad build metadata", v)
		}
		s = s[:i]
	}
	var k semverKey
	if i := strings.IndexByte(s, '-'); i >= 0 {
		if !validIdents(s[i+1:], true) {
			return semverKey{}, fmt.Errorf("version %q: bad pre-release", v)
		}
		k.pre = strings.Split(s[i+1:], ".")
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return semverKey{}, fmt.Errorf("version %q is not semantic (want MAJOR.MINOR.PATCH)", v)
	}
	for _, p := range parts {
		if !isDigits(p) || (len(p) > 1 && p[0] == '0') {
			return semverKey{}, fmt.Errorf("version %q is not semantic (%q is not a number without leading zeros)", v, p)
		}
	}
	k.major, k.minor, k.patch = parts[0], parts[1], parts[2]
	return k, nil
}

func validIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
		if pre && len(id) > 1 && id[0] == '0' && isDigits(id) {
			return false
		}
	}
	return true
}

func (a semverKey) cmp(o key) int {
	b := o.(semverKey)
	if c := cmpNum(a.major, b.major); c != 0 {
		return c
	}
	if c := cmpNum(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmpNum(a.patch, b.patch); c != 0 {
		return c
	}
	switch {
	case a.pre == nil && b.pre == nil:
		return 0
	case a.pre == nil:
		return 1
	case b.pre == nil:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, y := a.pre[i], b.pre[i]
		xn, yn := isDigits(x), isDigits(y)
		var c int
		switch {
		case xn && yn:
			c = cmpNum(x, y)
		case xn:
			c = -1
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a.pre), len(b.pre))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// goOrdering is semantic versioning as the Go module system writes it:
// module versions carry a leading "v" that OSV records omit,
// pseudo-versions are pre-releases, and the standard library and
// toolchain use Go release names (go1.21.3, go1.22rc1), mapped to semantic
// versions as the Go vulnerability database does (1.21.3, 1.22.0-rc.1).
type goOrdering struct{}

func (goOrdering) parse(v string) (key, error) {
	if strings.HasPrefix(v, "go") {
		s, err := goToSemver(v)
		if err != nil {
			return nil, err
		}
		v = s
	}
	return parseSemver(v)
}

// goToSemver maps a Go release name to a semantic version.
func goToSemver(v string) (string, error) {
	s := strings.TrimPrefix(v, "go")
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(s, tag); i > 0 {
			n := s[i+len(tag):]
			if !isDigits(n) {
				return "", fmt.Errorf("Go version %q: bad %s number", v, tag)
			}
			pre = "-" + tag + "." + strings.TrimLeft(n, "0")
			if strings.TrimLeft(n, "0") == "" {
				pre = "-" + tag + ".0"
			}
			s = s[:i]
			break
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return "", fmt.Errorf("Go version %q has too many parts", v)
	}
	for _, p := range parts {
		if !isDigits(p) {
			return "", fmt.Errorf("Go version %q is not goMAJOR.MINOR[.PATCH]", v)
		}
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return strings.Join(parts, ".") + pre, nil
}
