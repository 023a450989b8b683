package exercise

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

// hostNetns is the test's own network namespace: the probes reach it as
// they reach a sandbox's, so that they can be tested against servers in
// the test.
func hostNetns(t *testing.T) *netns {
	t.Helper()
	// This thread's, not the process's: /proc/PID names the main
	// thread's namespace, whichever that is.
	fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	ns := &netns{fd: fd}
	t.Cleanup(ns.close)
	return ns
}

// sshServer accepts the one password given, for any user.
func sshServer(t *testing.T, password string) Listener {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
		if string(pw) == password {
			return nil, nil
		}
		return nil, os.ErrPermission
	}}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					ch.Reject(ssh.Prohibited, "no")
				}
			}()
		}
	}()
	return Listener{Proto: "tcp", Address: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port}
}

// TestSSHDefaultPassword: an SSH server that takes a factory password is
// found out, one that takes none of them is not; the banner names SSH.
func TestSSHDefaultPassword(t *testing.T) {
	ns := hostNetns(t)
	for _, tc := range []struct {
		password string
		want     string
	}{{"raspberry", "pi:raspberry"}, {"Xq9#long-and-unique", ""}} {
		l := sshServer(t, tc.password)
		w := &watcher{ns: ns, seen: map[string]Listener{}}
		p := w.probe(t.Context(), l, time.Now().Add(time.Minute))
		if p.Protocol != "ssh" || !strings.HasPrefix(p.Banner, "SSH-2.0-") {
			t.Fatalf("port %d: protocol %q, banner %q", l.Port, p.Protocol, p.Banner)
		}
		var accepted []string
		for _, s := range p.Steps {
			if s.Accepted {
				accepted = append(accepted, s.Input)
			}
		}
		if got := strings.Join(accepted, ","); got != tc.want {
			t.Errorf("password %q: accepted %q, want %q", tc.password, got, tc.want)
		}
	}
}

// TestDebugEndpoints: Go's pprof served without authentication is found;
// a server that answers every path alike, or echoes the request, serves
// no debug endpoint.
func TestDebugEndpoints(t *testing.T) {
	ns := hostNetns(t)
	serve := func(h http.Handler) Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return Listener{Proto: "tcp", Address: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	for name, tc := range map[string]struct {
		h    http.Handler
		want string
	}{
		"pprof":     {mux, "/debug/pprof/"},
		"catch-all": {http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, world!\n") }), ""},
		"echo": {http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "GET %s HTTP/1.1\nTypes of profiles available in %s\n", r.URL.Path, r.URL.Path)
		}), ""},
	} {
		w := &watcher{ns: ns, seen: map[string]Listener{}, bytes: &harvested{}}
		p := w.probe(t.Context(), serve(tc.h), time.Now().Add(time.Minute))
		var served []string
		for _, s := range p.Steps {
			if s.Kind == "debug-endpoint" && s.Accepted {
				served = append(served, s.Input)
			}
		}
		if got := strings.Join(served, ","); p.Protocol != "http" || got != tc.want {
			t.Errorf("%s: protocol %s, served %q, want %q", name, p.Protocol, got, tc.want)
		}
	}
}

// TestNoThreadStaysInASandbox: reaching into another network namespace
// leaves no thread there. Threads used to be thrown away instead, and the
// main thread, which cannot be, was parked in the last sandbox's namespace:
// /proc/PID/ns/net then named a dead sandbox's.
func TestNoThreadStaysInASandbox(t *testing.T) {
	own, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Skip(err)
	}
	// Another namespace, made on a thread that then returns to its own.
	fdc := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		back, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			fdc <- -1
			return
		}
		defer unix.Close(back)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			fdc <- -1
			return
		}
		fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			fd = -1
		}
		if unix.Setns(back, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		fdc <- fd
	}()
	fd := <-fdc
	if fd < 0 {
		t.Skip("cannot make a network namespace (needs root)")
	}
	other := &netns{fd: fd}
	defer other.close()
	for range 500 {
		if err := inNetns(other, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if ns, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/net"); err == nil && ns != own {
			t.Errorf("thread %s is in %s, not this process's %s", task.Name(), ns, own)
		}
	}
}
