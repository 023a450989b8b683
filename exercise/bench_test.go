package exercise

import (
	"os"
	"os/exec"
	"testing"

	"glassbox.dev/rebuild"
)

// BenchmarkRecording: the recorder's cost (strace and the fanotify watch)
// on syscall-heavy programs, each run bare and recorded in the same
// sandbox (the sandbox's own start, about 50 ms, is in both). Run with
//
//	go test ./exercise -run '^$' -bench Recording -benchtime 5x -count 3
//
// and compare recorded with bare per workload: docs/benchmarks.md.
func BenchmarkRecording(b *testing.B) {
	strace, err := exec.LookPath("strace")
	if err != nil || os.Getuid() != 0 {
		b.Skip("needs root, bubblewrap and strace")
	}
	for _, w := range []struct{ name, script string }{
		// Nothing: what starting the recorder costs.
		{"start", "true"},
		// Two million read and write calls, none of which the recorder
		// stops at: the common case of a busy program.
		{"read-write", "dd if=/dev/zero of=/dev/null bs=1 count=1000000 2>/dev/null"},
		// A directory walk: every directory opened is a call the recorder
		// stops at and reads.
		{"open-files", "find /usr/share /usr/include >/dev/null 2>&1; true"},
		// Files written: 2,000 created, written and closed in /tmp, each
		// an event the recorder reads.
		{"write-files", "i=0; while [ $i -lt 2000 ]; do echo x >/tmp/f$i; i=$((i+1)); done"},
		// Processes: fork and exec, each stopped and read, 300 times.
		{"processes", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"},
	} {
		for _, recorded := range []bool{false, true} {
			name := w.name + "/bare"
			if recorded {
				name = w.name + "/recorded"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					box := rebuild.Box{Command: []string{"/bin/sh", "-c", w.script}}
					if recorded {
						box.Tracer = tracerArgs(strace, b.TempDir())
						box.Watch = func(m map[string]string) (func(), error) {
							w, err := watchFiles(m)
							if err != nil {
								return nil, err
							}
							return func() { w.close() }, nil
						}
					}
					out, err := rebuild.RunBox(b.Context(), box)
					if err != nil || out.ExitStatus != 0 {
						b.Fatalf("%v %+v", err, out)
					}
				}
			})
		}
	}
}
