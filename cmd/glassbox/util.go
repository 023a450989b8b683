package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"glassbox.dev"
	"glassbox.dev/centre"
)

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// releaseTarget resolves a command's target that is neither a file nor a
// directory as a stored release.
func releaseTarget(ctx context.Context, c *centre.Centre, ref string) (*glassbox.Release, error) {
	rel, err := findRelease(ctx, c, ref)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return nil, &glassbox.Error{Code: glassbox.ENOTFOUND, Message: fmt.Sprintf("%s does not exist: it is neither a file nor a directory, and %v", ref, err), Err: fs.ErrNotExist}
		}
		return nil, fmt.Errorf("%s is not a file or directory; as a release: %w", ref, err)
	}
	return rel, nil
}

// mustExist checks the paths a command was given before it starts work:
// one that does not exist is an error wrapping fs.ErrNotExist, which is
// exit 2 on every command. Empty paths (flags not given) are skipped.
func mustExist(what string, paths ...string) error {
	for _, p := range paths {
		if p == "" || p == "-" {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return &glassbox.Error{Code: glassbox.ENOTFOUND, Message: fmt.Sprintf("%s %s does not exist", what, p), Err: fs.ErrNotExist}
		}
	}
	return nil
}
