package postgres

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A server that accepts connections and never answers, named by a URL
// without connect_timeout: Open gives up after DefaultConnectTimeout with
// an error that says so, rather than hanging every command.
func TestOpenGivesUpOnASilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	done := make(chan error, 1)
	go func() {
		_, err := Open(context.Background(), "postgres://alice@"+ln.Addr().String()+"/glassbox")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not answer within 10s") {
			t.Errorf("Open of a silent server: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Open of a silent server is still waiting")
	}
}
