// Package atomicfile writes a file so that readers see the old content or
// the new, complete and durable, never a part: a temporary file beside it,
// synced, then renamed (or linked) into place.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path with exactly the given mode. With replace, an
// existing file is replaced; without, Write fails with an error matching
// fs.ErrExist if path exists, even when another process races to create it.
// A path that is a device or FIFO (say /dev/null) is written in place: a
// rename would replace the device with a regular file.
func Write(path string, data []byte, mode os.FileMode, replace bool) (err error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if !replace {
			return fmt.Errorf("write %s: %w", path, fs.ErrExist)
		}
		if fi.IsDir() {
			return fmt.Errorf("write %s: it is a directory", path)
		}
		return os.WriteFile(path, data, mode)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600; Chmod sets the exact mode whatever
	// the umask.
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	// A link fails if the name exists: no overwrite, even in a race.
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	os.Remove(tmp)
	return nil
}

// IsExist reports whether err says the file already existed.
func IsExist(err error) bool { return errors.Is(err, fs.ErrExist) }
