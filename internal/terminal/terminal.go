// Package terminal keeps vendor-controlled text from driving the terminal
// it is printed on: component names, file paths, messages and snippets can
// hold escape sequences that retitle the window, rewrite what was printed
// above, or hide a finding.
package terminal

import (
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/term"
)

// Safe returns w itself when w is not a terminal (a pipe, a file: the
// bytes are data and pass unchanged), and otherwise a writer that shows
// every control character and every byte that is not UTF-8 as a visible
// escape such as \x1b, keeping newlines and tabs.
func Safe(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return NewWriter(f)
	}
	return w
}

// Writer escapes control characters on their way to a terminal.
type Writer struct {
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence split across writes
}

// NewWriter returns a Writer that writes escaped text to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Raw returns the writer underneath, for glassbox's own escape sequences
// (the progress line).
func (t *Writer) Raw() io.Writer { return t.w }

// Write escapes p and writes it, reporting all of p as written.
func (t *Writer) Write(p []byte) (int, error) {
	b := append(t.pending, p...)
	t.pending = nil
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 && !utf8.FullRune(b) {
			t.pending = append([]byte(nil), b...)
			break
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			out = fmt.Appendf(out, `\x%02x`, b[0])
		case r == '\n' || r == '\t':
			out = append(out, b[0])
		case r < 0x20 || r == 0x7f:
			out = fmt.Appendf(out, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// C1 controls (0x9b is CSI on 8-bit terminals) and the
			// bidirectional overrides that reorder what is shown.
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Text escapes s as Writer would, for text that is not written through one.
func Text(s string) string {
	var b bytesWriter
	w := NewWriter(&b)
	w.Write([]byte(s))
	for _, c := range w.pending {
		b = fmt.Appendf(b, `\x%02x`, c)
	}
	return string(b)
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }
