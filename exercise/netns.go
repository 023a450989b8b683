package exercise

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The sandbox's network namespace has only loopback: nothing it sends can
// leave the machine. glassbox reaches into it from outside, on an OS thread
// that joins it (setns) for the call and then returns to its own: the
// sockets made there stay in the namespace, so the sinkhole and the probes live inside
// it while their code, like the recorder, stays out of the program's reach.

// netns is a sandbox's network namespace, held open by a descriptor.
type netns struct{ fd int }

// openNetns opens the network namespace of pid.
func openNetns(pid int) (*netns, error) {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/net", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("the sandbox's network namespace: %w", err)
	}
	return &netns{fd: fd}, nil
}

func (n *netns) close() { unix.Close(n.fd) }

// inNetns runs fn on an OS thread that has joined the namespace n, and
// returns the thread to its own namespace afterwards. A thread that could
// not be returned stays locked and ends with its goroutine (the main
// thread, which cannot end, is then parked by the runtime): no other
// goroutine ever runs in a sandbox's namespace.
func inNetns(n *netns, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		own, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("this thread's network namespace: %w", err)
			return
		}
		defer unix.Close(own)
		if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("joining the sandbox's network namespace: %w", err)
			return
		}
		err = fn()
		if unix.Setns(own, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Sinkhole addresses: the resolver the sandbox's resolv.conf names (the
// C library's stub resolver takes a reply only from the loopback address
// it sent from, so not 127.0.0.53), and
// the network its answers come from, one address per name asked.
var (
	resolverAddr = netip.MustParseAddrPort("127.0.0.1:53")
	sinkholeNet  = netip.MustParsePrefix("127.99.0.0/16")
)

// Query is a name the program looked up, answered by the sinkhole.
type Query struct {
	At     time.Time `json:"at"`
	Name   string    `json:"name"`
	Type   string    `json:"type"`   // A, AAAA, …
	Answer string    `json:"answer"` // the sinkhole address given, or ""
}

// sinkhole answers every DNS question asked in the sandbox with an address
// of its own (A) or no address (other types), and records the question.
type sinkhole struct {
	conn  net.PacketConn
	mu    sync.Mutex
	seen  []Query
	asked map[string]bool // name and type, each recorded once
	addr  map[string]netip.Addr
	names map[netip.Addr]string
	full  bool // more names were asked than maxNames
	done  chan struct{}
}

func newSinkhole() *sinkhole {
	return &sinkhole{addr: map[string]netip.Addr{}, names: map[netip.Addr]string{}, asked: map[string]bool{}, done: make(chan struct{})}
}

func startSinkhole(ns *netns) (*sinkhole, error) {
	s := newSinkhole()
	err := inNetns(ns, func() error {
		// Ports below 1024 are the program's to bind as in a real
		// deployment, though it runs without capabilities.
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_unprivileged_port_start", []byte("0"), 0); err != nil {
			return fmt.Errorf("letting the program bind low ports: %w", err)
		}
		c, err := net.ListenPacket("udp4", resolverAddr.String())
		if err != nil {
			return fmt.Errorf("the DNS sinkhole: %w", err)
		}
		s.conn = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	go s.serve()
	return s, nil
}

// close stops the sinkhole; full reports questions it could not record.
func (s *sinkhole) close() (asked []Query, full bool) {
	s.conn.Close()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.seen...), s.full
}

// name returns the name the sinkhole gave addr for, or "".
func (s *sinkhole) name(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[a.Unmap()]
}

func (s *sinkhole) serve() {
	defer close(s.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		resp := s.answer(buf[:n])
		if resp != nil {
			s.conn.WriteTo(resp, from)
		}
	}
}

var dnsTypes = map[uint16]string{1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 65: "HTTPS"}

// answer parses one DNS query (RFC 1035) and returns the reply.
func (s *sinkhole) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 || q[2]&0x80 != 0 {
		return nil
	}
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		if l == 0 {
			i++
			break
		}
		if l > 63 || i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i : i+2])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))
	typ, ok := dnsTypes[qtype]
	if !ok {
		typ = strconv.Itoa(int(qtype))
	}
	rec := Query{At: time.Now(), Name: name, Type: typ}
	var ans []byte
	s.mu.Lock()
	if qtype == 1 {
		a, ok := s.addr[name]
		if !ok && len(s.addr) < maxNames {
			n := len(s.addr) + 1
			a = netip.AddrFrom4([4]byte{127, 99, byte(n >> 8), byte(n)})
			s.addr[name], s.names[a], ok = a, name, true
		}
		if ok {
			rec.Answer = a.String()
			a4 := a.As4()
			// The question's name (pointer to offset 12), A, IN, TTL 60, 4 bytes.
			ans = append([]byte{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4}, a4[:]...)
		}
	}
	// Each name and type once, with the time it was first asked: a
	// program asking the same name in a loop fills nothing.
	if k := typ + " " + name; !s.asked[k] {
		if len(s.seen) < maxNames {
			s.asked[k] = true
			s.seen = append(s.seen, rec)
		} else {
			s.full = true
		}
	}
	s.mu.Unlock()
	out := make([]byte, 12, 12+len(question)+len(ans))
	copy(out[0:2], q[0:2])
	out[2] = 0x80 | (q[2] & 0x01) // a response, recursion desired as asked
	out[3] = 0x80                 // recursion available, no error
	binary.BigEndian.PutUint16(out[4:6], 1)
	if ans != nil {
		binary.BigEndian.PutUint16(out[6:8], 1)
	}
	out = append(out, question...)
	return append(out, ans...)
}

// maxNames bounds the names answered and the questions recorded in one
// run (a sinkhole address is 16 bits); past it the record is incomplete.
const maxNames = 4096

// Listener is a socket listening in the sandbox.
type Listener struct {
	Proto    string    `json:"proto"` // tcp, tcp6, udp, udp6
	Address  string    `json:"address"`
	Port     int       `json:"port"`
	FirstAt  time.Time `json:"first_seen"`
	Declared bool      `json:"declared"` // the recipe says the program listens on this port
}

// AllInterfaces reports whether l listens on every interface.
func (l Listener) AllInterfaces() bool { return l.Address == "0.0.0.0" || l.Address == "::" }

// Endpoint is the address to connect to in order to reach l.
func (l Listener) Endpoint() string {
	host := l.Address
	switch host {
	case "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, strconv.Itoa(l.Port))
}

// listeners reads the sockets listening in the namespace from the
// kernel's tables: what is there, whoever opened it.
func listeners(ns *netns) ([]Listener, error) {
	var out []Listener
	err := inNetns(ns, func() error {
		var err error
		out, err = readListeners()
		return err
	})
	return out, err
}

// readListeners reads the tables of the calling thread's namespace.
func readListeners() ([]Listener, error) {
	var out []Listener
	for _, t := range []struct {
		file, proto string
		state       string
	}{{"tcp", "tcp", "0A"}, {"tcp6", "tcp6", "0A"}, {"udp", "udp", "07"}, {"udp6", "udp6", "07"}} {
		f, err := os.Open("/proc/thread-self/net/" + t.file)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && strings.HasSuffix(t.file, "6") {
				continue
			}
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != t.state {
				continue
			}
			addr, port, ok := procAddr(fields[1])
			if !ok {
				continue
			}
			if strings.HasPrefix(t.proto, "udp") && addr == resolverAddr.Addr().String() && port == int(resolverAddr.Port()) {
				continue // the sinkhole
			}
			out = append(out, Listener{Proto: t.proto, Address: addr, Port: port})
		}
		f.Close()
	}
	return out, nil
}

// procAddr decodes /proc/net/tcp's "0100007F:1F90": the address in the
// kernel's byte order, 32 bits at a time, and the port in hex.
func procAddr(s string) (string, int, bool) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, false
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return "", 0, false
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return "", 0, false
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	a, _ := netip.AddrFromSlice(raw)
	if a.Is4In6() && !a.Unmap().IsUnspecified() {
		a = a.Unmap()
	}
	return a.String(), int(port), true
}

// dial connects to addr from inside the namespace.
func dial(ns *netns, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, timeout)
		return err
	})
	return c, err
}
