package exercise

import (
	"strconv"
	"strings"
)

// maxEvents bounds the events kept for one run; a program that writes a
// million files is summarised by its first ones.
const maxEvents = 5000

// quiet are paths a program writes to that say nothing about it.
var quiet = []string{"/dev/null", "/dev/tty", "/dev/pts/", "/dev/stdout", "/dev/stderr", "/proc/self/fd/", "/dev/urandom"}

// events turns the trace into the program's events: those of the process
// that ran the program (from its execve on) and of every process and
// thread descended from it. exit is how the program's first process
// ended; complete is false when the trace never shows the program start.
func events(calls []call, inside string, sink *sinkhole) (out []Event, exit string, complete bool) {
	out = []Event{}
	root := 0
	var started = map[int]bool{} // the program's tasks
	threads := map[int]bool{}
	bound := map[int]map[string]string{} // pid → fd → address bound
	exit = "still running when stopped"
	add := func(e Event) {
		if len(out) < maxEvents {
			out = append(out, e)
		}
	}
	for _, c := range calls {
		if root == 0 {
			if (c.name == "execve" || c.name == "execveat") && c.result == "0" && len(c.args) > 0 {
				arg := c.args[0]
				if c.name == "execveat" && len(c.args) > 1 {
					arg = c.args[1]
				}
				if p, _ := unquote(arg); p == inside {
					root = c.pid
					started[root] = true
				}
			}
			if root == 0 {
				continue
			}
		}
		if !started[c.pid] {
			continue
		}
		e := Event{At: c.at, PID: c.pid, Call: c.name, Result: c.result}
		switch c.name {
		case "execve", "execveat":
			i := 0
			if c.name == "execveat" {
				i = 1
			}
			if len(c.args) > i+1 {
				e.Kind = "exec"
				e.Path, _ = unquote(c.args[i])
				e.Argv = stringList(c.args[i+1])
				add(e)
			}
		case "clone", "clone3", "fork", "vfork":
			if c.child == 0 {
				continue
			}
			started[c.child] = true
			if m, ok := bound[c.pid]; ok {
				cp := map[string]string{}
				for k, v := range m {
					cp[k] = v
				}
				bound[c.child] = cp
			}
			if len(c.args) > 1 && strings.Contains(c.args[1], "CLONE_THREAD") {
				threads[c.child] = true
				continue
			}
			e.Kind = "spawn"
			e.Result = strconv.Itoa(c.child)
			add(e)
		case "open", "openat", "openat2", "creat":
			path, flags := openArgs(c)
			if !writes(c.name, flags) || isQuiet(path) {
				continue
			}
			e.Kind, e.Path = "write", path
			add(e)
		case "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "symlink", "symlinkat", "link", "linkat":
			for _, a := range c.args {
				if p, ok := unquote(a); ok {
					e.Path = p
					break
				}
			}
			e.Kind = "write"
			add(e)
		case "bind":
			if len(c.args) < 2 {
				continue
			}
			e.Kind, e.Address = "bind", address(c.args[1])
			if e.Address == "" {
				continue
			}
			if bound[c.pid] == nil {
				bound[c.pid] = map[string]string{}
			}
			bound[c.pid][fdOf(c.args[0])] = e.Address
			add(e)
		case "listen":
			if len(c.args) < 1 {
				continue
			}
			e.Kind = "listen"
			e.Address = bound[c.pid][fdOf(c.args[0])]
			if e.Address == "" {
				e.Address = "(an address the kernel chose)"
			}
			add(e)
		case "connect", "sendto", "sendmsg":
			i := 1
			if c.name == "sendto" {
				i = 4
			}
			if len(c.args) <= i {
				continue
			}
			fam, host, port := sockaddr(c.args[i])
			if fam == "" || fam == "unix" && c.name != "connect" {
				continue
			}
			e.Kind = "connect"
			if c.name != "connect" {
				e.Kind = "send"
			}
			e.Address = address(c.args[i])
			if sink != nil && fam != "unix" {
				e.Name = sink.name(host)
			}
			_ = port
			add(e)
		case "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups", "capset":
			e.Kind = "privilege"
			e.Argv = c.args
			add(e)
		case "ptrace", "unshare", "setns", "chroot", "mount":
			e.Kind = "namespace"
			e.Argv = c.args
			add(e)
		case "exit":
			if threads[c.pid] {
				continue
			}
			e.Kind = "exit"
			if c.pid == root {
				exit = c.result
			}
			add(e)
		}
	}
	return out, exit, root != 0
}

// openArgs returns the path and flags of an open call.
func openArgs(c call) (string, string) {
	var pathArg, flagArg string
	switch c.name {
	case "open":
		if len(c.args) > 1 {
			pathArg, flagArg = c.args[0], c.args[1]
		}
	case "openat", "openat2":
		if len(c.args) > 2 {
			pathArg, flagArg = c.args[1], c.args[2]
		}
	case "creat":
		if len(c.args) > 0 {
			pathArg, flagArg = c.args[0], "O_CREAT|O_WRONLY|O_TRUNC"
		}
	}
	p, _ := unquote(pathArg)
	return p, flagArg
}

func writes(name, flags string) bool {
	if name == "creat" {
		return true
	}
	for _, f := range []string{"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"} {
		if strings.Contains(flags, f) {
			return true
		}
	}
	return false
}

func isQuiet(p string) bool {
	for _, q := range quiet {
		if p == q || strings.HasSuffix(q, "/") && strings.HasPrefix(p, q) {
			return true
		}
	}
	return false
}

// address is a socket address as host:port, or a Unix socket's path.
func address(arg string) string {
	fam, host, port := sockaddr(arg)
	switch fam {
	case "inet":
		return host + ":" + strconv.Itoa(port)
	case "inet6":
		return "[" + host + "]:" + strconv.Itoa(port)
	case "unix":
		return "unix:" + host
	}
	return ""
}

// fdOf is the descriptor number of a call's first argument ("3" or
// "3<socket:[1234]>").
func fdOf(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		return arg[:i]
	}
	return arg
}
