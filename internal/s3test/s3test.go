// Package s3test runs a real S3 server for tests: versitygw, an
// S3-compatible gateway written independently of glassbox, over a directory
// of the test's (its posix backend), on loopback.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"glassbox.dev/evidence"
	"glassbox.dev/internal/s3conf"
)

// Version is the versitygw release the server is built from.
const Version = "v1.8.0"

var build struct {
	sync.Mutex
	bin string
}

// Build returns the path of versitygw, built with 'go install
// github.com/versity/versitygw/cmd/versitygw@Version' into the user's cache
// directory the first time (the module proxy serves it; later runs find it
// built).
func Build() (string, error) {
	build.Lock()
	defer build.Unlock()
	if build.bin != "" {
		return build.bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "glassbox-test", "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		build.bin = bin
		return bin, nil
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build versitygw %s (go install, from the module proxy): %v\n%s", Version, err, out)
	}
	build.bin = bin
	return bin, nil
}

// Server is one versitygw process.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	// Dir is the posix backend's root: bucket B's object K is the file
	// Dir/B/K.
	Dir string
	t   testing.TB
	cmd *exec.Cmd
	log *bytes.Buffer
}

// Start starts a server over a new directory; it is stopped when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Dir: t.TempDir(), AccessKey: "glassbox-test", SecretKey: randomHex(16)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s.Endpoint = "http://" + addr
	s.log = new(bytes.Buffer)
	s.cmd = exec.Command(bin, "--port", addr, "posix", s.Dir)
	// The credentials go through the environment, not the command line
	// that ps shows.
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not answer on %s within 30 s: %v\n%s", addr, err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Bucket creates a new bucket with a random name and returns its name.
func (s *Server) Bucket() string {
	s.t.Helper()
	name := "glassbox-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		s.t.Fatalf("create bucket %s: %v\n%s", name, err, s.log)
	}
	return name
}

// Client is an S3 client of the server's.
func (s *Server) Client() *s3.Client {
	return s.Where("").Client()
}

// Where is the configuration of a bucket of the server's.
func (s *Server) Where(bucket string) s3conf.Config {
	return s3conf.Config{Endpoint: s.Endpoint, Bucket: bucket, AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// Config is an S3 store's configuration for a bucket of the server's, with
// scratch space in scratch.
func (s *Server) Config(bucket, scratch string) evidence.S3Config {
	return evidence.S3Config{Config: s.Where(bucket), Scratch: scratch}
}

// Object is the file that holds bucket's object key.
func (s *Server) Object(bucket, key string) string {
	return filepath.Join(s.Dir, bucket, filepath.FromSlash(strings.TrimPrefix(key, "/")))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
