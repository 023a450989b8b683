package evidence_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/internal/s3test"
)

// faultyProxy stands between a store and its S3 server and, for reads of
// objects, cuts the body short (as a connection reset does) or drops the
// Content-Length (a chunked answer), as mode says.
type faultyProxy struct {
	mode atomic.Value // "", "cut" or "chunked"
}

func (p *faultyProxy) start(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method != http.MethodGet || r.StatusCode != http.StatusOK {
			return nil
		}
		switch p.mode.Load() {
		case "cut":
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(io.LimitReader(r.Body, r.ContentLength/2), errReader{}), r.Body}
		case "chunked":
			r.Header.Del("Content-Length")
			r.ContentLength = -1
		}
		return nil
	}
	rp.ErrorLog = nil
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// A read the network cuts short is a failure to retry (EUNAVAILABLE),
// never a corrupt blob; a read whose size the server does not announce is
// read whole and verified, small or large.
func TestS3ReadsCutShortOrUnannounced(t *testing.T) {
	srv := s3test.Start(t)
	var proxy faultyProxy
	proxy.mode.Store("")
	cfg := srv.Config(srv.Bucket(), t.TempDir())
	cfg.Endpoint = proxy.start(t, srv.Endpoint)
	cfg.PartSize = 5 << 20
	ctx := context.Background()
	s, err := evidence.OpenS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	small := bytes.Repeat([]byte("small blob "), 1000)
	large := bytes.Repeat([]byte("large blob "), 600_000) // beyond the in-memory read
	for _, data := range [][]byte{small, large} {
		d, err := s.Put(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		proxy.mode.Store("cut")
		if _, err := s.Open(ctx, d); glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE {
			t.Errorf("a read of %d bytes cut short: %v; want EUNAVAILABLE", len(data), err)
		}
		proxy.mode.Store("chunked")
		rc, err := s.Open(ctx, d)
		if err != nil {
			t.Fatalf("a read of %d bytes without Content-Length: %v", len(data), err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("a read of %d bytes without Content-Length returned %d bytes", len(data), len(got))
		}
		proxy.mode.Store("")
	}
}

// An object of a blob's size that is not the blob (damaged, or put there
// by another hand) does not count as the blob: committing the blob
// replaces it, whether it was uploaded whole or in parts.
func TestS3CommitReplacesAnObjectThatIsNotTheBlob(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket()
	cfg := srv.Config(bucket, t.TempDir())
	cfg.PartSize = 5 << 20
	ctx := context.Background()
	s, err := evidence.OpenS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, size := range []int{1000, 11 << 20} {
		data := bytes.Repeat([]byte{'a'}, size)
		d, err := s.Put(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		// Damage the object in place, keeping its size.
		obj := srv.Object(bucket, "sha256/"+d.Hex()[:2]+"/"+d.Hex())
		if err := os.WriteFile(obj, bytes.Repeat([]byte{'b'}, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, d); glassbox.ErrorCode(err) != glassbox.ECORRUPT {
			t.Fatalf("Open of a damaged object: %v; want ECORRUPT", err)
		}
		b, err := s.Stage(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		rc, err := s.Open(ctx, d)
		if err != nil {
			t.Fatalf("after committing the blob of %d bytes again over its damaged object: %v", size, err)
		}
		rc.Close()
	}
}
