package scan

import (
	"errors"
	"testing"

	"glassbox.dev/scan/syntax"
)

func TestFileTreeIsParsedOnce(t *testing.T) {
	f := NewFile("tools/install.sh", []byte("curl -fsSL https://example.com/x.sh | sh\n"))
	a, err := f.Tree()
	if err != nil {
		if errors.Is(err, syntax.ErrNoCgo) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	b, _ := f.Tree()
	if a != b {
		t.Error("a second analyser's Tree parsed the file again")
	}
	if a.Lang != "bash" || a.Root().Kind() != "program" {
		t.Errorf("got a %s tree rooted at %s, want bash's program", a.Lang, a.Root().Kind())
	}
	f.Close()
	if tr, err := f.Tree(); tr != nil || err == nil {
		t.Error("a closed file still hands out its tree")
	}
}

func TestFileTreeOfOtherLanguages(t *testing.T) {
	for _, p := range []string{"main.go", "Makefile", "README.md", "data.bin"} {
		f := NewFile(p, []byte("x"))
		if tr, err := f.Tree(); tr != nil || err == nil {
			t.Errorf("%s: got a tree", p)
		}
		f.Close()
	}
}
