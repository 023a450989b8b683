package config

import (
	"net"
	"os"
)

var addr string

// init reads configuration; the listener is opened later, by main.
func init() {
	addr = os.Getenv("ADDR")
}

func Serve() (net.Listener, error) { return net.Listen("tcp", addr) }
