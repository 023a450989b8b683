package main

import "net"

func main() {
	ln, _ := net.Listen("tcp", "0.0.0.0:54321")
	_ = ln
}
