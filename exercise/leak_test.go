package exercise

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"glassbox.dev/rebuild"
)

// leaker tries every way out it knows: TCP to the host's loopback and
// every address the host has, UDP, and a name lookup.
const leaker = `package main

import (
	"net"
	"os"
	"time"
)

func main() {
	port := os.Args[1]
	for _, host := range os.Args[2:] {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Second); err == nil {
			c.Write([]byte("leak\n"))
			c.Close()
		}
		if c, err := net.Dial("udp", net.JoinHostPort(host, port)); err == nil {
			c.Write([]byte("leak\n"))
			c.Close()
		}
	}
	net.LookupHost("leak.example")
}
`

// TestNothingLeavesTheSandbox: listeners on the host — on its loopback and
// on every interface — see nothing of a program that tries to reach them,
// and every attempt is recorded.
func TestNothingLeavesTheSandbox(t *testing.T) {
	for _, tool := range []string{"bwrap", "strace"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: apt-get install bubblewrap strace (.ci/run does)", tool)
		}
	}
	if os.Getuid() != 0 {
		t.Skip("the sandbox's cgroup and tmpfs need root")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(leaker), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module leaker\n\ngo 1.22\n"), 0o644)
	bin := filepath.Join(dir, "leaker")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// The host's listeners, on every interface, TCP and UDP.
	tl, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	port := tl.Addr().(*net.TCPAddr).Port
	ul, err := net.ListenPacket("udp", ":"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	var seen atomic.Int32
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			seen.Add(1)
			c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 100)
		for {
			if _, _, err := ul.ReadFrom(buf); err != nil {
				return
			}
			seen.Add(1)
		}
	}()
	hosts := []string{"127.0.0.1", "::1"}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && !ip.IP.IsLinkLocalUnicast() {
			hosts = append(hosts, ip.IP.String())
		}
	}
	// The listeners work: a client on the host reaches them.
	if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for seen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if seen.Load() != 1 {
		t.Fatalf("the host's listener did not see the host's own client")
	}
	seen.Store(0)

	args := append([]string{strconv.Itoa(port)}, hosts...)
	rep, err := Exercise(t.Context(), Spec{
		Executables: []Executable{{Name: "leaker", Path: bin}},
		Recipe: &rebuild.Recipe{Run: []rebuild.RunSpec{{Artifact: "leaker", Args: args,
			Duration: rebuild.Duration(3 * time.Second)}}},
		WorkDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := seen.Load(); n != 0 {
		t.Errorf("the host's listeners saw %d connections or packets from the sandbox", n)
	}
	run := rep.Runs[0]
	if !run.Complete {
		t.Fatalf("incomplete: %s", run.Problem)
	}
	for _, h := range hosts {
		want := net.JoinHostPort(h, strconv.Itoa(port))
		if strings.Contains(h, ":") {
			want = "[" + h + "]:" + strconv.Itoa(port)
		}
		found := false
		for _, e := range run.Events {
			if (e.Kind == "connect" || e.Kind == "send") && e.Address == want {
				found = true
			}
		}
		if !found {
			t.Errorf("the attempt to reach %s was not recorded", want)
		}
	}
	lookedUp := false
	for _, q := range run.DNS {
		lookedUp = lookedUp || q.Name == "leak.example"
	}
	if !lookedUp {
		t.Errorf("the lookup of leak.example did not reach the sinkhole: %v", run.DNS)
	}
	outbound := 0
	for _, f := range rep.Findings {
		if f.RuleID == RuleOutbound.ID {
			outbound++
		}
	}
	if outbound < len(hosts)-2+1 {
		t.Errorf("%d outbound findings for %d outside addresses and one name: %v", outbound, len(hosts)-2, rep.Findings)
	}
}
