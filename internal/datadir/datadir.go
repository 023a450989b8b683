// Package datadir checks that the parts of a data directory still belong
// together: the evidence store and the log on disk, and the metadata
// database (a file beside them, or a PostgreSQL server) that indexes them.
//
// A lost database must not look like an empty centre: commands would answer
// "no releases" while the evidence and the log still hold them.
package datadir

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"glassbox.dev"
	"glassbox.dev/internal/atomicfile"
)

// AnchorFile, in the data directory, names one release the metadata
// database holds. Releases are never deleted, so a database that does not
// hold it is not this directory's database.
const AnchorFile = "metadata.anchor"

// CheckNewDatabase is called before a metadata database is created for dir:
// it refuses when dir already holds evidence or a log, which a new, empty
// database would hide.
func CheckNewDatabase(dir, db string) error {
	var held []string
	if !emptyDir(filepath.Join(dir, "evidence", "sha256")) {
		held = append(held, "evidence ("+filepath.Join(dir, "evidence")+")")
	}
	if !emptyDir(filepath.Join(dir, "log", "tile")) {
		held = append(held, "a transparency log ("+filepath.Join(dir, "log")+")")
	}
	if len(held) == 0 {
		return nil
	}
	return glassbox.Errorf(glassbox.ECORRUPT, "the metadata database %s does not exist, but %s holds %s: the database was deleted or moved, and a new, empty one would hide what is stored; restore %s from a backup (or move the data directory aside to start a new centre)",
		db, dir, strings.Join(held, " and "), db)
}

// CheckDatabase checks that releases is the database dir's evidence was
// recorded in: it must hold the release the anchor names. A directory
// without an anchor gets one as soon as its database holds a release.
func CheckDatabase(ctx context.Context, dir, db string, releases glassbox.ReleaseStore) error {
	b, err := os.ReadFile(filepath.Join(dir, AnchorFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		list, err := releases.FindReleases(ctx, glassbox.ReleaseFilter{Limit: 1})
		if err != nil || len(list) == 0 {
			return err
		}
		return Remember(dir, list[0].ID)
	case err != nil:
		return glassbox.Errorf(glassbox.EINTERNAL, "read %s: %w", filepath.Join(dir, AnchorFile), err)
	}
	id, err := glassbox.ParseDigest(strings.TrimSpace(string(b)))
	if err != nil {
		return glassbox.Errorf(glassbox.ECORRUPT, "%s does not name a release (%v); it names a release the metadata database must hold: restore it from a backup or remove it", filepath.Join(dir, AnchorFile), err)
	}
	switch _, err := releases.FindRelease(ctx, id); {
	case glassbox.ErrorCode(err) == glassbox.ENOTFOUND:
		return glassbox.Errorf(glassbox.ECORRUPT, "the metadata database %s does not hold release %s, which %s recorded in it: it is not this data directory's database, or it was emptied; point --db at the right database or restore it from a backup", db, id, dir)
	case err != nil:
		return err
	}
	return nil
}

// Remember records id as the anchor of dir, if dir has none yet.
func Remember(dir string, id glassbox.Digest) error {
	err := atomicfile.Write(filepath.Join(dir, AnchorFile), []byte(id.String()+"\n"), 0o644, false)
	if err != nil && !atomicfile.IsExist(err) {
		return glassbox.Errorf(glassbox.EINTERNAL, "record the metadata database's anchor: %w", err)
	}
	return nil
}

func emptyDir(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return true
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}
