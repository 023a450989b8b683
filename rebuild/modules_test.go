package rebuild

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A release's go.mod or go.sum past MaxModFile (here sparse, so it costs no
// disk) is refused with an error that names it, before anything reads it
// whole.
func TestOversizedModFilesAreRefused(t *testing.T) {
	for _, name := range []string{"go.mod", "go.sum"} {
		t.Run(name, func(t *testing.T) {
			src := t.TempDir()
			os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/m\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n"), 0o644)
			os.WriteFile(filepath.Join(src, "go.sum"), nil, 0o644)
			if err := os.Truncate(filepath.Join(src, name), MaxModFile+1); err != nil {
				t.Fatal(err)
			}
			cache := filepath.Join(t.TempDir(), "cache")
			_, err := fetchModules(context.Background(), src, cache, "")
			if err == nil || !strings.Contains(err.Error(), name+" "+filepath.Join(src, name)+" is larger than 16 MiB") {
				t.Errorf("fetchModules with a %s of %d bytes: %v", name, MaxModFile+1, err)
			}
		})
	}
}
