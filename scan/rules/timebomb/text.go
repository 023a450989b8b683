package timebomb

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"glassbox.dev"
)

// The text patterns. nowPat is an expression for the current time in C,
// PHP, JavaScript, Java or Python; identPat a variable that may hold it;
// datePat a literal instant.
const (
	nowPat = `\btime\s*\(\s*(?:NULL|0|nullptr|\(\s*time_t\s*\*\s*\)\s*0)?\s*\)` +
		`|\bDate\.now\(\)|\bnew\s+Date\(\s*\)(?:\s*\.\s*(?:getTime|valueOf)\(\))?` +
		`|\bSystem\.currentTimeMillis\(\)|\bInstant\.now\(\)(?:\s*\.\s*(?:getEpochSecond|toEpochMilli)\(\))?` +
		`|\b(?:int\()?time\.time\(\)\)?|\b(?:datetime\.)?datetime\.(?:now|utcnow|today)\([^()\n]*\)|\bdate\.today\(\)` +
		`|\b(?:LocalDate|LocalDateTime|ZonedDateTime|OffsetDateTime)\.now\([^()\n]*\)`
	identPat = `[A-Za-z_$][\w$]*`
	numPat   = `\d[\d_]{9,16}[lL]?`
	datePat  = `\b(?:[A-Za-z_]\w*\.)*datetime\(\s*\d{4}\s*,[^()\n]*\)|\b(?:[A-Za-z_]\w*\.)*date\(\s*\d{4}\s*,[^()\n]*\)` +
		`|\bnew\s+Date\(\s*(?:["']\d{4}[^"'\n]*["']|\d{4}\s*,[^()\n]*|\d{12,13})\s*\)` +
		`|\b(?:LocalDate|LocalDateTime)\.of\(\s*\d{4}[^()\n]*\)|\bInstant\.parse\(\s*"\d{4}[^"\n]*"\s*\)` +
		`|\bDate\.(?:parse|UTC)\(\s*(?:["']\d{4}[^"'\n]*["']|\d{4}[^()\n]*)\)|\bstrtotime\(\s*["']\d{4}[^"'\n]*["']\s*\)` +
		`|\bmktime\([^()\n]*\b20\d\d\s*\)`
	cmpOp = `(?:<=?|>=?|[!=]==?)`
)

var (
	nowRe = regexp.MustCompile(`^(?:` + nowPat + `)$`)
	// Variables assigned the current time or a literal instant.
	nowAssignRe  = regexp.MustCompile(`(` + identPat + `)\s*=\s*(?:` + nowPat + `)`)
	dateAssignRe = regexp.MustCompile(`(` + identPat + `)\s*=\s*(?:` + datePat + `|` + numPat + `)\s*[;\n,)]`)
	// now OP instant, instant OP now.
	fwdRe = regexp.MustCompile(`(` + nowPat + `|` + identPat + `)\s*` + cmpOp + `\s*(` + datePat + `|` + numPat + `|` + identPat + `)`)
	revRe = regexp.MustCompile(`(` + datePat + `|` + numPat + `|` + identPat + `)\s*` + cmpOp + `\s*(` + nowPat + `|` + identPat + `)`)
	// now.isAfter(instant), now.after(instant), now.compareTo(instant).
	methodRe = regexp.MustCompile(`(` + nowPat + `|` + identPat + `)\s*\.\s*(?:isAfter|isBefore|after|before|compareTo|isEqual)\s*\(\s*(` + datePat + `|` + identPat + `)\s*\)`)
	// Year fields: tm->tm_year > 125, t.tm_year + 1900 >= 2025,
	// now.getFullYear() >= 2025, now.year == 2025, date('Y') >= 2025.
	tmYearRe   = regexp.MustCompile(`\b(?:` + identPat + `\s*(?:->|\.)\s*)?tm_year\s*(\+\s*1900\s*)?` + cmpOp + `\s*(\d{2,4})\b`)
	yearRe     = regexp.MustCompile(`(` + nowPat + `|` + identPat + `)\s*\.\s*(?:getFullYear\(\)|getUTCFullYear\(\)|year\b|getYear\(\))\s*` + cmpOp + `\s*(\d{4})\b`)
	phpYearRe  = regexp.MustCompile(`\bdate\(\s*['"]Y['"]\s*\)\s*` + cmpOp + `\s*['"]?(\d{4})\b`)
	javaYearRe = regexp.MustCompile(`\.get\(\s*(?:java\.util\.)?Calendar\.YEAR\s*\)\s*` + cmpOp + `\s*(\d{4})\b`)
	dateLitRe  = regexp.MustCompile(`^(?:` + datePat + `)$`)
)

// nowKeywords are fragments every current-time expression contains.
var nowKeywords = []string{"time(", "time.time", "Date", "Millis", "now", "Now", "today"}

// text reports GB0401 outside Go. Each pattern runs only on the lines a
// keyword test selects, so large generated files stay cheap.
func (c *collector) text(code []byte) {
	type line struct {
		start int
		text  []byte
	}
	var lines []line
	eachLine(code, func(ls int, l []byte) { lines = append(lines, line{ls, l}) })
	each := func(re *regexp.Regexp, keep func([]byte) bool, fn func(m []int)) {
		for _, l := range lines {
			if !keep(l.text) {
				continue
			}
			for _, m := range re.FindAllSubmatchIndex(l.text, -1) {
				fn(shift(m, l.start))
			}
		}
	}
	hasNow := func(l []byte) bool { return containsAny(l, nowKeywords...) }
	// Where each variable is assigned the current time or an instant.
	nowVars, dateVars := map[string][]int{}, map[string][]int{}
	each(nowAssignRe, hasNow, func(m []int) {
		v := string(code[m[2]:m[3]])
		nowVars[v] = append(nowVars[v], m[0])
	})
	each(dateAssignRe, func(l []byte) bool {
		return containsAny(l, "Date", "date", "Instant", "strtotime", "mktime") || longNumber(l)
	}, func(m []int) {
		if v := string(code[m[2]:m[3]]); nowVars[v] == nil && instantAssigned(code[m[3]:m[1]]) {
			dateVars[v] = append(dateVars[v], m[0])
		}
	})
	var varNames []string
	for v := range nowVars {
		varNames = append(varNames, v)
	}
	// A comparison needs the current time on its line, as an expression
	// or a variable holding it.
	hasNowOrVar := func(l []byte) bool { return hasNow(l) || containsAny(l, varNames...) }
	isNow := func(s string, at int) bool { return nowRe.MatchString(s) || bound(nowVars[s], s, at) }
	isDate := func(s string, at int) bool {
		if bound(dateVars[s], s, at) || dateLitRe.MatchString(s) {
			return true
		}
		return timestamp(s)
	}
	pair := func(re *regexp.Regexp, nowGroup, dateGroup int) {
		each(re, hasNowOrVar, func(m []int) {
			now, date := string(code[m[2*nowGroup]:m[2*nowGroup+1]]), string(code[m[2*dateGroup]:m[2*dateGroup+1]])
			if isNow(now, m[0]) && isDate(date, m[0]) {
				// Which side of the instant the guarded code runs on.
				op := ""
				if re != methodRe {
					lo, hi := m[2*nowGroup+1], m[2*dateGroup]
					if dateGroup < nowGroup {
						lo, hi = m[2*dateGroup+1], m[2*nowGroup]
					}
					op = strings.TrimSpace(string(code[lo:hi]))
				}
				before := nowGroup < dateGroup && (op == "<" || op == "<=") || dateGroup < nowGroup && (op == ">" || op == ">=")
				c.gateSide(code, m[0], m[1], before, "the current time "+now+" is compared with the literal instant "+shorten(date))
			}
		})
	}
	pair(fwdRe, 1, 2)
	pair(revRe, 2, 1)
	pair(methodRe, 1, 2)
	each(tmYearRe, func(l []byte) bool { return bytes.Contains(l, []byte("tm_year")) }, func(m []int) {
		v, _ := strconv.Atoi(string(code[m[4]:m[5]]))
		// tm_year counts from 1900: 125 is 2025.
		if m[2] < 0 && v >= 100 && v <= 300 || m[2] >= 0 && v >= 2000 && v <= 2200 {
			c.gate(code, m[0], m[1], "the current year (tm_year) is compared with the literal "+string(code[m[4]:m[5]]))
		}
	})
	each(yearRe, func(l []byte) bool { return containsAny(l, "ear") && hasNowOrVar(l) }, func(m []int) {
		if isNow(string(code[m[2]:m[3]]), m[0]) && year(code[m[4]:m[5]]) {
			c.gate(code, m[0], m[1], "the current year is compared with the literal "+string(code[m[4]:m[5]]))
		}
	})
	for _, re := range []*regexp.Regexp{phpYearRe, javaYearRe} {
		each(re, func(l []byte) bool { return containsAny(l, "date(", "YEAR") }, func(m []int) {
			if year(code[m[2]:m[3]]) {
				c.gate(code, m[0], m[1], "the current year is compared with the literal "+string(code[m[2]:m[3]]))
			}
		})
	}
}

// minifiedReach is how far before a comparison the assignment of a short
// variable may be. Minified code names every local e, t or ott and reuses
// the names in every function: an "e=Date.now()" in one function says
// nothing of the e compared a thousand functions later.
const minifiedReach = 1024

// bound reports whether the variable name, assigned at the offsets in
// assigned, holds that value at the comparison at offset at: a name of
// three letters or fewer only from an assignment shortly before it.
func bound(assigned []int, name string, at int) bool {
	if len(assigned) == 0 {
		return false
	}
	if len(name) > 3 {
		return true
	}
	for _, a := range assigned {
		if a <= at && at-a <= minifiedReach {
			return true
		}
	}
	return false
}

// instantAssigned reports whether the right-hand side of an assignment
// (" = 1767225600000;", " = new Date(2026, 0, 1);") is a literal instant.
func instantAssigned(rhs []byte) bool {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(rhs)), "="))
	s = strings.TrimSpace(strings.TrimRight(s, ";,\n \t"))
	return dateLitRe.MatchString(s) || dateLitRe.MatchString(strings.TrimSuffix(s, ")")) || timestamp(strings.TrimRight(s, ")"))
}

// timestamp reports whether s is a number literal that reads as an instant
// of this century, in seconds or milliseconds since 1970 (2000 to 2100),
// and is not one of the limits programs compare with: a power of two or of
// ten, or one less (2147483647 is INT32_MAX, not 2038-01-19;
// 9007199254740991 is JavaScript's largest safe integer).
func timestamp(s string) bool {
	v, err := strconv.ParseInt(strings.TrimRight(strings.ReplaceAll(s, "_", ""), "lL"), 10, 64)
	if err != nil {
		return false
	}
	const y2000, y2100 = 946_684_800, 4_102_444_800
	if !(v >= y2000 && v <= y2100 || v >= y2000*1000 && v <= y2100*1000) {
		return false
	}
	for _, w := range []int64{v, v + 1} {
		if w&(w-1) == 0 {
			return false
		}
		p := w
		for p%10 == 0 {
			p /= 10
		}
		if p == 1 {
			return false
		}
	}
	return true
}

// longNumber reports whether l has a run of ten or more digits: a Unix
// timestamp, in seconds or milliseconds.
func longNumber(l []byte) bool {
	run := 0
	for _, c := range l {
		if c >= '0' && c <= '9' {
			run++
			if run >= 10 {
				return true
			}
		} else if c != '_' {
			run = 0
		}
	}
	return false
}

// shift moves a submatch index slice from line to file offsets.
func shift(m []int, off int) []int {
	for i := range m {
		if m[i] >= 0 {
			m[i] += off
		}
	}
	return m
}

func year(b []byte) bool {
	v, err := strconv.Atoi(string(b))
	return err == nil && v >= 2000 && v <= 2200
}

// leavesRe is a statement that leaves the code that follows: what a
// dormant trigger uses to skip its payload until the day comes.
var leavesRe = regexp.MustCompile(`\b(?:return|exit|die|throw|raise|break|continue|goto)\b`)

// gateSide reports a comparison whose guarded code runs before the
// instant (before is true) or from it on. Code that runs only before an
// instant and does not leave (composer 2.5.5's "allow-plugins is nullable
// until July 1st 2022": time() < strtotime('2022-07-01') guards
// $type = TypeCombinator::addNull($type)) is a compatibility branch that
// expires, low: a time bomb's payload runs after its day, or skips the
// code after it until then.
func (c *collector) gateSide(code []byte, start, end int, before bool, msg string) {
	if before {
		body := braceBlock(code, end)
		if c.F.Lang == "python" {
			body = pyBlock(code, start, end)
		}
		if strings.TrimSpace(body) != "" && !leavesRe.MatchString(body) {
			c.Add(RuleDateGate, glassbox.SeverityLow, start, end, 0, 0, msg+"; what it guards runs only before that instant and leaves nothing skipped: a compatibility branch that expires")
			return
		}
	}
	c.gate(code, start, end, msg)
}

// gate reports one comparison, medium if what it guards only logs.
func (c *collector) gate(code []byte, start, end int, msg string) {
	var sev glassbox.Severity
	if c.F.Lang == "python" {
		sev = grade(pyBlock(code, start, end))
	} else {
		sev = grade(braceBlock(code, end))
	}
	c.Add(RuleDateGate, sev, start, end, 0, 0, msg)
}

// braceBlock returns the block or single statement following the
// condition that ends at off: from the next "{" to its match, or up to the
// next ";" when the statement has no braces.
func braceBlock(code []byte, off int) string {
	rest := code[off:lineEnd(code, off, 30)]
	semi := bytes.IndexByte(rest, ';')
	open := bytes.IndexByte(rest, '{')
	if open < 0 || (semi >= 0 && semi < open) {
		if semi < 0 {
			return ""
		}
		// The statement after the condition's closing parenthesis.
		st := rest[:semi]
		if i := bytes.IndexByte(st, ')'); i >= 0 {
			st = st[i+1:]
		}
		return string(st)
	}
	depth := 0
	for i := open; i < len(rest); i++ {
		switch rest[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return string(rest[open : i+1])
			}
		}
	}
	return string(rest[open:])
}

// pyBlock returns the lines indented under the line of [start, end), or
// the rest of that line after the colon for a one-line if.
func pyBlock(code []byte, start, end int) string {
	ls := bytes.LastIndexByte(code[:start], '\n') + 1
	indent := indentOf(code[ls:])
	le := lineEnd(code, end, 1)
	line := code[end:le]
	if i := bytes.IndexByte(line, ':'); i >= 0 && len(bytes.TrimSpace(line[i+1:])) > 0 {
		return string(line[i+1:])
	}
	var out []string
	for off := le; off < len(code); {
		next := lineEnd(code, off, 1)
		l := code[off:next]
		if len(bytes.TrimSpace(l)) > 0 {
			if indentOf(l) <= indent {
				break
			}
			out = append(out, string(l))
		}
		if next <= off {
			break
		}
		off = next
	}
	return strings.Join(out, "\n")
}

func indentOf(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t') {
		n++
	}
	return n
}
