package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"glassbox.dev"
	"glassbox.dev/evidence"
	"glassbox.dev/internal/s3test"
)

// BenchmarkS3 measures the S3 store's Put and Open on a real versitygw
// beside the raw SDK calls an aws CLI cp makes for the same bytes (one
// PutObject; one GetObject read to the end), in the same run, so that the
// ratio is the store's own cost: the SHA-256 checksum sent with each
// upload and the digest check before a read returns.
//
//	go test ./evidence -run '^$' -bench BenchmarkS3 -benchtime 200x
func BenchmarkS3(b *testing.B) {
	srv := s3test.Start(b)
	bucket := srv.Bucket()
	// The raw client is the SDK's default, as the aws CLI runs it: CRC
	// checksums on uploads, checked on downloads when the object has one.
	where := srv.Where(bucket)
	client := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: where.AWS().Credentials, BaseEndpoint: aws.String(srv.Endpoint)}, where.Options)
	ctx := context.Background()
	store, err := evidence.OpenS3(ctx, srv.Config(bucket, filepath.Join(b.TempDir(), "scratch")))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for _, size := range []int{64 << 10, 1 << 20, 8 << 20} {
		blobs := make([][]byte, 16)
		for i := range blobs {
			blobs[i] = make([]byte, size)
			rand.Read(blobs[i])
		}
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run("put/glassbox/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := range b.N {
				blob := blobs[i%len(blobs)]
				blob[0], blob[1] = byte(i), byte(i>>8) // a new blob each time
				if _, err := store.Put(ctx, blob); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("put/raw-sdk/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := range b.N {
				blob := blobs[i%len(blobs)]
				blob[0], blob[1] = byte(i), byte(i>>8)
				_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("raw/%d", i)), Body: bytes.NewReader(blob), ContentLength: aws.Int64(int64(size))})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		ds := make([]glassbox.Digest, len(blobs))
		for i, blob := range blobs {
			if ds[i], err = store.Put(ctx, blob); err != nil {
				b.Fatal(err)
			}
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("raw/get/%d", i)), Body: bytes.NewReader(blob)}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("get/glassbox/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := range b.N {
				rc, err := store.Open(ctx, ds[i%len(ds)])
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, rc)
				rc.Close()
			}
		})
		b.Run("get/raw-sdk/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := range b.N {
				out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("raw/get/%d", i%len(ds)))})
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, out.Body)
				out.Body.Close()
			}
		})
		// The raw call with the check glassbox makes: the content's
		// SHA-256 against its name. The difference from the raw call is
		// the cost of that check; the difference from glassbox, the
		// store's own.
		b.Run("get/raw-sdk+sha256/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := range b.N {
				out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("raw/get/%d", i%len(ds)))})
				if err != nil {
					b.Fatal(err)
				}
				h := sha256.New()
				io.Copy(h, out.Body)
				out.Body.Close()
				if glassbox.NewDigest([sha256.Size]byte(h.Sum(nil))) != ds[i%len(ds)] {
					b.Fatal("the raw object is not the blob")
				}
			}
		})
	}
}
