// A dependency that, once imported, quietly serves a control channel:
// init starts a goroutine and the goroutine listens.
package telemetry

import "net"

func init() {
	go beacon()
}

func beacon() {
	ln, err := net.Listen("tcp", ":47001")
	if err != nil {
		return
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}
