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

// showProgress draws a one-line progress report on w while a long operation
// runs, if w is a terminal; piped output stays quiet. The returned function
// stops it and clears the line.
func showProgress(w io.Writer, label string, p *ingest.Progress) (stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				mib := float64(p.Bytes.Load()) / (1 << 20)
				rate := mib / time.Since(start).Seconds()
				fmt.Fprintf(f, "\r\033[K%s: %d files, %.1f MiB (%.0f MiB/s)", label, p.Files.Load(), mib, rate)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// showElapsed draws "label… 12s" on w while an operation of unknown length
// runs, if w is a terminal.
func showElapsed(w io.Writer, label string) (stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			fmt.Fprintf(f, "\r\033[K%s… %s", label, time.Since(start).Round(time.Second))
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
