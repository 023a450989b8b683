package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The first SIGINT or SIGTERM cancels the command; the second exits at
// once. Real signals, sent to this process.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	pr, pw := io.Pipe()
	go io.Copy(io.Discard, pr)
	exited := make(chan int, 1)
	ctx, stop := interrupts(context.Background(), pw, func(code int) { exited <- code })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("SIGINT did not cancel the command's context")
	}
	select {
	case code := <-exited:
		t.Fatalf("one signal exited (%d); it must only cancel", code)
	default:
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-exited:
		if code != exitError {
			t.Errorf("exit %d after the second signal; want %d", code, exitError)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second signal did not exit")
	}
}

// A command reading a FIFO stops when cancelled, whether no writer ever
// opens the FIFO (the open waits) or a writer opens it and never writes
// (the read waits).
func TestCancelledCommandStopsReadingAFIFO(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "main.c"), []byte("int main(void) { return 0; }\n"))
	for _, tc := range []struct {
		name   string
		writer bool
	}{{"no writer", false}, {"a writer that never writes", true}} {
		t.Run(tc.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "suppressions")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			if tc.writer {
				// O_RDWR opens at once on Linux and keeps a writer on the
				// FIFO that writes nothing.
				w, err := os.OpenFile(fifo, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
			}
			ctx, cancel := context.WithCancel(context.Background())
			var stderr strings.Builder
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"--data", t.TempDir(), "scan", "--suppressions", fifo, src}, strings.NewReader(""), io.Discard, &stderr)
			}()
			// Let the scan reach its read first; it stops either way.
			time.Sleep(200 * time.Millisecond)
			cancel()
			select {
			case code := <-done:
				if code != exitError || !strings.Contains(stderr.String(), "stopped") {
					t.Errorf("cancelled scan: exit %d: %s", code, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the cancelled scan is still reading the FIFO")
			}
		})
	}
}
