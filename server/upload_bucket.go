package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"glassbox.dev"
	"glassbox.dev/internal/s3conf"
)

// uploadBucket keeps the uploads of a deployment in its evidence bucket,
// so that every server behind a load balancer continues an upload any of
// them started, and an upload outlives the server that took it:
//
//	PREFIX/uploads/<id>/meta.json                its owner and start
//	PREFIX/uploads/<id>/<offset>-<length>        each chunk a PATCH brought (20 digits each)
//
// A chunk is named by where it starts and how long it is, so two servers
// taking the same bytes (a PATCH resent through another server while the
// first still stores what it got) never replace each other's chunk: the
// upload is what the chunks hold from the start without a gap.
//
// The bucket is the upload's truth; a server's upload directory is a
// local copy of it, brought up to date before each use (sync).
type uploadBucket struct {
	client *s3.Client
	bucket string
	prefix string // PREFIX/uploads/
}

func newUploadBucket(c s3conf.Config) *uploadBucket {
	return &uploadBucket{client: c.Client(), bucket: c.Bucket, prefix: c.KeyPrefix() + "uploads/"}
}

func (b *uploadBucket) errorf(err error, format string, args ...any) error {
	return glassbox.Errorf(glassbox.EUNAVAILABLE, "uploads (s3://%s/%s): %s: %w", b.bucket, b.prefix, fmt.Sprintf(format, args...), err)
}

// chunk is one stored piece of an upload.
type chunk struct {
	off, size int64
	key       string
	modified  time.Time
}

// put stores an object with its SHA-256, which the server checks.
func (b *uploadBucket) put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	h := sha256.New()
	if _, err := io.Copy(h, body); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "uploads: read %s: %w", key, err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "uploads: read %s: %w", key, err)
	}
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(b.bucket), Key: aws.String(key), Body: body, ContentLength: aws.Int64(size),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(h.Sum(nil))),
	})
	if err != nil {
		return b.errorf(err, "store %s", key)
	}
	return nil
}

// create stores a new upload's meta.json.
func (b *uploadBucket) create(ctx context.Context, id string, meta []byte) error {
	return b.put(ctx, b.prefix+id+"/meta.json", strings.NewReader(string(meta)), int64(len(meta)))
}

// state reads an upload's meta.json and lists its chunks, in order;
// ENOTFOUND if there is no such upload.
func (b *uploadBucket) state(ctx context.Context, id string) ([]byte, []chunk, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.prefix + id + "/meta.json")})
	if s3conf.IsNotFound(err) {
		return nil, nil, glassbox.Errorf(glassbox.ENOTFOUND, "no upload %q", id)
	}
	if err != nil {
		return nil, nil, b.errorf(err, "read upload %s", id)
	}
	meta, err := io.ReadAll(io.LimitReader(out.Body, 4096))
	out.Body.Close()
	if err != nil {
		return nil, nil, b.errorf(err, "read upload %s", id)
	}
	var chunks []chunk
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix + id + "/")}
	for p := s3.NewListObjectsV2Paginator(b.client, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, b.errorf(err, "list upload %s", id)
		}
		for _, o := range page.Contents {
			name := path.Base(aws.ToString(o.Key))
			offText, sizeText, ok := strings.Cut(name, "-")
			off, err1 := strconv.ParseInt(offText, 10, 64)
			n, err2 := strconv.ParseInt(sizeText, 10, 64)
			if !ok || err1 != nil || err2 != nil || len(offText) != 20 || len(sizeText) != 20 || n != aws.ToInt64(o.Size) {
				continue // not a chunk, or not a whole one
			}
			chunks = append(chunks, chunk{off: off, size: n, key: aws.ToString(o.Key), modified: aws.ToTime(o.LastModified)})
		}
	}
	slices.SortFunc(chunks, func(x, y chunk) int { return int(x.off - y.off) })
	return meta, chunks, nil
}

// uploadedSize is how many bytes the chunks hold from the start without a gap. A
// chunk that overlaps the one before (two servers took the same PATCH,
// resent) holds the same bytes of the same file; past a gap nothing
// counts.
func uploadedSize(chunks []chunk) int64 {
	var end int64
	for _, c := range chunks {
		if c.off > end {
			break
		}
		end = max(end, c.off+c.size)
	}
	return end
}

// maxChunkObject bounds one chunk object, far below S3's 5 GiB for one
// PUT: a PATCH that brought more is stored as several.
const maxChunkObject = 1 << 30

// putChunk stores bytes [off, off+n) of the local copy f as chunks.
func (b *uploadBucket) putChunk(ctx context.Context, id string, f *os.File, off, n int64) error {
	for n > 0 {
		l := min(n, maxChunkObject)
		if err := b.put(ctx, fmt.Sprintf("%s%s/%020d-%020d", b.prefix, id, off, l), io.NewSectionReader(f, off, l), l); err != nil {
			return err
		}
		off, n = off+l, n-l
	}
	return nil
}

// fill writes into f, the local copy holding have bytes, the bytes the
// chunks hold past have, and cuts f at the bucket's size: what a server
// wrote locally but never stored is not part of the upload.
func (b *uploadBucket) fill(ctx context.Context, f *os.File, have int64, chunks []chunk) (int64, error) {
	end := uploadedSize(chunks)
	if have > end {
		have = end
	}
	if err := f.Truncate(have); err != nil {
		return 0, glassbox.Errorf(glassbox.EINTERNAL, "uploads: %w", err)
	}
	for _, c := range chunks {
		if c.off+c.size <= have || c.off > have {
			continue
		}
		rng := fmt.Sprintf("bytes=%d-%d", have-c.off, c.size-1)
		out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(c.key), Range: aws.String(rng)})
		if err != nil {
			return 0, b.errorf(err, "read %s", c.key)
		}
		n, err := io.Copy(io.NewOffsetWriter(f, have), io.LimitReader(out.Body, c.off+c.size-have))
		out.Body.Close()
		if err != nil || n != c.off+c.size-have {
			return 0, b.errorf(errors.Join(err, io.ErrUnexpectedEOF), "read %s", c.key)
		}
		have += n
	}
	if err := f.Sync(); err != nil {
		return 0, glassbox.Errorf(glassbox.EINTERNAL, "uploads: %w", err)
	}
	return have, nil
}

// remove deletes an upload's objects.
func (b *uploadBucket) remove(ctx context.Context, id string) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix + id + "/")}
	for p := s3.NewListObjectsV2Paginator(b.client, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.errorf(err, "list upload %s", id)
		}
		for _, o := range page.Contents {
			if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: o.Key}); err != nil && !s3conf.IsNotFound(err) {
				return b.errorf(err, "delete %s", aws.ToString(o.Key))
			}
		}
	}
	return nil
}

// expire deletes the uploads whose newest object is older than ttl.
func (b *uploadBucket) expire(ctx context.Context, now time.Time, ttl time.Duration) {
	newest := map[string]time.Time{}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix)}
	for p := s3.NewListObjectsV2Paginator(b.client, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return
		}
		for _, o := range page.Contents {
			id, _, _ := strings.Cut(strings.TrimPrefix(aws.ToString(o.Key), b.prefix), "/")
			if t := aws.ToTime(o.LastModified); t.After(newest[id]) {
				newest[id] = t
			}
		}
	}
	for id, t := range newest {
		if now.Sub(t) > ttl {
			b.remove(ctx, id)
		}
	}
}
