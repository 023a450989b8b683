package rebuild

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
)

// needBwrap fails the test when bubblewrap is missing: the sandbox tests are
// the specification of the isolation, and skipping them would hide a host
// that cannot run builds. .ci/run installs it.
func needBwrap(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("bwrap"); err != nil {
		if testing.Short() {
			t.Skip("bwrap not installed; skipped in -short mode")
		}
		t.Fatal("bwrap is not installed: install the Debian package bubblewrap (apt-get install bubblewrap; .ci/run does this)")
	}
}

// run runs a recipe of shell commands over a fresh work directory.
func run(t *testing.T, limits Limits, cmds ...string) (*Outcome, string) {
	t.Helper()
	needBwrap(t)
	dir := t.TempDir()
	r := &Recipe{Build: cmds, Artifacts: map[string]string{"out": "out"}, Limits: limits}
	out, err := Run(context.Background(), Spec{Recipe: r, Dir: dir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("cause %q, status %d, %v; log:\n%s", out.Cause, out.ExitStatus, out.Duration.Round(time.Millisecond), lastN(out.Log, 2000))
	return out, dir
}

func lastN(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func TestSandboxEnvironment(t *testing.T) {
	out, dir := run(t, Limits{},
		`echo "uid=$(id -u) umask=$(umask) tz=$TZ lang=$LANG sde=$SOURCE_DATE_EPOCH home=$HOME path=$PATH pwd=$(pwd)"`,
		`env | sort`,
		`grep -c . /etc/passwd`,
		`echo hi > out && touch /tmp/x && touch "$HOME/y"`,
		`ls /proc | grep -c '^[0-9]'`,
	)
	if !out.Succeeded() {
		t.Fatalf("build failed: %s", out.Reason)
	}
	for _, want := range []string{
		"uid=1000 umask=0022 tz=UTC lang=C.UTF-8 sde=0 home=/tmp/home path=/usr/local/bin:/usr/bin:/bin pwd=/src",
		"\n3\n", // passwd: root, build, nobody
	} {
		if !bytes.Contains(out.Log, []byte(want)) {
			t.Errorf("log lacks %q", want)
		}
	}
	if bytes.Contains(out.Log, []byte("GOPATH")) || bytes.Contains(out.Log, []byte("TERM=")) {
		t.Errorf("the host's environment leaked into the sandbox")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out")); err != nil || string(b) != "hi\n" {
		t.Errorf("work dir output = %q, %v", b, err)
	}
}

func TestSandboxExitStatus(t *testing.T) {
	out, _ := run(t, Limits{}, "true", "exit 2", "echo never")
	if out.Cause != CauseExit || out.ExitStatus != 2 || out.Reason != "the build command exited with status 2" {
		t.Fatalf("got cause %q status %d reason %q", out.Cause, out.ExitStatus, out.Reason)
	}
	if bytes.Contains(out.Log, []byte("+ echo never")) {
		t.Error("a command after the failing one ran")
	}
}

// (a) No network: a listener on the host's loopback sees no connection.
func TestSandboxNoNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	hostIP := nonLoopbackIP(t)
	out, _ := run(t, Limits{},
		fmt.Sprintf(`bash -c 'echo x > /dev/tcp/127.0.0.1/%d' && exit 0; echo loopback refused`, port),
		fmt.Sprintf(`[ -z "%s" ] || { timeout 3 bash -c 'echo x > /dev/tcp/%s/%d' && exit 0; echo host address refused; }`, hostIP, hostIP, port),
		`exit 3`)
	select {
	case <-accepted:
		t.Fatal("the host's listener accepted a connection from the sandbox")
	case <-time.After(200 * time.Millisecond):
	}
	if out.ExitStatus != 3 || !bytes.Contains(out.Log, []byte("loopback refused")) {
		t.Fatalf("the connection did not fail as expected (status %d)", out.ExitStatus)
	}
}

func nonLoopbackIP(t *testing.T) string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// (b) Writes outside the work directory do not reach the host.
func TestSandboxWritesStayInside(t *testing.T) {
	host := t.TempDir()
	canary := filepath.Join(host, "canary")
	out, _ := run(t, Limits{},
		`echo x > /tmp/../canary; echo x > /canary-root; echo x > /usr/canary; echo x > /etc/canary`,
		fmt.Sprintf(`mkdir -p %s; echo x > %s`, host, canary),
		`echo x > /src/../canary-src`,
		`exit 0`)
	if !out.Succeeded() {
		t.Fatalf("build failed: %s", out.Reason)
	}
	for _, p := range []string{canary, "/canary", "/canary-root", "/usr/canary", "/etc/canary", "/canary-src", filepath.Join(filepath.Dir(host), "canary-src")} {
		if _, err := os.Lstat(p); err == nil {
			os.Remove(p)
			t.Errorf("the build wrote %s on the host", p)
		}
	}
}

// (c) A secret on the host, outside the mounts, is not visible.
func TestSandboxCannotReadHostSecret(t *testing.T) {
	secretDir := t.TempDir()
	secret := "glassbox-secret-" + fmt.Sprint(time.Now().UnixNano())
	path := filepath.Join(secretDir, "secret")
	if err := os.WriteFile(path, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := run(t, Limits{},
		fmt.Sprintf(`cat %s; cat /root/secret; cat /proc/1/root%s; cat /etc/shadow; grep -r glassbox-secret- /etc /tmp /src 2>/dev/null; exit 0`, path, path))
	if bytes.Contains(out.Log, []byte(secret)) {
		t.Fatal("the build read a secret from the host")
	}
}

// (d) A fork bomb is stopped by the process limit (not by the wall-time
// limit, which would be the cause had it spun on), and the host keeps its
// process count.
func TestSandboxForkBomb(t *testing.T) {
	before := hostProcesses(t)
	// The classic bomb runs in the background of a shell that returns at
	// once, and on a busy machine the sandbox can end before it has grown;
	// the loop after it keeps the build alive and keeps forking, so the
	// limit is reached whatever the scheduler does.
	out, _ := run(t, Limits{Processes: 64, Wall: Duration(60 * time.Second)}, `bash -c ':(){ :|:& };:'; while :; do sleep 60 & done`)
	if out.Cause != CauseProcesses || out.Reason != "the build ran out of processes (limit 64)" {
		t.Fatalf("cause %q reason %q", out.Cause, out.Reason)
	}
	if after := hostProcesses(t); after > before+10 {
		t.Errorf("host had %d processes before the fork bomb and %d after", before, after)
	}
}

func hostProcesses(t *testing.T) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.Trim(e.Name(), "0123456789") == "" {
			n++
		}
	}
	return n
}

// (e) The wall-time limit kills the build and every process it started.
func TestSandboxWallTime(t *testing.T) {
	out, _ := run(t, Limits{Wall: Duration(2 * time.Second)}, `sleep 1000 & sleep 1000`)
	if out.Cause != CauseWallTime || out.Reason != "the build exceeded its wall-time limit of 2s" {
		t.Fatalf("cause %q reason %q", out.Cause, out.Reason)
	}
	if ps := sleepers(t); len(ps) > 0 {
		t.Fatalf("processes survived the build: %v", ps)
	}
}

func sleepers(t *testing.T) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})) == "sleep 1000 " {
			found = append(found, e.Name())
		}
	}
	return found
}

func TestSandboxMemoryLimit(t *testing.T) {
	// tail keeps a line in memory until it ends; this one never does.
	out, _ := run(t, Limits{Memory: 64 << 20}, `head -c 512M /dev/zero | tail > /dev/null`)
	if out.Cause != CauseMemory || out.Reason != "the build exceeded its memory limit of 64MiB" {
		t.Fatalf("cause %q reason %q", out.Cause, out.Reason)
	}
}

func TestSandboxDiskLimit(t *testing.T) {
	out, _ := run(t, Limits{Disk: 16 << 20}, `head -c 64M /dev/zero > big; echo wrote`)
	if out.Cause != CauseDisk || out.Reason != "the build wrote more than 16MiB" {
		t.Fatalf("cause %q reason %q", out.Cause, out.Reason)
	}
	out, _ = run(t, Limits{Disk: 16 << 20}, `for i in 1 2 3 4 5 6; do head -c 4M /dev/zero > f$i; done; sleep 2`)
	if out.Cause != CauseDisk {
		t.Fatalf("many files: cause %q reason %q", out.Cause, out.Reason)
	}
}

func TestSandboxLogBounded(t *testing.T) {
	needBwrap(t)
	dir := t.TempDir()
	r := &Recipe{Build: []string{`echo first; head -c 1M /dev/zero | tr '\0' x; echo; echo last`}, Artifacts: map[string]string{"out": "out"}}
	out, err := Run(context.Background(), Spec{Recipe: r, Dir: dir, LogLimit: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if !out.LogTruncated || len(out.Log) > 65<<10 || !bytes.HasPrefix(out.Log, []byte("+ echo first")) || !bytes.HasSuffix(out.Log, []byte("last\n")) || !bytes.Contains(out.Log, []byte("[glassbox: ")) {
		t.Fatalf("log of %d bytes, truncated %v: %.200q ... %q", len(out.Log), out.LogTruncated, out.Log, lastN(out.Log, 100))
	}
}

func TestSandboxInputs(t *testing.T) {
	needBwrap(t)
	allowed := t.TempDir()
	os.WriteFile(filepath.Join(allowed, "data"), []byte("input-data\n"), 0o644)
	pin, err := TreeDigest(allowed)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recipe{
		Build:     []string{`cat /inputs/data/data > out; echo x > /inputs/data/new && exit 9; exit 0`},
		Artifacts: map[string]string{"out": "out"},
		Inputs:    []Input{{Name: "data", Path: allowed, Mount: "/inputs/data", Digest: pin}},
	}
	dir := t.TempDir()
	data := t.TempDir()
	out, err := Run(context.Background(), Spec{Recipe: r, Dir: dir, InputRoots: []string{allowed}, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Succeeded() {
		t.Fatalf("%s\n%s", out.Reason, out.Log)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out")); string(b) != "input-data\n" {
		t.Errorf("out = %q", b)
	}
	// An input that changed since the vendor pinned it is refused.
	os.WriteFile(filepath.Join(allowed, "extra"), []byte("slipped in\n"), 0o644)
	if _, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{allowed}, DataDir: data}); err == nil || !strings.Contains(err.Error(), "tree digest") {
		t.Errorf("a changed input: %v", err)
	}
	os.Remove(filepath.Join(allowed, "extra"))
	// The same recipe without the centre's permission is refused.
	if _, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not inside a directory the centre allows") {
		t.Errorf("input outside the allowed roots: %v", err)
	}
}

// TestSandboxInputsNeverFromDataDir: an input root that holds the centre's
// data directory, or lies inside it, is refused, whatever the recipe asks
// to mount; so is an input that resolves into it. The keys stay out of the
// build.
func TestSandboxInputsNeverFromDataDir(t *testing.T) {
	needBwrap(t)
	host := t.TempDir()
	data := filepath.Join(host, "glassbox-data")
	keys := filepath.Join(data, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(keys, "attestation.key"), []byte("PRIVATE KEY MATERIAL\n"), 0o600)
	pin, err := TreeDigest(keys)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recipe{
		Build:     []string{`cat /inputs/k/attestation.key`},
		Artifacts: map[string]string{"out": "out"},
		Inputs:    []Input{{Name: "k", Path: keys, Mount: "/inputs/k", Digest: pin}},
	}
	for _, root := range []string{host, data, keys} {
		out, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{root}, DataDir: data})
		if err == nil || !strings.Contains(err.Error(), "data directory") {
			t.Errorf("input root %s with data directory %s: err %v", root, data, err)
		}
		if out != nil && bytes.Contains(out.Log, []byte("PRIVATE KEY")) {
			t.Fatalf("the build read the centre's key through input root %s", root)
		}
	}
	// The same, with the data directory named by a relative path.
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(wd, data); err == nil {
		if _, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{host}, DataDir: rel}); err == nil || !strings.Contains(err.Error(), "data directory") {
			t.Errorf("input root %s with data directory %s: err %v", host, rel, err)
		}
	}
	// A link from an allowed root into the data directory leads out of the
	// root, and is refused.
	allowed := filepath.Join(host, "inputs")
	os.Mkdir(allowed, 0o755)
	os.Symlink(keys, filepath.Join(allowed, "k"))
	r.Inputs[0].Path = filepath.Join(allowed, "k")
	if _, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{allowed}, DataDir: data}); err == nil || !strings.Contains(err.Error(), "not inside a directory the centre allows") {
		t.Errorf("an input linked into the data directory: %v", err)
	}
	// A rebuilder that allows inputs must know the data directory.
	if _, err := Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{allowed}}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Errorf("input roots without a data directory: %v", err)
	}
}

// TestSandboxInputMismatchKeepsDigest: when an input is not the one the
// recipe pins, the error says so without telling the host directory's
// digest, which would let a recipe probe host content.
func TestSandboxInputMismatchKeepsDigest(t *testing.T) {
	needBwrap(t)
	root := t.TempDir()
	in := filepath.Join(root, "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "f"), []byte("host content\n"), 0o644)
	real, err := TreeDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recipe{
		Build:     []string{`true`},
		Artifacts: map[string]string{"out": "out"},
		Inputs:    []Input{{Name: "in", Path: in, Mount: "/inputs/in", Digest: glassbox.DigestOf([]byte("a guess"))}},
	}
	_, err = Run(context.Background(), Spec{Recipe: r, Dir: t.TempDir(), InputRoots: []string{root}, DataDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not the one") {
		t.Fatalf("a mismatched input: %v", err)
	}
	if strings.Contains(err.Error(), string(real)) || strings.Contains(err.Error(), real.Hex()) {
		t.Errorf("the error tells the host directory's digest: %v", err)
	}
}

// TestSandboxInodeLimit: files cost no space, so a build could create
// hundreds of thousands under a small disk limit; the file limit stops it,
// in the kernel, and nothing reaches the host's disk.
func TestSandboxInodeLimit(t *testing.T) {
	out, dir := run(t, Limits{Disk: 64 << 20, Inodes: 1000, Wall: Duration(2 * time.Minute)},
		`mkdir many; i=0; while [ $i -lt 5000 ]; do : > many/f$i || exit 7; i=$((i+1)); done`)
	if out.Cause != CauseInodes || out.Reason != "the build created more than 1000 files" {
		t.Fatalf("cause %q reason %q", out.Cause, out.Reason)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "many")); len(entries) > 0 {
		t.Errorf("%d of the build's files reached the host's work directory", len(entries))
	}
}

// TestSandboxFallocate: space reserved with fallocate is taken at once,
// with no time for a watcher to notice, and each file below the file-size
// limit passes that: five files of 63 MiB under a 64 MiB disk limit. The
// kernel refuses the space past the limit.
func TestSandboxFallocate(t *testing.T) {
	out, _ := run(t, Limits{Disk: 64 << 20},
		`for i in 1 2 3 4 5; do fallocate -l 63M f$i || break; done; echo "kib $(du -sk . | cut -f1)"; exit 0`)
	m := regexp.MustCompile(`(?m)^kib (\d+)$`).FindSubmatch(out.Log)
	if m == nil {
		t.Fatalf("the build did not report what it holds")
	}
	if kib, _ := strconv.Atoi(string(m[1])); kib > 64<<10 {
		t.Errorf("the build held %d KiB under a 64 MiB disk limit", kib)
	}
}
