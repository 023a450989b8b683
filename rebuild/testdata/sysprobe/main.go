// Command sysprobe makes one system call and prints what came of it, for
// the sandbox's seccomp tests:
//
//	sysprobe LABEL NR [ARG...]   the call NR with up to six arguments
//	sysprobe LABEL i386 NR       NR through the i386 ABI (int 0x80), amd64 only
//	sysprobe LABEL x32 NR        NR through the x32 ABI, amd64 only
//
// It prints "LABEL ok RESULT" or "LABEL errno NAME". An argument is a number,
// "pid" (the probe's pid), "buf" or "buf2" (64 KiB of zeros), "iov" (a
// struct iovec over 16 bytes of buf) or "s:TEXT" (a C string).
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

var (
	buf, buf2 = make([]byte, 64<<10), make([]byte, 64<<10)
	iov       = [2]uintptr{uintptr(unsafe.Pointer(&buf[0])), 16}
	keep      [][]byte
)

func arg(s string) uintptr {
	switch {
	case s == "pid":
		return uintptr(os.Getpid())
	case s == "buf":
		return uintptr(unsafe.Pointer(&buf[0]))
	case s == "buf2":
		return uintptr(unsafe.Pointer(&buf2[0]))
	case s == "iov":
		return uintptr(unsafe.Pointer(&iov[0]))
	case len(s) >= 2 && s[:2] == "s:":
		b := append([]byte(s[2:]), 0)
		keep = append(keep, b)
		return uintptr(unsafe.Pointer(&b[0]))
	}
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		u, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sysprobe: bad argument %q\n", s)
			os.Exit(2)
		}
		return uintptr(u)
	}
	return uintptr(n)
}

func main() {
	label := os.Args[1]
	var r uintptr
	var errno syscall.Errno
	switch os.Args[2] {
	case "i386":
		r = int80(arg(os.Args[3]))
		if int64(r) < 0 && int64(r) > -4096 {
			errno = syscall.Errno(-int64(r))
		}
	case "x32":
		r, _, errno = syscall.RawSyscall(0x40000000|arg(os.Args[3]), 0, 0, 0)
	default:
		var a [6]uintptr
		for i, s := range os.Args[3:] {
			a[i] = arg(s)
		}
		nr := arg(os.Args[2])
		r, _, errno = syscall.RawSyscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5])
		if nr == syscall.SYS_CLONE && errno == 0 && r == 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0) // the child of a fork
		}
	}
	if errno != 0 {
		fmt.Printf("%s errno %s\n", label, errnoName(errno))
		return
	}
	fmt.Printf("%s ok %d\n", label, r)
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOSYS:
		return "ENOSYS"
	}
	return fmt.Sprintf("%d(%v)", int(e), e)
}
