// Package input reads what glassbox is handed from outside — files named on
// the command line, standard input, files of a submitted tree — bounded in
// size and abandoned when the context ends, so that neither /dev/zero nor a
// FIFO nobody writes to can exhaust memory or hold a command past Ctrl-C.
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"glassbox.dev"
)

// Stdin is the name that means standard input where a command reads a file.
const Stdin = "-"

// ReadFile reads the file at path, at most max bytes of it; path "-" is
// standard input (the one WithStdin put in ctx, or the process's). what
// says what the file is for ("suppressions file"), in errors. A path that
// does not exist is an error that wraps fs.ErrNotExist.
func ReadFile(ctx context.Context, path, what string, max int64) ([]byte, error) {
	if path == Stdin {
		r, ok := ctx.Value(stdinKey{}).(io.Reader)
		if !ok {
			r = os.Stdin
		}
		return Read(ctx, r, "standard input", what, max)
	}
	f, err := Open(ctx, path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(ctx, f, path, what, max)
}

type stdinKey struct{}

// WithStdin returns ctx carrying r as the standard input "-" names.
func WithStdin(ctx context.Context, r io.Reader) context.Context {
	return context.WithValue(ctx, stdinKey{}, r)
}

// Open opens the file at path for reading. Opening a FIFO waits for a
// writer; Open stops waiting when ctx ends.
func Open(ctx context.Context, path, what string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	c := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		c <- opened{f, err}
	}()
	select {
	case o := <-c:
		if o.err != nil {
			return nil, openError(path, what, o.err)
		}
		return o.f, nil
	case <-ctx.Done():
		// The open may still succeed when a writer comes; close it then.
		go func() {
			if o := <-c; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, stopped(ctx, path, what)
	}
}

func openError(path, what string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &glassbox.Error{Code: glassbox.ENOTFOUND, Message: fmt.Sprintf("%s %s does not exist", what, path), Err: fs.ErrNotExist}
	case errors.Is(err, fs.ErrPermission):
		return glassbox.Errorf(glassbox.EINVALID, "%s %s cannot be read: %w", what, path, err)
	}
	return glassbox.Errorf(glassbox.EINVALID, "open %s %s: %w", what, path, err)
}

// Read reads r to its end, at most max bytes; name says what r is (a path,
// "standard input"). A read that blocks (a FIFO, a pipe, a socket) is
// interrupted when ctx ends if r can take a deadline, as files and
// connections that poll can.
func Read(ctx context.Context, r io.Reader, name, what string, max int64) ([]byte, error) {
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		stop := context.AfterFunc(ctx, func() { d.SetReadDeadline(time.Now()) })
		defer stop()
	}
	b, err := io.ReadAll(io.LimitReader(Reader(ctx, r), max+1))
	switch {
	case ctx.Err() != nil:
		return nil, stopped(ctx, name, what)
	case err != nil:
		code := glassbox.EINVALID
		if ge := (*glassbox.Error)(nil); errors.As(err, &ge) {
			code = ge.Code // a corrupt blob stays ECORRUPT
		}
		return nil, glassbox.Errorf(code, "read %s %s: %w", what, name, err)
	case int64(len(b)) > max:
		return nil, TooLarge(name, what, max)
	}
	return b, nil
}

// TooLarge is the error for an input over its limit.
func TooLarge(name, what string, max int64) error {
	return glassbox.Errorf(glassbox.EINVALID, "%s %s is larger than %s, the most glassbox reads of a %s; refusing it", what, name, Size(max), what)
}

func stopped(ctx context.Context, name, what string) error {
	return glassbox.Errorf(glassbox.EINTERNAL, "reading %s %s: stopped: %w", what, name, context.Cause(ctx))
}

// Reader returns r, failing every read after ctx ends, so that a source
// that never blocks (/dev/zero) stops as soon as the command is cancelled.
func Reader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Size writes n bytes the way limits are stated: "4 MiB", "512 KiB", "100 bytes".
func Size(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
