package terminal

import (
	"bytes"
	"testing"
)

func TestEscapesReachNoTerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"left-pad\n", "left-pad\n"},
		{"evil\x1b]0;pwned\x07name", `evil\x1b]0;pwned\x07name`},
		{"erase\x1b[2K\rclean", `erase\x1b[2K\x0dclean`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"raw \x9b byte", `raw \x9b byte`},
		{"bidi \u202eevil\u202c", `bidi \u202eevil\u202c`},
		{"tab\tand ünïcödé ✓", "tab\tand ünïcödé ✓"},
		{"del\x7f", `del\x7f`},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// A UTF-8 sequence split across writes is kept whole; a C1 control split
// so is still caught.
func TestSplitWrites(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	in := []byte("é\u009b✓")
	for i := range in {
		w.Write(in[i : i+1])
	}
	if got, want := out.String(), `é\u009b✓`; got != want {
		t.Errorf("byte by byte: %q; want %q", got, want)
	}
}

func TestSafeLeavesPipesAlone(t *testing.T) {
	var b bytes.Buffer
	if Safe(&b) != &b {
		t.Error("a buffer is not a terminal: Safe must return it unchanged")
	}
}
