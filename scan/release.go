package scan

import (
	"context"
	"io"
	"io/fs"
	"iter"

	"glassbox.dev"
)

// ArtifactPrefix is prepended to the paths of a release's artefacts in a
// scan, so that a finding in an artefact is not mistaken for one in the
// source file of the same name.
const ArtifactPrefix = "artifacts/"

// ReleaseFiles lists a release's source files and artefacts as the
// scanner reads them, straight from the evidence store.
func ReleaseFiles(ctx context.Context, blobs glassbox.BlobStore, rel *glassbox.Release) iter.Seq[SourceFile] {
	return func(yield func(SourceFile) bool) {
		emit := func(prefix string, files []glassbox.File, artifact bool) bool {
			for _, f := range files {
				mode := fs.FileMode(0)
				if f.Mode == glassbox.ModeSymlink {
					mode = fs.ModeSymlink
				}
				d := f.Digest
				sf := SourceFile{
					Path: prefix + f.Path,
					Size: f.Size,
					Mode: mode, Artifact: artifact,
					Open: func() (io.ReadCloser, error) { return blobs.Open(ctx, d) },
				}
				if !yield(sf) {
					return false
				}
			}
			return true
		}
		if emit("", rel.Manifest.Source.Files, false) {
			emit(ArtifactPrefix, rel.Manifest.Artifacts, true)
		}
	}
}
