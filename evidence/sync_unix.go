//go:build unix && !linux

package evidence

import (
	"os"

	"golang.org/x/sys/unix"
)

func syncFiles(root string, blobs []*staged) error { return fsyncEach(blobs) }

func tryLock(f *os.File) bool {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

func syncDirs(root string, dirs map[string]bool, blobs int) error { return syncEachDir(dirs) }

func fdatasync(f *os.File) error { return f.Sync() }

// syncAll makes everything written to the file system holding root durable.
func syncAll(root string) error {
	unix.Sync()
	return nil
}
