package exercise

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Files a program writes are recorded with fanotify rather than by tracing
// every open: a program opens far more files to read than to write, and a
// traced open costs two stops, which made a directory walk five times
// slower. The sandbox's only writable places are its own tmpfs (/tmp and
// the working directory); fanotify on that file system, from outside,
// reports every file closed after being opened for writing, with the
// writer's PID, whoever it is and however it made the call. (A write to
// anywhere else fails: the rest of the sandbox is read-only. creat and
// the calls that change the tree — rename, unlink, mkdir, link, symlink —
// are still traced, so an attempt on a read-only path is recorded.)

// fileWatch reads the fanotify events of one box's tmpfs.
type fileWatch struct {
	fd     int
	mounts map[string]string // host directory → where the sandbox sees it
	mu     sync.Mutex
	events []Event
	stop   chan struct{}
	done   chan struct{}
	lost   bool // the kernel's queue overflowed: events were dropped
}

// overflowed reports whether events were dropped, by the kernel or at
// maxFileEvents.
func (w *fileWatch) overflowed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lost
}

// watchFiles starts watching the file system mounts' host directories are
// on. stop ends the watch and returns what it saw; it must be called
// before the file system is unmounted.
func watchFiles(mounts map[string]string) (*fileWatch, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fanotify (the record of files written needs root): %w", err)
	}
	w := &fileWatch{fd: fd, mounts: mounts, stop: make(chan struct{}), done: make(chan struct{})}
	// One mark covers them all: they are directories of one file system.
	host := slices.Min(slices.Collect(maps.Keys(mounts)))
	if err := unix.FanotifyMark(fd, unix.FAN_MARK_ADD|unix.FAN_MARK_FILESYSTEM, unix.FAN_CLOSE_WRITE, unix.AT_FDCWD, host); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("fanotify on %s: %w", host, err)
	}
	go w.run()
	return w, nil
}

func (w *fileWatch) run() {
	defer close(w.done)
	buf := make([]byte, 64<<10)
	for {
		stopping := false
		select {
		case <-w.stop:
			stopping = true
		default:
		}
		n, err := unix.Read(w.fd, buf)
		if n > 0 {
			w.parse(buf[:n])
			continue
		}
		if stopping {
			return
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			return
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		unix.Poll(fds, 50)
	}
}

// maxFileEvents bounds what one run's watch keeps; past it the record is
// incomplete.
const maxFileEvents = 20000

// parse reads struct fanotify_event_metadata records.
func (w *fileWatch) parse(b []byte) {
	for len(b) >= fanotifyMetadataLen {
		l := binary.NativeEndian.Uint32(b[0:4])
		if l < fanotifyMetadataLen || int(l) > len(b) {
			return
		}
		mask := binary.NativeEndian.Uint64(b[8:16])
		fd := int32(binary.NativeEndian.Uint32(b[16:20]))
		pid := int32(binary.NativeEndian.Uint32(b[20:24]))
		b = b[l:]
		if fd < 0 {
			if mask&unix.FAN_Q_OVERFLOW != 0 {
				w.mu.Lock()
				w.lost = true
				w.mu.Unlock()
			}
			continue
		}
		p, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		// Removed since: still the file that was written.
		p = strings.TrimSuffix(p, " (deleted)")
		unix.Close(int(fd))
		if mask&unix.FAN_CLOSE_WRITE == 0 {
			continue
		}
		w.mu.Lock()
		if len(w.events) < maxFileEvents {
			w.events = append(w.events, Event{At: time.Now(), PID: int(pid), Kind: "write", Call: "close_write", Path: w.inside(p), Result: "0"})
		} else {
			w.lost = true
		}
		w.mu.Unlock()
	}
}

// inside maps a host path on the tmpfs to where the sandbox sees it.
func (w *fileWatch) inside(p string) string {
	for host, in := range w.mounts {
		if p == host {
			return in
		}
		if rest, ok := strings.CutPrefix(p, host+string(filepath.Separator)); ok {
			return in + "/" + filepath.ToSlash(rest)
		}
	}
	return p
}

func (w *fileWatch) close() []Event {
	close(w.stop)
	<-w.done
	unix.Close(w.fd)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.events
}

// fanotifyMetadataLen is sizeof(struct fanotify_event_metadata).
const fanotifyMetadataLen = 24
