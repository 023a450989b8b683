// Package witnesstest runs real C2SP tlog-witness witnesses for tests:
// litewitness from filippo.io/torchwood, written independently of glassbox
// and Tessera, each on loopback with its own database and Ed25519 key (in
// an ssh-agent, as litewitness wants it).
package witnesstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the torchwood release the witnesses are built from.
const Version = "v0.6.1"

var build struct {
	sync.Mutex
	dir string
}

// Binaries returns the paths of litewitness and witnessctl (Build), or
// fails the test.
func Binaries(t testing.TB) (litewitness, witnessctl string) {
	t.Helper()
	lw, ctl, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	return lw, ctl
}

// Build returns the paths of litewitness and witnessctl, built with
// 'go install filippo.io/torchwood/cmd/…@Version' into the user's cache
// directory the first time (the module proxy serves them; later runs find
// them built).
func Build() (litewitness, witnessctl string, err error) {
	build.Lock()
	defer build.Unlock()
	if build.dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		build.dir = filepath.Join(cache, "glassbox-test", "torchwood-"+Version)
	}
	lw, ctl := filepath.Join(build.dir, "litewitness"), filepath.Join(build.dir, "witnessctl")
	if _, err := os.Stat(lw); err == nil {
		if _, err := os.Stat(ctl); err == nil {
			return lw, ctl, nil
		}
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "install", "filippo.io/torchwood/cmd/litewitness@"+Version, "filippo.io/torchwood/cmd/witnessctl@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+build.dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build litewitness %s (go install, from the module proxy): %v\n%s", Version, err, out)
	}
	return lw, ctl, nil
}

// Witness is one litewitness process.
type Witness struct {
	Name string // its name, in its cosignatures
	VKey string // its C2SP verifier key (cosignature type)
	URL  string // its root: POST URL/add-checkpoint
	t    testing.TB
	db   string
	args []string
	bin  string
	ctl  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Start starts n witnesses that know one log: its origin and verifier key.
// They are stopped when the test ends.
func Start(t testing.TB, n int, origin, logVKey string) []*Witness {
	t.Helper()
	ws := StartEmpty(t, n)
	for _, w := range ws {
		w.AddLog(origin, logVKey)
	}
	return ws
}

// StartEmpty starts n witnesses that know no log yet (AddLog).
func StartEmpty(t testing.TB, n int) []*Witness {
	t.Helper()
	lw, ctl := Binaries(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("start ssh-agent (openssh-client): %v", err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil }, "ssh-agent's socket")
	var ws []*Witness
	for i := 1; i <= n; i++ {
		key := filepath.Join(dir, fmt.Sprintf("w%d", i))
		run(t, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", fmt.Sprintf("w%d", i), "-f", key)
		run(t, []string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", "-q", key)
		fp := strings.Fields(run(t, nil, "ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub"))[1]
		w := &Witness{Name: fmt.Sprintf("glassbox.test/witness-%d", i), t: t, db: filepath.Join(dir, fmt.Sprintf("w%d.db", i)), bin: lw, ctl: ctl}
		addr := freeAddr(t)
		w.URL = "http://" + addr
		w.args = []string{"-name", w.Name, "-db", w.db, "-ssh-agent", sock, "-key", fp, "-listen", addr}
		w.start()
		t.Cleanup(w.Stop)
		ws = append(ws, w)
	}
	return ws
}

var vkeyLine = regexp.MustCompile(`msg="verifier key" vkey=(\S+)`)

// start runs the witness and waits until it listens.
func (w *Witness) start() {
	w.t.Helper()
	w.log = &bytes.Buffer{}
	w.cmd = exec.Command(w.bin, w.args...)
	w.cmd.Stderr = &lockedWriter{w: w.log}
	w.cmd.Stdout = w.cmd.Stderr
	if err := w.cmd.Start(); err != nil {
		w.t.Fatalf("start litewitness: %v", err)
	}
	waitFor(w.t, func() bool { return strings.Contains(w.logText(), "msg=listening") }, w.Name+" listening")
	if m := vkeyLine.FindStringSubmatch(w.logText()); m != nil {
		w.VKey = m[1]
	} else {
		w.t.Fatalf("%s printed no verifier key:\n%s", w.Name, w.logText())
	}
}

func (w *Witness) logText() string {
	lw := w.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return w.log.String()
}

// AddLog has the witness (witnessctl) cosign the log with origin and
// verifier key, from size zero.
func (w *Witness) AddLog(origin, vkey string) {
	w.t.Helper()
	run(w.t, nil, w.ctl, "add-log", "-db", w.db, "-origin", origin)
	run(w.t, nil, w.ctl, "add-key", "-db", w.db, "-origin", origin, "-key", vkey)
}

// Stop kills the witness, as a crash or a network partition would.
func (w *Witness) Stop() {
	if w.cmd != nil && w.cmd.ProcessState == nil {
		w.cmd.Process.Kill()
		w.cmd.Wait()
	}
}

// Restart starts a stopped witness again, with the same database and key.
func (w *Witness) Restart() { w.Stop(); w.start() }

// Policy is the Sigsum-format policy naming ws, with threshold of them.
func Policy(ws []*Witness, threshold int) []byte {
	var b strings.Builder
	var names []string
	for i, w := range ws {
		fmt.Fprintf(&b, "witness w%d %s %s\n", i+1, w.VKey, w.URL)
		names = append(names, fmt.Sprintf("w%d", i+1))
	}
	fmt.Fprintf(&b, "group witnesses %d %s\nquorum witnesses\n", threshold, strings.Join(names, " "))
	return []byte(b.String())
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func run(t testing.TB, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t testing.TB, ok func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
