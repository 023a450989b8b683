package main

import "syscall"

func main() {
	if err := syscall.Setuid(0); err != nil {
		panic(err)
	}
	// Go has no assignment in conditions: if uid = 0 does not compile.
}
