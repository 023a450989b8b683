//go:build !amd64

package main

import "syscall"

func int80(nr uintptr) uintptr { return uintptr(-int64(syscall.ENOSYS)) }
