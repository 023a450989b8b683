package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveTest runs ListenAndServe with lim on a free port of 127.0.0.1 and
// returns its address.
func serveTest(t *testing.T, lim Limits) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	h := http.NewServeMux()
	h.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	h.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write(b)
	})
	lim.Grace = time.Second
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", h, lim, func(a net.Addr) { addr <- a.String() }) }()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ListenAndServe after shutdown: %v", err)
		}
	})
	return a
}

// serverSockets counts the sockets this process holds open on the server's
// side of addr: the file descriptors a client makes the server spend.
// Connections waiting in the kernel's backlog hold none.
func serverSockets(t *testing.T, addr string) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X", p)
	inodes := map[string]bool{}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skipf("no /proc/net/tcp: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		// local_address rem_address st ... inode; st 0A is LISTEN.
		if len(f) > 9 && strings.HasSuffix(f[1], local) && f[3] != "0A" {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && inodes[target] {
			n++
		}
	}
	return n
}

func dial(t *testing.T, addr, send string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	return c
}

func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s while clients hold connections: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

// More clients than the limit, each holding a connection with a request it
// never finishes: the server holds at most MaxConns of them, and serves
// again as soon as they go.
func TestServerHoldsAtMostMaxConns(t *testing.T) {
	const limit = 3
	addr := serveTest(t, Limits{MaxConns: limit, ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, IdleTimeout: time.Minute, WriteTimeout: time.Minute})
	var conns []net.Conn
	for range 12 {
		conns = append(conns, dial(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	}
	held, samples := 0, 0
	for i := 0; i < 500 && samples < 25; i++ {
		n := serverSockets(t, addr)
		held = max(held, n)
		if held >= limit {
			samples++ // keep looking: more must not follow
		}
		time.Sleep(20 * time.Millisecond)
	}
	if held != limit {
		t.Fatalf("12 unfinished requests: the server held %d connections at once; want the limit, %d", held, limit)
	}
	for _, c := range conns {
		c.Close()
	}
	if got := get(t, "http://"+addr+"/healthz"); got != "200 ok\n" {
		t.Errorf("after the clients left: %q", got)
	}
}

// Each way of holding a connection without using it ends with the server
// closing the connection; meanwhile, with every slot but one taken, the
// server still answers.
func TestServerClosesConnectionsHeldWithoutUse(t *testing.T) {
	lim := Limits{MaxConns: 4, ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
		IdleTimeout: 200 * time.Millisecond, WriteTimeout: 5 * time.Second, MaxHeaderBytes: 4 << 10}
	addr := serveTest(t, lim)
	for _, tc := range []struct {
		name, send string
		reply      string // in what the server sends before it closes
	}{
		{"headers never finished", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", ""},
		{"body never finished", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nten bytes.", "400 Bad Request"},
		{"idle after a request", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "200 OK"},
		{"headers over the limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", "431 Request Header Fields Too Large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr, tc.send)
			// The client never closes; only the server can end this read.
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			got, err := io.ReadAll(bufio.NewReader(c))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the server kept the connection open: %v (read %q)", err, got)
			}
			if !strings.Contains(string(got), tc.reply) {
				t.Errorf("the server sent %q; want %q", got, tc.reply)
			}
		})
	}
	for range lim.MaxConns - 1 {
		dial(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	}
	if got := get(t, "http://"+addr+"/healthz"); got != "200 ok\n" {
		t.Errorf("with slow clients connected: %q", got)
	}
}

func TestListenAndServeRefusesNoConnections(t *testing.T) {
	err := ListenAndServe(context.Background(), "127.0.0.1:0", http.NotFoundHandler(), Limits{}, nil)
	if err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("MaxConns 0: %v", err)
	}
}
