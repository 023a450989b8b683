package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"glassbox.dev"
)

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// releaseTarget resolves a command's target that is neither a file nor a
// directory as a stored release.
func releaseTarget(ctx context.Context, c *dataDir, ref string) (*glassbox.Release, error) {
	rel, err := findRelease(ctx, c.releases, ref)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "%s is neither a file nor a directory, and %v", ref, err)
		}
		return nil, fmt.Errorf("%s is not a file or directory; as a release: %w", ref, err)
	}
	return rel, nil
}
