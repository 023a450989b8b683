package exercise

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line   string
		name   string
		args   []string
		result string
		child  int
	}{
		{`1796596020.513257 execve("/t", ["/t", "a b", "q\"uote"], 0x5563 /* 35 vars */) = 0`, "execve", []string{`"/t"`, `["/t", "a b", "q\"uote"]`, `0x5563 /* 35 vars */`}, "0", 0},
		{`1796596020.5 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 2`, "clone", nil, "2", 2},
		{`1796596020.5 openat(AT_FDCWD, "/x(", O_RDONLY) = -1 ENOENT (No such file or directory)`, "openat", []string{"AT_FDCWD", `"/x("`, "O_RDONLY"}, "-1 ENOENT (No such file or directory)", 0},
		{`1796596020.5 accept(3, NULL, NULL <unfinished ...>)`, "accept", nil, "?", 0},
		{`1796596020.5 +++ exited with 3 +++`, "exit", nil, "exited with 3", 0},
	} {
		c, ok := parseLine(tc.line, 7)
		if !ok || c.name != tc.name || c.result != tc.result || c.child != tc.child || (tc.args != nil && !slices.Equal(c.args, tc.args)) {
			t.Errorf("parseLine(%q) = %+v, %v", tc.line, c, ok)
		}
	}
	if argv := stringList(`["/bin/sh", "-c", "exit\t0\n", "\303\251"]`); !slices.Equal(argv, []string{"/bin/sh", "-c", "exit\t0\n", "é"}) {
		t.Errorf("stringList = %q", argv)
	}
	for arg, want := range map[string]string{
		`{sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("1.2.3.4")}`:                                                   "1.2.3.4:4444",
		`{sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}`: "[::1]:80",
		`{sa_family=AF_UNIX, sun_path="/run/x"}`:                                                                                     "unix:/run/x",
		`{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}`:                                                                       "",
	} {
		if got := address(arg); got != want {
			t.Errorf("address(%s) = %q, want %q", arg, got, want)
		}
	}
}

// TestReadTrace: calls strace left unfinished while another process ran
// are joined with their resumption, and one still unfinished when its
// process ended is kept with an unknown result.
func TestReadTrace(t *testing.T) {
	dir := t.TempDir()
	trace := `10 1.000001 execve("/app/x", ["/app/x"], 0x1 /* 2 vars */) = 0
10 1.000002 connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("203.0.113.7")}, 16 <unfinished ...>
11 1.000003 bind(4, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
10 1.000004 <... connect resumed>) = -1 ETIMEDOUT (Connection timed out)
11 1.000005 accept4(4, NULL, NULL, SOCK_CLOEXEC <unfinished ...>
11 1.000006 +++ killed by SIGKILL +++
12 1.000007 sendto(3, "x <... y resumed>", 17, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("203.0.113.9")}, 16) = 17
12 1.000008 execve("/bin/sh", ["sh", "` + strings.Repeat(`\377`, 100_000) + `"], 0x1 /* 2 vars */) = 0
`
	if err := os.WriteFile(filepath.Join(dir, "t"), []byte(trace), 0o644); err != nil {
		t.Fatal(err)
	}
	calls, _, err := readTrace(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range calls {
		got = append(got, fmt.Sprintf("%d %s %s", c.pid, c.name, c.result))
	}
	// The text of strace's own markers inside an argument is the
	// program's, and a line of megabytes is kept cut short.
	want := []string{"10 execve 0", "10 connect -1 ETIMEDOUT (Connection timed out)", "11 bind 0", "11 accept4 ?", "11 exit killed by SIGKILL", "12 sendto 17", "12 execve ?"}
	if !slices.Equal(got, want) {
		t.Errorf("readTrace = %q, want %q", got, want)
	}
	if a := address(calls[1].args[1]); a != "203.0.113.7:443" {
		t.Errorf("the resumed connect's address is %q", a)
	}
}

func TestProcAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000:0835":                         "0.0.0.0:2101",
		"00000000000000000000000000000000:17AE": ":::6062",
		"00000000000000000000000001000000:0050": "::1:80",
	} {
		a, p, ok := procAddr(in)
		if got := a + ":" + strconv.Itoa(p); !ok || got != want {
			t.Errorf("procAddr(%s) = %s, want %s", in, got, want)
		}
	}
}

// query is a DNS question for name of type qtype.
func query(name string, qtype uint16) []byte {
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, l := range strings.Split(name, ".") {
		q = append(q, byte(len(l)))
		q = append(q, l...)
	}
	q = append(q, 0)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(q, qtype), 1)
}

func TestSinkholeAnswers(t *testing.T) {
	s := newSinkhole()
	a := s.answer(query("Update.Example.NET", 1))
	if len(a) < 12 || a[0] != 0x12 || a[1] != 0x34 || a[2]&0x80 == 0 || binary.BigEndian.Uint16(a[6:8]) != 1 {
		t.Fatalf("answer = %x", a)
	}
	if got := netip.AddrFrom4([4]byte(a[len(a)-4:])); !sinkholeNet.Contains(got) || s.name(got.String()) != "update.example.net" {
		t.Errorf("answered %s for update.example.net", got)
	}
	if b := s.answer(query("update.example.net", 1)); string(b[len(b)-4:]) != string(a[len(a)-4:]) {
		t.Errorf("a second question for the same name got another address")
	}
	if b := s.answer(query("update.example.net", 28)); binary.BigEndian.Uint16(b[6:8]) != 0 {
		t.Errorf("AAAA answered with an address")
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, append(query("x", 1)[:12], 63, 'a'), {0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}} {
		if s.answer(bad) != nil {
			t.Errorf("answered %x", bad)
		}
	}
	// The same name and type asked twice is recorded once.
	if len(s.seen) != 2 {
		t.Errorf("recorded %d questions, want 2", len(s.seen))
	}
}

// FuzzParseLine: the trace holds what a hostile program made strace
// print; nothing in it may panic the parser.
func FuzzParseLine(f *testing.F) {
	f.Add(`1796596020.513257 execve("/t", ["/t", "a\\\"b"], 0x5 /* 3 vars */) = 0`)
	f.Add(`1.5 connect(3, {sa_family=AF_INET6, sin6_port=htons(80), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = -1 EINPROGRESS`)
	f.Add(`1.5 openat(AT_FDCWD, "\x41\101\\", O_WRONLY|O_CREAT, 0644) = 3`)
	f.Add(`1.5 clone3({flags=CLONE_VM, exit_signal=SIGCHLD}, 88) = 5 /* 77 in strace's PID NS */`)
	f.Fuzz(func(t *testing.T, line string) {
		c, ok := parseLine(line, 1)
		if !ok {
			return
		}
		for _, a := range c.args {
			unquote(a)
			stringList(a)
			address(a)
		}
		events([]call{c}, nil, "/app/x", nil)
	})
}

// FuzzSinkholeAnswer: a DNS question is the program's to write.
func FuzzSinkholeAnswer(f *testing.F) {
	f.Add(query("a.example", 1))
	f.Add(query("a.example", 28))
	f.Fuzz(func(t *testing.T, q []byte) {
		s := newSinkhole()
		if a := s.answer(q); a != nil && (len(a) < 12 || a[0] != q[0] || a[1] != q[1]) {
			t.Fatalf("answer %x to %x", a, q)
		}
	})
}
