package vuln

import (
	"fmt"
	"strings"
)

// mavenOrdering is Maven's version ordering, as its ComparableVersion
// defines it: items split at '.', '-' and digit/letter transitions; '-'
// and transitions open a sub-list; trailing "null" items (0, "", final,
// ga, release) are dropped; qualifiers order alpha < beta < milestone <
// rc < snapshot < release < sp < anything else (alphabetically).
type mavenOrdering struct{}

// mavenItem is one item: a number, a qualifier, or a sub-list.
type mavenItem struct {
	kind int // mavenInt, mavenString, mavenList
	s    string
	list []mavenItem
}

const (
	mavenInt = iota
	mavenString
	mavenList
)

type mavenKey struct{ items []mavenItem }

func (mavenOrdering) parse(v string) (key, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return nil, fmt.Errorf("empty Maven version")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return nil, fmt.Errorf("Maven version %q has a control character", v)
		}
	}
	return mavenKey{items: parseMaven(v)}, nil
}

func parseMaven(v string) []mavenItem {
	// Once a sub-list is opened, every later item goes into it, so list
	// always points at the last element of its parent, which never grows
	// again: the pointer stays valid.
	root := &mavenItem{kind: mavenList}
	list := root
	start, isDigit := 0, false
	sub := func() {
		list.list = append(list.list, mavenItem{kind: mavenList})
		list = &list.list[len(list.list)-1]
	}
	add := func(s string, digit, followedByDigit bool) {
		if digit {
			list.list = append(list.list, mavenItem{kind: mavenInt, s: strings.TrimLeft(s, "0")})
		} else {
			// A qualifier after '.' is treated as after '-' (1.0.0.X1 <
			// 1.0.0-X2), as Maven 3.9 does: it opens a sub-list unless it
			// already starts one.
			if len(list.list) > 0 {
				sub()
			}
			list.list = append(list.list, stringItem(s, followedByDigit))
		}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.':
			if i == start {
				list.list = append(list.list, mavenItem{kind: mavenInt})
			} else {
				add(v[start:i], isDigit, false)
			}
			start = i + 1
		case c == '-':
			if i == start {
				list.list = append(list.list, mavenItem{kind: mavenInt})
			} else {
				add(v[start:i], isDigit, false)
			}
			start = i + 1
			sub()
		case c >= '0' && c <= '9':
			if !isDigit && i > start {
				add(v[start:i], false, true)
				start = i
				sub()
			}
			isDigit = true
		default:
			if isDigit && i > start {
				add(v[start:i], true, false)
				start = i
				sub()
			}
			isDigit = false
		}
	}
	if len(v) > start {
		add(v[start:], isDigit, false)
	}
	return normalizeMaven(root.list)
}

func stringItem(s string, followedByDigit bool) mavenItem {
	// Single letters before a number are aliases (1a1 is 1-alpha-1).
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "cr":
		s = "rc"
	case "final", "ga", "release":
		s = ""
	}
	return mavenItem{kind: mavenString, s: s}
}

// normalizeMaven drops null items from the end of each list, looking past
// sub-lists as ComparableVersion does (1.0-alpha is 1-alpha), innermost
// lists first.
func normalizeMaven(items []mavenItem) []mavenItem {
	for i := range items {
		if items[i].kind == mavenList {
			items[i].list = normalizeMaven(items[i].list)
		}
	}
	for i := len(items) - 1; i >= 0; i-- {
		if isNullMaven(items[i]) {
			items = append(items[:i], items[i+1:]...)
		} else if items[i].kind != mavenList {
			break
		}
	}
	return items
}

func isNullMaven(it mavenItem) bool {
	switch it.kind {
	case mavenInt:
		return it.s == ""
	case mavenString:
		return it.s == ""
	}
	return len(it.list) == 0
}

// qualifierRank orders the well-known qualifiers; others come after "sp".
func qualifierRank(s string) (int, string) {
	switch s {
	case "alpha":
		return 0, ""
	case "beta":
		return 1, ""
	case "milestone":
		return 2, ""
	case "rc":
		return 3, ""
	case "snapshot":
		return 4, ""
	case "":
		return 5, ""
	case "sp":
		return 6, ""
	}
	return 7, s
}

// cmpMaven compares an item with another; b nil stands for a missing item.
func cmpMaven(a mavenItem, b *mavenItem) int {
	switch a.kind {
	case mavenInt:
		if b == nil {
			if a.s == "" {
				return 0
			}
			return 1
		}
		switch b.kind {
		case mavenInt:
			return cmpNum(a.s, b.s)
		default:
			return 1
		}
	case mavenString:
		if b == nil {
			return cmpQualifier(a.s, "")
		}
		switch b.kind {
		case mavenInt, mavenList:
			return -1
		default:
			return cmpQualifier(a.s, b.s)
		}
	}
	// a is a list.
	if b == nil {
		if len(a.list) == 0 {
			return 0
		}
		return cmpMaven(a.list[0], nil)
	}
	switch b.kind {
	case mavenInt:
		return -1
	case mavenString:
		return 1
	}
	return cmpMavenLists(a.list, b.list)
}

func cmpQualifier(a, b string) int {
	ra, sa := qualifierRank(a)
	rb, sb := qualifierRank(b)
	if c := cmpInt(ra, rb); c != 0 {
		return c
	}
	return strings.Compare(sa, sb)
}

func cmpMavenLists(a, b []mavenItem) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var c int
		switch {
		case i >= len(a):
			c = -cmpMaven(b[i], nil)
		case i >= len(b):
			c = cmpMaven(a[i], nil)
		default:
			c = cmpMaven(a[i], &b[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (a mavenKey) cmp(o key) int { return cmpMavenLists(a.items, o.(mavenKey).items) }
