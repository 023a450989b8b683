package backend_test

import (
	"archive/tar"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/client"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/s3test"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
)

// roundRobin is a load balancer without affinity: each request goes to
// the next server.
type roundRobin struct {
	next    atomic.Int64
	servers []*httputil.ReverseProxy
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.servers[int(rr.next.Add(1))%len(rr.servers)].ServeHTTP(w, r)
}

// TestUploadsAcrossServers: two servers of a deployment (one PostgreSQL
// database, one evidence bucket) behind a load balancer that sends each
// request to the other: an upload one started, the other continues, and a
// submission through either takes it whole; a server that lost its copy
// of an upload (a new machine) continues it from the bucket; a dropped
// upload is gone for both.
func TestUploadsAcrossServers(t *testing.T) {
	pg := os.Getenv("GLASSBOX_TEST_POSTGRES")
	if pg == "" {
		t.Skip("GLASSBOX_TEST_POSTGRES is not set")
	}
	ctx := t.Context()
	db := centretest.PostgresSchema(t, pg)
	s3 := s3test.Start(t)
	bucket := s3.Bucket()
	keys := filepath.Join(t.TempDir(), "keys")
	if _, err := attest.GenerateKeys(keys, "uploads.test/log", false); err != nil {
		t.Fatal(err)
	}
	var secret string
	var datas []string
	rr := &roundRobin{}
	for i := range 2 {
		cfg := s3.Config(bucket, "")
		data := filepath.Join(t.TempDir(), "server")
		datas = append(datas, data)
		c, err := centre.Open(ctx, data, centre.Options{DB: db, Log: centre.WithLog, KeyDir: keys, Evidence: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		ps := party.New(c.Store.(glassbox.PartyStore))
		if i == 0 {
			op := party.LocalOperator()
			if _, err := ps.CreateOrg(ctx, op, glassbox.Organisation{ID: "acme", Name: "ACME", Kind: glassbox.OrgVendor}); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.CreateUser(ctx, op, glassbox.User{ID: "alice", OrgID: "acme", Name: "Alice", Role: glassbox.RoleVendor}); err != nil {
				t.Fatal(err)
			}
			if secret, _, err = ps.IssueToken(ctx, op, "alice", "CI", nil, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		b, err := backend.New(c, ps, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		api, err := server.NewAPI(b)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(server.New(c.Notary, c.Log, "").WithAPI(api).Handler())
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL)
		rr.servers = append(rr.servers, httputil.NewSingleHostReverseProxy(u))
	}
	lb := httptest.NewServer(rr)
	defer lb.Close()
	cl, err := client.New(lb.URL, secret)
	if err != nil {
		t.Fatal(err)
	}
	cl.ChunkSize = 64 << 10

	src := sourceArchive(t, 300<<10)
	rel, created, err := cl.Submit(ctx, client.SubmitFiles{Product: "acme/tool", Version: "1.0.0", SourceArchive: src})
	if err != nil || !created {
		t.Fatalf("a submission whose upload went through both servers: %v (created %v)", err, created)
	}
	if rel.Manifest.Source.Archive == nil {
		t.Fatal("the release holds no source archive")
	}

	// An upload continued by a server that has no copy of it.
	id, err := cl.Upload(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range datas {
		os.RemoveAll(filepath.Join(d, "uploads", id))
	}
	rel2, _, err := cl.SubmitUploads(ctx, server.SubmitRequest{Product: "acme/tool", Version: "1.0.1", Source: id})
	if err != nil {
		t.Fatalf("a submission of an upload neither server had a copy of: %v", err)
	}
	if rel2.Manifest.Source.Archive == nil || rel2.Manifest.Source.Archive.Digest != rel.Manifest.Source.Archive.Digest {
		t.Error("the upload read back from the bucket is not the file sent")
	}
	// Submitted, the upload is gone for every server.
	if _, _, err := cl.SubmitUploads(ctx, server.SubmitRequest{Product: "acme/tool", Version: "1.0.2", Source: id}); glassbox.ErrorCode(err) != glassbox.EINVALID {
		t.Errorf("submitting a submitted upload again: %v; want EINVALID (no such upload)", err)
	}
}

// sourceArchive writes a tar.gz of a small Go program padded to about n
// bytes of incompressible comments.
func sourceArchive(t *testing.T, n int) string {
	p := filepath.Join(t.TempDir(), "src.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	add := func(name string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg, ModTime: time.Unix(1_800_000_000, 0)})
		tw.Write(b)
	}
	add("go.mod", []byte("module example.com/tool\n\ngo 1.22\n"))
	pad := make([]byte, n)
	for i := range pad {
		pad[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i*7919+i/13)%36]
	}
	add("main.go", append([]byte("package main\n\nfunc main() {}\n\n// "), pad...))
	tw.Close()
	gz.Close()
	f.Close()
	return p
}
