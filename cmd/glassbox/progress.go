package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"glassbox.dev/ingest"
)

// showLine redraws one line on w, from status, every interval while a long
// operation runs, if w is a terminal; piped output stays quiet. The
// returned function stops it and clears the line.
func showLine(w io.Writer, interval time.Duration, status func(elapsed time.Duration) string) (stop func()) {
	f, ok := terminalFile(w)
	if !ok {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprintf(f, "\r\033[K%s", status(time.Since(start)))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// showProgress reports files and bytes read so far.
func showProgress(w io.Writer, label string, p *ingest.Progress) (stop func()) {
	return showLine(w, 200*time.Millisecond, func(elapsed time.Duration) string {
		mib := float64(p.Bytes.Load()) / (1 << 20)
		return fmt.Sprintf("%s: %d files, %.1f MiB (%.0f MiB/s)", label, p.Files.Load(), mib, mib/elapsed.Seconds())
	})
}

// showElapsed reports how long an operation of unknown length has run.
func showElapsed(w io.Writer, label string) (stop func()) {
	return showLine(w, time.Second, func(elapsed time.Duration) string {
		return fmt.Sprintf("%s… %s", label, elapsed.Round(time.Second))
	})
}

// terminalFile returns the terminal w writes to, if it writes to one
// (through the escaping writer main puts in front of it), for glassbox's
// own escape sequences.
func terminalFile(w io.Writer) (*os.File, bool) {
	if r, ok := w.(interface{ Raw() io.Writer }); ok {
		w = r.Raw()
	}
	f, ok := w.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}
