package exercise

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The recorder is strace, run outside the sandbox with bwrap as its child:
// it traces with ptrace, so what it sees is what the kernel was asked, whatever
// the program does in user space (raw syscalls, a static binary, no C
// library); the sandbox's PID namespace hides it from the program, which
// cannot signal, trace or wait for it; and it follows every fork and clone
// (-f), so a double fork or a closed descriptor loses nothing.
// --seccomp-bpf stops the tracee only at the calls listed here, so a program
// that mostly reads, writes and computes runs at nearly full speed.
// strace's --pidns-translation would name a new process by its host PID,
// but it looks each one up in /proc, which made a process-heavy program
// eleven times slower; events() does without it.

// tracedCalls are the calls the recorder stops at.
var tracedCalls = []string{
	// Processes.
	"execve", "execveat", "clone", "clone3", "fork", "vfork",
	// Changes to the tree (files written are fanotify's: fswatch.go).
	"creat", "rename", "renameat", "renameat2",
	"unlink", "unlinkat", "mkdir", "mkdirat", "symlink", "symlinkat", "link", "linkat",
	// Network.
	"socket", "bind", "listen", "connect", "sendto", "sendmsg", "accept", "accept4",
	// Privileges, namespaces and other processes. (The sandbox's seccomp
	// filter refuses ptrace, unshare, setns, chroot and mount with EPERM
	// before the recorder's filter is consulted, so those attempts are not
	// seen; they achieve nothing either.)
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
	"setfsgid", "setgroups", "capset", "ptrace", "unshare", "setns", "chroot", "mount",
}

// tracerArgs is the strace command that records into dir/t, one line per
// call prefixed with the caller's PID. (One file per process, -ff, made a
// program that starts processes twice as slow again as one file does.)
func tracerArgs(strace, dir string) []string {
	return []string{strace, "-f", "--seccomp-bpf", "-q",
		"-ttt", "-s", "4096", "-e", "signal=none", "-e", "trace=" + strings.Join(tracedCalls, ","),
		"-o", filepath.Join(dir, "t")}
}

// call is one line of strace's output.
type call struct {
	at     time.Time
	pid    int
	name   string // the call, or "exit" for the process's end
	args   []string
	result string // "0", "3", "-1 ENOENT (No such file or directory)", "?"
	child  int    // for clone, fork and vfork: the new task's PID, in the caller's PID namespace
	line   string
}

// Bounds of the trace read back. A line longer than maxTraceLine (an
// execve with megabytes of arguments) is kept cut short, never an error; a
// trace larger than maxTraceBytes ends the run (watch) and more calls than
// maxCalls make the record incomplete.
const (
	maxTraceLine  = 64 << 10
	maxTraceBytes = 96 << 20
	maxCalls      = 500_000
)

// readTrace reads the trace strace wrote in dir, in time order, joining
// each call strace left unfinished (another process ran meanwhile) with
// its resumption. cut reports calls left out at maxCalls.
func readTrace(dir string) (out []call, cut bool, err error) {
	f, err := os.Open(filepath.Join(dir, "t"))
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(io.LimitReader(f, maxTraceBytes+maxTraceLine), 64<<10)
	pending := map[int]string{} // pid → the line of its unfinished call
	keep := func(c call) {
		if len(out) < maxCalls {
			out = append(out, c)
		} else {
			cut = true
		}
	}
	for {
		raw, rerr := readLine(r)
		if rerr != nil && raw == "" {
			if rerr != io.EOF {
				return nil, false, fmt.Errorf("reading the trace: %w", rerr)
			}
			break
		}
		pidText, line, ok := strings.Cut(strings.TrimLeft(raw, " "), " ")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidText)
		if err != nil {
			continue
		}
		line = strings.TrimLeft(line, " ")
		ts, what, _ := strings.Cut(line, " ")
		switch {
		case strings.HasSuffix(line, " <unfinished ...>"):
			pending[pid] = strings.TrimSuffix(line, " <unfinished ...>")
			continue
		case strings.HasPrefix(what, "<... "):
			// Only right after the time: the same text inside an argument
			// is the program's, not strace's.
			_, tail, ok := strings.Cut(what, " resumed>")
			head, had := pending[pid]
			if !ok || !had {
				keep(call{at: parseTime(ts), pid: pid, name: "?", result: "?", line: line})
				continue
			}
			delete(pending, pid)
			line = head + tail
		case strings.HasPrefix(what, "+++ "):
			// The end of a process whose call was still unfinished: the
			// call is recorded with an unknown result.
			if head, had := pending[pid]; had {
				delete(pending, pid)
				if c, ok := parseLine(head+") = ?", pid); ok {
					keep(c)
				}
			}
		}
		if c, ok := parseLine(line, pid); ok {
			keep(c)
		}
	}
	for pid, head := range pending {
		if c, ok := parseLine(head+") = ?", pid); ok {
			keep(c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out, cut, nil
}

// readLine reads one line without its newline, keeping at most
// maxTraceLine bytes of it.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if len(b) < maxTraceLine {
			b = append(b, chunk[:min(len(chunk), maxTraceLine-len(b))]...)
		}
		if err != nil {
			return string(b), err
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

func parseTime(ts string) time.Time {
	secs, _ := strconv.ParseFloat(ts, 64)
	return time.UnixMicro(int64(secs*1e6 + 0.5))
}

var childPIDRE = regexp.MustCompile(`^(-?\d+)`)

// parseLine parses "1796596020.486219 openat(AT_FDCWD, "/x", O_RDONLY) = 3"
// and "… +++ exited with 0 +++".
func parseLine(line string, pid int) (call, bool) {
	ts, rest, ok := strings.Cut(line, " ")
	if !ok {
		return call{}, false
	}
	if _, err := strconv.ParseFloat(ts, 64); err != nil {
		return call{}, false
	}
	c := call{at: parseTime(ts), pid: pid, line: line}
	if strings.HasPrefix(rest, "+++ ") {
		c.name = "exit"
		c.result = strings.TrimSuffix(strings.TrimPrefix(rest, "+++ "), " +++")
		return c, true
	}
	open := strings.IndexByte(rest, '(')
	if open <= 0 {
		return call{}, false
	}
	c.name = rest[:open]
	args, tail, complete := splitArgs(rest[open+1:])
	c.args = args
	if !complete {
		c.result = "?"
		return c, true
	}
	tail = strings.TrimSpace(tail)
	if !strings.HasPrefix(tail, "= ") {
		c.result = "?"
		return c, true
	}
	c.result = strings.TrimPrefix(tail, "= ")
	switch c.name {
	case "clone", "clone3", "fork", "vfork":
		if m := childPIDRE.FindStringSubmatch(c.result); m != nil {
			c.child, _ = strconv.Atoi(m[1])
		}
	}
	return c, true
}

// splitArgs splits the text after a call's "(" into its top-level
// arguments, up to the matching ")"; complete is false for a call strace
// left unfinished.
func splitArgs(s string) (args []string, tail string, complete bool) {
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if inStr {
			switch ch {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch ch {
		case '"':
			inStr = true
		case '(', '[', '{':
			depth++
		case ']', '}':
			depth--
		case ')':
			if depth == 0 {
				if a := strings.TrimSpace(s[start:i]); a != "" {
					args = append(args, a)
				}
				return args, s[i+1:], true
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if a := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s[start:]), "<unfinished ...>")); a != "" {
		args = append(args, a)
	}
	return args, "", false
}

// unquote decodes a string as strace prints it: C escapes, octal and hex
// bytes, and "..." after the closing quote when it was cut short.
func unquote(s string) (string, bool) {
	s = strings.TrimSuffix(s, "...")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'v':
			b.WriteByte('\v')
		case 'f':
			b.WriteByte('\f')
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteByte('x')
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 8)
				b.WriteByte(byte(v))
				i = j - 1
				continue
			}
			b.WriteByte(e)
		}
	}
	return b.String(), true
}

// stringList decodes ["a", "b"] (an execve's argv).
func stringList(s string) []string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return nil
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	parts, _, _ := splitArgs(inner + ")")
	var out []string
	for _, p := range parts {
		if v, ok := unquote(p); ok {
			out = append(out, v)
		} else if p != "" {
			out = append(out, p)
		}
	}
	return out
}

var (
	inet4RE = regexp.MustCompile(`sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)`)
	inet6RE = regexp.MustCompile(`sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]*)"`)
	unixRE  = regexp.MustCompile(`sa_family=AF_UNIX, sun_path=(@?"(?:[^"\\]|\\.)*")`)
)

// sockaddr reads the address strace printed in a call's argument: host
// and port for IP, the path for a Unix socket ("" when neither).
func sockaddr(arg string) (family, host string, port int) {
	if m := inet4RE.FindStringSubmatch(arg); m != nil {
		port, _ = strconv.Atoi(m[1])
		return "inet", m[2], port
	}
	if m := inet6RE.FindStringSubmatch(arg); m != nil {
		port, _ = strconv.Atoi(m[1])
		return "inet6", m[2], port
	}
	if m := unixRE.FindStringSubmatch(arg); m != nil {
		p := m[1]
		abstract := strings.HasPrefix(p, "@")
		v, _ := unquote(strings.TrimPrefix(p, "@"))
		if abstract {
			v = "@" + v
		}
		return "unix", v, 0
	}
	return "", "", 0
}

// failed reports whether a call's result is an error.
func (c call) failed() bool { return strings.HasPrefix(c.result, "-1 ") || c.result == "?" }
