package evidence

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFiles makes the staged files durable. Past a handful of files one
// syncfs(2) of the whole file system is far cheaper than an fsync per file,
// and just as durable for the files we wrote.
func syncFiles(root string, blobs []*staged) error {
	if len(blobs) < 8 {
		return fsyncEach(blobs)
	}
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func tryLock(f *os.File) bool {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

// syncDirs makes renames into dirs durable: one syncfs past a handful of
// blobs, else an fsync per directory.
func syncDirs(root string, dirs map[string]bool, blobs int) error {
	if blobs < 8 {
		return syncEachDir(dirs)
	}
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// syncAll makes everything written to the file system holding root durable.
func syncAll(root string) error {
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
