package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"glassbox.dev"
)

// Limits bound what one client can hold of the server. Without them, idle
// keep-alive connections and bodies sent a byte a minute each keep a file
// descriptor open for ever, until the log itself fails with "too many open
// files".
type Limits struct {
	MaxConns          int           // connections served at once; more wait in the kernel's backlog
	ReadHeaderTimeout time.Duration // to read a request's headers
	ReadTimeout       time.Duration // to read a whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the end of the response
	IdleTimeout       time.Duration // a keep-alive connection waiting for its next request
	MaxHeaderBytes    int           // request line and headers
	Grace             time.Duration // on shutdown, how long requests in flight may finish

	// CertFile and KeyFile, when set, serve HTTPS (TLS 1.2 or later) with
	// this PEM certificate chain and key. Tokens travel in every request:
	// a centre reached beyond loopback must be behind TLS, its own or a
	// proxy's.
	CertFile, KeyFile string
}

// DefaultLimits are the limits glassbox serve uses: generous for the API's
// largest request (MaxRequestBody) and an attestation's wait for its
// checkpoint, well under a process's default 1024 descriptors.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:          256,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		Grace:             30 * time.Second,
	}
}

// ListenAndServe serves h on addr within lim until ctx is cancelled, then
// stops accepting connections and waits up to lim.Grace for requests in
// flight. ready, if not nil, receives the address actually listened on.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, lim Limits, ready func(net.Addr)) error {
	if lim.MaxConns < 1 {
		return glassbox.Errorf(glassbox.EINVALID, "a server limited to %d connections serves no one: want at least 1", lim.MaxConns)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "listen on %s: %w", addr, err)
	}
	if (lim.CertFile == "") != (lim.KeyFile == "") {
		ln.Close()
		return glassbox.Errorf(glassbox.EINVALID, "TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
	}
	if lim.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(lim.CertFile, lim.KeyFile)
		if err != nil {
			ln.Close()
			return glassbox.Errorf(glassbox.EINVALID, "TLS certificate %s and key %s: %w", lim.CertFile, lim.KeyFile, err)
		}
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}})
	}
	ln = limitListener(ln, lim.MaxConns)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), lim.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// limitListener accepts at most n connections at once: Accept waits for a
// served connection to close before taking the next from the backlog.
func limitListener(ln net.Listener, n int) net.Listener {
	return &limited{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limited struct {
	net.Listener
	slots chan struct{} // one token per connection being served
	once  sync.Once
	done  chan struct{} // closed by Close, so a waiting Accept returns
}

func (l *limited) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limited) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
