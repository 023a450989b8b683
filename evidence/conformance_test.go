package evidence_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/evidence/blobtest"
	"glassbox.dev/internal/s3test"
)

func TestFSConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blobtest.Backend {
		dir := filepath.Join(t.TempDir(), "evidence")
		return &blobtest.Backend{
			Open: func(t *testing.T) evidence.Store {
				s, err := evidence.OpenFS(dir)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Corrupt: func(t *testing.T, d glassbox.Digest, content []byte) {
				p := filepath.Join(dir, "sha256", d.Hex()[:2], d.Hex())
				os.Chmod(p, 0o644)
				if err := os.WriteFile(p, content, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			Large: 40<<20 + 1,
		}
	})
}

// s3Backend is a store in a new bucket of srv, under prefix, with 5 MiB
// parts (S3's smallest) so that the suite's large blob is uploaded in
// several.
func s3Backend(srv *s3test.Server, prefix string) func(t *testing.T) *blobtest.Backend {
	return func(t *testing.T) *blobtest.Backend {
		bucket := srv.Bucket()
		return &blobtest.Backend{
			Open: func(t *testing.T) evidence.Store {
				cfg := srv.Config(bucket, filepath.Join(t.TempDir(), "scratch"))
				cfg.Prefix, cfg.PartSize = prefix, 5<<20
				s, err := evidence.OpenS3(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Corrupt: func(t *testing.T, d glassbox.Digest, content []byte) {
				if err := os.WriteFile(srv.Object(bucket, prefix+"sha256/"+d.Hex()[:2]+"/"+d.Hex()), content, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			Large: 12<<20 + 1,
		}
	}
}

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	t.Run("bucket", func(t *testing.T) { blobtest.Run(t, s3Backend(srv, "")) })
	t.Run("prefix", func(t *testing.T) { blobtest.Run(t, s3Backend(srv, "centre/evidence/")) })
}

// A process that dies in a multipart upload leaves it unfinished in the
// bucket; the next store to open aborts it once it is StaleUploads old,
// and never shows it as a blob.
func TestS3AbortsUploadsLeftByADeadProcess(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket()
	client := srv.Client()
	ctx := context.Background()
	d := glassbox.DigestOf([]byte("never completed"))
	key := "sha256/" + d.Hex()[:2] + "/" + d.Hex()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: nil}); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config(bucket, filepath.Join(t.TempDir(), "scratch"))
	s, err := evidence.OpenS3(ctx, cfg) // an hour's grace: the upload may be a live process's
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, d); glassbox.ErrorCode(err) != glassbox.ENOTFOUND {
		t.Errorf("Stat of an unfinished upload = %v; want ENOTFOUND", err)
	}
	s.Close()
	if n := uploads(t, client, bucket); n != 1 {
		t.Fatalf("%d unfinished uploads after an open within the grace period; want 1 kept", n)
	}
	cfg.StaleUploads = time.Nanosecond
	s, err = evidence.OpenS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n := uploads(t, client, bucket); n != 0 {
		t.Fatalf("%d unfinished uploads after an open past the grace period; want 0", n)
	}
}

func uploads(t *testing.T, c *s3.Client, bucket string) int {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

// A store whose server is down says so, as a failure to retry later.
func TestS3Unavailable(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket()
	s, err := evidence.OpenS3(context.Background(), srv.Config(bucket, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.Put(ctx, []byte("x")); glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE {
		t.Errorf("Put with the server down = %v; want EUNAVAILABLE", err)
	}
	if _, err := evidence.OpenS3(ctx, srv.Config("no-such-bucket", t.TempDir())); err == nil {
		t.Error("OpenS3 with the server down succeeded")
	}
}
