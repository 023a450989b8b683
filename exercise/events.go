package exercise

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds of the events kept for one run, per kind: a program that spawns
// a thousand helpers or writes a million files cannot push its connection
// out of the record, since connections have a bound of their own. Past a
// bound the record is incomplete (not assessed), never silently shorter.
var maxEvents = map[string]int{
	"exec": 5000, "spawn": 5000, "exit": 5000, "write": 20000,
	"bind": 2000, "listen": 2000, "connect": 5000, "send": 5000, "privilege": 2000, "namespace": 2000,
}

// quiet are paths a program writes to that say nothing about it.
var quiet = []string{"/dev/null", "/dev/tty", "/dev/pts/", "/dev/stdout", "/dev/stderr", "/proc/self/fd/", "/dev/urandom"}

// events turns the trace into the program's events: every call of every
// process and thread in the sandbox from the moment the program started
// (the execve of inside), but those of bubblewrap and of the shell that
// keeps the sandbox open. Process IDs are the host's (strace names its
// files by them); a new process's ID in a spawn event is the sandbox's
// (what fork returned there). exit is how the program's first process
// ended; complete is false when the trace never shows the program start.
func events(calls []call, written []Event, inside string, sink *sinkhole) (out []Event, exit string, complete bool, dropped string) {
	out = []Event{}
	exit = "still running when stopped"
	// Who is not the program: bubblewrap outside (the parent of the
	// sandbox's first process), that process, and the keeper shell.
	skip := map[int]bool{}
	root := 0
	var rootAt time.Time
	execd := map[int]bool{}
	for _, c := range calls {
		switch c.name {
		case "clone", "clone3":
			if len(c.args) > 0 && strings.Contains(strings.Join(c.args, ","), "CLONE_NEWPID") && !c.failed() {
				skip[c.pid], skip[c.child] = true, true
			}
		case "execve", "execveat":
			if c.result != "0" {
				continue
			}
			i := 0
			if c.name == "execveat" {
				i = 1
			}
			if len(c.args) <= i+1 {
				continue
			}
			execd[c.pid] = true
			if argv := stringList(c.args[i+1]); len(argv) > 3 && argv[3] == keeperName && root == 0 {
				skip[c.pid] = true
			}
			if p, _ := unquote(c.args[i]); p == inside && root == 0 {
				root, rootAt = c.pid, c.at
			}
		}
	}
	if root == 0 {
		return out, exit, false, ""
	}
	// Files written, from fanotify: those of the program's processes.
	for _, e := range written {
		if !skip[e.PID] && !e.At.Before(rootAt) && !isQuiet(e.Path) {
			calls = append(calls, call{at: e.At, pid: e.PID, name: "close_write", args: []string{strconv.Quote(e.Path)}, result: "0"})
		}
	}
	slices.SortStableFunc(calls, func(a, b call) int { return a.at.Compare(b.at) })
	bound := map[int]map[string]string{} // pid → fd → address bound
	lastBound := map[string]string{}     // fd → the address last bound by any process
	kept := map[string]int{}
	add := func(e Event) {
		if kept[e.Kind] < maxEvents[e.Kind] {
			kept[e.Kind]++
			out = append(out, e)
		} else if dropped == "" {
			dropped = fmt.Sprintf("the program did more than %d things of kind %s; the rest were not kept", maxEvents[e.Kind], e.Kind)
		}
	}
	for _, c := range calls {
		if skip[c.pid] || c.at.Before(rootAt) {
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
			if c.child == 0 || strings.Contains(strings.Join(c.args, ","), "CLONE_THREAD") {
				continue
			}
			e.Kind = "spawn"
			e.Result = strconv.Itoa(c.child)
			add(e)
		case "close_write":
			e.Kind = "write"
			e.Path, _ = unquote(c.args[0])
			add(e)
		case "creat":
			if len(c.args) == 0 {
				continue
			}
			if e.Path, _ = unquote(c.args[0]); isQuiet(e.Path) {
				continue
			}
			e.Kind = "write"
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
			fd := fdOf(c.args[0])
			bound[c.pid][fd] = e.Address
			lastBound[fd] = e.Address
			add(e)
		case "listen":
			if len(c.args) < 1 {
				continue
			}
			e.Kind = "listen"
			fd := fdOf(c.args[0])
			if e.Address = bound[c.pid][fd]; e.Address == "" {
				// Bound by the process it was forked from.
				e.Address = lastBound[fd]
			}
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
			fam, host, _ := sockaddr(c.args[i])
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
			if !execd[c.pid] {
				continue // a thread, or a process that ran no program of its own
			}
			e.Kind = "exit"
			if c.pid == root {
				exit = c.result
			}
			add(e)
		}
	}
	return out, exit, true, dropped
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
