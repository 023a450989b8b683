package vuln

import (
	"path/filepath"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

// openBlobs is a real evidence store in a temporary directory.
func openBlobs(t *testing.T) glassbox.BlobStore {
	t.Helper()
	fs, err := evidence.OpenFS(filepath.Join(t.TempDir(), "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}
