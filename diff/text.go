package diff

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// isText reports whether b looks like text: UTF-8 without NUL bytes or
// many control characters in its first 8 KiB.
func isText(b []byte) bool {
	sample := b[:min(len(b), 8192)]
	if len(sample) == 0 {
		return true
	}
	ctl := 0
	for i := 0; i < len(sample); {
		r, n := utf8.DecodeRune(sample[i:])
		if r == utf8.RuneError && n <= 1 {
			if len(sample)-i < utf8.UTFMax && len(sample) < len(b) {
				break // a rune cut by the sample's end
			}
			return false
		}
		switch {
		case r == 0:
			return false
		case r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f':
			ctl++
		}
		i += n
	}
	return ctl*100 < len(sample)
}

const (
	maxHunks     = 5    // hunks reported per text file; the rest are counted
	maxEditLines = 4000 // edit distance past which the line diff gives up
	shownLines   = 3    // lines of each side quoted in a hunk's detail
)

// compareText compares two texts line by line (Myers' algorithm) and
// reports each changed hunk with its line numbers and the lines themselves.
// A hunk whose lines differ only in build paths or timestamps says so.
func (c *comparer) compareText(path []string, a, b []byte) {
	if int64(len(a)) > c.opts.MaxTextSize || int64(len(b)) > c.opts.MaxTextSize {
		c.compareBinary(path, a, b, KindData)
		return
	}
	la, lb := splitLines(a), splitLines(b)
	hunks, ok := lineDiff(la, lb, maxEditLines)
	if !ok {
		c.add(append(path, fmt.Sprintf("line %d", hunks[0].a0+1)), KindData,
			"texts differ from line %d on in more than %d lines (%d → %d lines)", hunks[0].a0+1, maxEditLines, len(la), len(lb))
		return
	}
	for i, h := range hunks {
		if i == maxHunks {
			c.add(path, KindData, "%d more changed hunks", len(hunks)-maxHunks)
			break
		}
		oldL, newL := la[h.a0:h.a1], lb[h.b0:h.b1]
		kind := KindData
		switch {
		case slices.Equal(normalise(oldL, buildPathRe, "<path>"), normalise(newL, buildPathRe, "<path>")):
			kind = KindBuildPath
		case slices.Equal(normalise(oldL, timeRe, "<time>"), normalise(newL, timeRe, "<time>")):
			kind = KindTimestamp
		}
		c.add(append(path, "line "+lineRange(h.a0, h.a1)), kind, "lines %s → %s: %s", lineRange(h.a0, h.a1), lineRange(h.b0, h.b1), quoteHunk(oldL, newL))
	}
}

func splitLines(b []byte) []string {
	s := string(b)
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func lineRange(i, j int) string {
	switch {
	case j <= i:
		return fmt.Sprintf("%d (none)", i)
	case j == i+1:
		return fmt.Sprintf("%d", i+1)
	}
	return fmt.Sprintf("%d–%d", i+1, j)
}

func quoteHunk(oldL, newL []string) string {
	var parts []string
	q := func(sign string, ls []string) {
		for i, l := range ls {
			if i == shownLines {
				parts = append(parts, fmt.Sprintf("%s… %d more", sign, len(ls)-shownLines))
				break
			}
			l = strings.TrimRight(l, "\r\n")
			if len(l) > 100 {
				l = l[:100] + "…"
			}
			parts = append(parts, sign+strconvQuote(l))
		}
	}
	q("-", oldL)
	q("+", newL)
	return strings.Join(parts, " ")
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

var (
	// buildPathRe matches absolute paths under the directories builds run
	// in; two builds in different directories differ only there.
	buildPathRe = regexp.MustCompile(`(?:/home/|/tmp/|/root/|/build/|/builds/|/Users/|/private/|/var/tmp/|/usr/src/|/workspace/|/nix/store/|/usr/local/go/|/usr/lib/go)[^\s"'<>:;,()\x00]*`)
	timeRe      = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\b\d{1,2}:\d{2}:\d{2}\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +\d{1,2}? ?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +\d{1,4}`)
)

func normalise(lines []string, re *regexp.Regexp, with string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = re.ReplaceAllString(l, with)
	}
	return out
}

// buildPathPrefixes start the absolute paths buildPathsDiffer looks for in
// binary data; see buildPathRe.
var buildPathPrefixes = [][]byte{
	[]byte("/home/"), []byte("/tmp/"), []byte("/root/"), []byte("/build/"), []byte("/builds/"),
	[]byte("/Users/"), []byte("/var/tmp/"), []byte("/usr/src/"), []byte("/workspace/"),
	[]byte("/nix/store/"), []byte("/usr/local/go/"), []byte("/usr/lib/go"),
}

// buildPathsDiffer finds the build-machine paths embedded in a and b and,
// when the two sets differ, describes a few of them; "" means the paths are
// the same (or there are none), so they do not explain the difference.
func buildPathsDiffer(a, b []byte) string {
	pa, pb := embeddedPaths(a), embeddedPaths(b)
	var onlyA, onlyB []string
	for p := range pa {
		if !pb[p] {
			onlyA = append(onlyA, p)
		}
	}
	for p := range pb {
		if !pa[p] {
			onlyB = append(onlyB, p)
		}
	}
	if len(onlyA)+len(onlyB) == 0 {
		return ""
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	show := func(ps []string) string {
		if len(ps) == 0 {
			return "none"
		}
		s := fmt.Sprintf("%q", ps[0])
		if len(ps) > 1 {
			s += fmt.Sprintf(" and %d more", len(ps)-1)
		}
		return s
	}
	return fmt.Sprintf("only in A %s, only in B %s", show(onlyA), show(onlyB))
}

func embeddedPaths(b []byte) map[string]bool {
	const maxPaths = 100_000
	paths := map[string]bool{}
	for _, p := range buildPathPrefixes {
		for off := 0; off < len(b) && len(paths) < maxPaths; {
			i := bytes.Index(b[off:], p)
			if i < 0 {
				break
			}
			start := off + i
			// Only a path that starts a string: after a non-path byte.
			end := start + len(p)
			for end < len(b) && end-start < 4096 && isPathByte(b[end]) {
				end++
			}
			if start == 0 || !isPathByte(b[start-1]) {
				paths[string(b[start:end])] = true
			}
			off = end
		}
	}
	return paths
}

func isPathByte(x byte) bool {
	return x > ' ' && x < 0x7f && !strings.ContainsRune(`"'<>:;,()`, rune(x))
}

// hunk is a changed region: lines a0..a1 of A became lines b0..b1 of B.
type hunk struct{ a0, a1, b0, b1 int }

// lineDiff returns the changed hunks between two line lists with Myers'
// O((N+M)D) algorithm, after trimming the common prefix and suffix. When
// more than maxD lines change it returns false and one hunk covering
// everything after the common prefix.
func lineDiff(a, b []string, maxD int) ([]hunk, bool) {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	// Intern lines so the inner loop compares ints.
	ids := map[string]int{}
	intern := func(ls []string) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	x, y := intern(a[pre:len(a)-suf]), intern(b[pre:len(b)-suf])
	n, m := len(x), len(y)
	whole := []hunk{{pre, len(a) - suf, pre, len(b) - suf}}
	if n == 0 || m == 0 {
		return whole, true
	}
	// Forward pass, keeping each round's frontier for the walk back.
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	found := -1
	for d := 0; d <= n+m && d <= maxD && found < 0; d++ {
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1]
			} else {
				i = v[off+k-1] + 1
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i++
				j++
			}
			v[off+k] = i
			if i >= n && j >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return whole, false
	}
	// Walk back from (n, m), collecting changed lines as hunks.
	var hs []hunk
	mark := func(i0, j0, i1, j1 int) {
		// Extend the last hunk (we walk backwards) when it touches.
		if len(hs) > 0 && hs[len(hs)-1].a0 == i1 && hs[len(hs)-1].b0 == j1 {
			hs[len(hs)-1].a0, hs[len(hs)-1].b0 = i0, j0
			return
		}
		hs = append(hs, hunk{i0, i1, j0, j1})
	}
	i, j := n, m
	for d := found; d > 0; d-- {
		t := trace[d] // the frontier before round d
		get := func(k int) int { return t[k+d+1] }
		k := i - j
		var pk int
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		pi := get(pk)
		pj := pi - pk
		if pk == k+1 { // y[pj] was inserted before x[pi]
			mark(pi, pj, pi, pj+1)
		} else { // x[pi] was deleted
			mark(pi, pj, pi+1, pj)
		}
		i, j = pi, pj
	}
	slices.Reverse(hs)
	for k := range hs {
		hs[k].a0 += pre
		hs[k].a1 += pre
		hs[k].b0 += pre
		hs[k].b1 += pre
	}
	return hs, true
}

// Hunk is a changed region of a text: lines [A0, A1) of the old text became
// lines [B0, B1) of the new one (0-based; an empty range is an insertion
// or a deletion).
type Hunk struct{ A0, A1, B0, B1 int }

// Lines splits a and b into lines and returns the changed hunks between
// them (Myers' algorithm). When more than maxD lines change, ok is false and
// there is one hunk covering everything after the common prefix and before
// the common suffix.
func Lines(a, b []byte, maxD int) (hs []Hunk, la, lb []string, ok bool) {
	la, lb = splitLines(a), splitLines(b)
	raw, ok := lineDiff(la, lb, maxD)
	for _, h := range raw {
		hs = append(hs, Hunk{h.a0, h.a1, h.b0, h.b1})
	}
	return hs, la, lb, ok
}
