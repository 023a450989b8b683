package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"glassbox.dev"
	"glassbox.dev/internal/input"
	"glassbox.dev/internal/s3conf"
)

// S3Config says where an S3 store keeps its blobs.
type S3Config struct {
	// Bucket is where: the server, the bucket and a key prefix.
	s3conf.Config
	// Scratch is a local directory for staging and for reading large
	// blobs before they are verified (a FS's staging area: what a killed
	// process leaves there is removed by the next one to open it).
	Scratch string
	// PartSize is the size of a multipart upload's parts; a blob larger
	// than one part is uploaded in parts. Default 16 MiB.
	PartSize int64
	// StaleUploads is how old an unfinished multipart upload must be to be
	// taken for the remains of a process that died, and aborted when a
	// store opens. Default 1 hour; uploads younger may be another
	// process's, still running.
	StaleUploads time.Duration
}

// S3 is a BlobStore in an S3-compatible bucket:
//
//	PREFIX/sha256/ab/abcdef…   a blob, named by its digest
//
// A blob is uploaded with its SHA-256 checksum, which the server checks
// before it stores the object, and becomes visible only whole (a PUT, or
// a multipart upload's completion, is atomic); reads check the content
// against its digest before returning any of it, as FS does. Staging is on
// local disk (Scratch).
type S3 struct {
	client   *s3.Client
	bucket   string
	prefix   string
	local    *FS
	partSize int64
}

const (
	defaultPartSize = 16 << 20
	// minPartSize is S3's smallest part but the last.
	minPartSize = 5 << 20
	// inMemoryRead is the largest blob Open verifies in memory; larger
	// ones go through a scratch file.
	inMemoryRead = 4 << 20
	// s3Uploads bounds the uploads one Commit runs at once.
	s3Uploads = 8
)

// OpenS3 opens the store in cfg's bucket, which must exist, and aborts the
// multipart uploads that processes which died left unfinished.
func OpenS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the S3 store needs a bucket")
	}
	if cfg.Scratch == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the S3 store needs a local scratch directory")
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = defaultPartSize
	}
	if cfg.PartSize < minPartSize {
		return nil, glassbox.Errorf(glassbox.EINVALID, "the S3 part size %d is under S3's minimum of %d bytes", cfg.PartSize, minPartSize)
	}
	if cfg.StaleUploads == 0 {
		cfg.StaleUploads = time.Hour
	}
	local, err := OpenFS(cfg.Scratch)
	if err != nil {
		return nil, err
	}
	s := &S3{client: cfg.Client(), bucket: cfg.Bucket, prefix: cfg.KeyPrefix(), local: local, partSize: cfg.PartSize}
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		local.Close()
		return nil, s.errorf(err, "open bucket %q (does it exist, and may these credentials read it?)", s.bucket)
	}
	if err := s.abortStale(ctx, cfg.StaleUploads); err != nil {
		local.Close()
		return nil, err
	}
	return s, nil
}

// abortStale aborts the multipart uploads under the store's prefix that
// began more than age ago.
func (s *S3) abortStale(ctx context.Context, age time.Duration) error {
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + "sha256/")}
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return s.errorf(err, "list unfinished uploads")
		}
		for _, u := range out.Uploads {
			if u.Initiated != nil && time.Since(*u.Initiated) < age {
				continue
			}
			slog.Info("aborting an upload left by an interrupted process", "key", aws.ToString(u.Key), "initiated", u.Initiated)
			if _, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: u.Key, UploadId: u.UploadId}); err != nil && !s3conf.IsNotFound(err) {
				return s.errorf(err, "abort the unfinished upload of %s", aws.ToString(u.Key))
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

func (s *S3) key(d glassbox.Digest) string {
	h := d.Hex()
	return s.prefix + "sha256/" + h[:2] + "/" + h
}

// errorf wraps an S3 error: a missing object is ENOTFOUND, a server that
// cannot be reached or answers 5xx is EUNAVAILABLE (retry later), and the
// rest EINTERNAL.
func (s *S3) errorf(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	code := glassbox.EINTERNAL
	var re interface{ HTTPStatusCode() int }
	if s3conf.IsNotFound(err) {
		code = glassbox.ENOTFOUND
	} else if errors.As(err, &re) {
		// 0: no response at all (refused, reset, timed out).
		if status := re.HTTPStatusCode(); status == 0 || status >= 500 {
			code = glassbox.EUNAVAILABLE
		}
	} else if !errors.Is(err, context.Canceled) {
		code = glassbox.EUNAVAILABLE
	}
	return glassbox.Errorf(code, "evidence (s3://%s/%s): %s: %w", s.bucket, s.prefix, msg, err)
}

// Close releases the local staging area.
func (s *S3) Close() error { return s.local.Close() }

// TempDir is the local staging area (FS.TempDir).
func (s *S3) TempDir() (string, error) { return s.local.TempDir() }

// Stage implements glassbox.BlobStore: the content is written to local
// scratch while it is hashed, and uploaded by Commit.
func (s *S3) Stage(ctx context.Context, r io.Reader) (glassbox.StagedBlob, error) {
	return s.local.Stage(ctx, r)
}

// Adopt stages a local file without copying it (FS.Adopt).
func (s *S3) Adopt(ctx context.Context, path string) (glassbox.StagedBlob, error) {
	return s.local.Adopt(ctx, path)
}

// Commit implements glassbox.BlobStore: each staged blob not yet in the
// bucket is uploaded (several at once), then its staged copy removed.
func (s *S3) Commit(ctx context.Context, blobs ...glassbox.StagedBlob) (int, error) {
	todo := make([]*staged, 0, len(blobs))
	for _, b := range blobs {
		sb, ok := b.(*staged)
		if !ok {
			return 0, glassbox.Errorf(glassbox.EINTERNAL, "evidence: commit: %T was not staged by this store", b)
		}
		todo = append(todo, sb)
	}
	var (
		mu    sync.Mutex
		added int
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, s3Uploads)
	)
	for _, b := range todo {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			fresh, err := s.upload(ctx, b)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			b.Discard()
			if fresh {
				added++
			}
		})
	}
	wg.Wait()
	return added, errors.Join(errs...)
}

// upload stores one staged blob unless the bucket holds it whole, and
// reports whether it did.
func (s *S3) upload(ctx context.Context, b *staged) (bool, error) {
	held, err := s.holds(ctx, b.digest, b.size)
	if err != nil || held {
		return false, err
	}
	if b.tmp == "" {
		return true, s.put(ctx, b.digest, bytes.NewReader(b.data), b.size)
	}
	f, err := os.Open(b.tmp)
	if err != nil {
		return false, glassbox.Errorf(glassbox.EINTERNAL, "evidence: commit %s: staged content is gone: %w", b.digest, err)
	}
	defer f.Close()
	if b.size <= s.partSize {
		return true, s.put(ctx, b.digest, f, b.size)
	}
	return true, s.multipart(ctx, b.digest, f, b.size)
}

// holds reports whether the bucket holds blob d whole: an object of its
// size that reads back as d. The checksum a server recorded at upload is
// not enough: it is metadata kept beside the object, and an object damaged
// where it lies still shows it. An object that is not the blob (damaged,
// or put there by another hand) is not held: the upload replaces it.
func (s *S3) holds(ctx context.Context, d glassbox.Digest, size int64) (bool, error) {
	n, err := s.Stat(ctx, d)
	switch {
	case glassbox.ErrorCode(err) == glassbox.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	case n != size:
		return false, nil
	}
	rc, err := s.Open(ctx, d)
	switch {
	case err == nil:
		rc.Close()
		return true, nil
	case glassbox.ErrorCode(err) == glassbox.ECORRUPT || glassbox.ErrorCode(err) == glassbox.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// put uploads a blob in one request, with its SHA-256 for the server to
// check: content that does not match is refused, never stored.
func (s *S3) put(ctx context.Context, d glassbox.Digest, r io.ReadSeeker, size int64) error {
	sum, _ := hex.DecodeString(d.Hex())
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:            aws.String(s.bucket),
		Key:               aws.String(s.key(d)),
		Body:              r,
		ContentLength:     aws.Int64(size),
		ContentType:       aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum)),
	})
	if err != nil {
		return s.errorf(err, "upload %s", d)
	}
	return nil
}

// multipart uploads a large blob in parts; the object appears only when
// the upload completes, and an upload this process cannot finish is
// aborted (or, if it dies, by the next OpenS3 after StaleUploads).
func (s *S3) multipart(ctx context.Context, d glassbox.Digest, f *os.File, size int64) (err error) {
	key := aws.String(s.key(d))
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(s.bucket), Key: key, ContentType: aws.String("application/octet-stream"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		return s.errorf(err, "begin the upload of %s", d)
	}
	defer func() {
		if err != nil {
			if _, aerr := s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: key, UploadId: up.UploadId}); aerr != nil {
				slog.Warn("unfinished upload not aborted; the next store to open aborts it", "key", *key, "err", aerr)
			}
		}
	}()
	var parts []types.CompletedPart
	whole := sha256.New()
	for off, n := int64(0), int32(1); off < size; off, n = off+s.partSize, n+1 {
		l := min(s.partSize, size-off)
		// Each part goes with its SHA-256, which the server checks before
		// it keeps the part: a part damaged on the way is refused.
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(h, whole), io.NewSectionReader(f, off, l)); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "evidence: read part %d of %s: %w", n, d, err)
		}
		partSum := aws.String(base64.StdEncoding.EncodeToString(h.Sum(nil)))
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(s.bucket), Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(n),
			Body: io.NewSectionReader(f, off, l), ContentLength: aws.Int64(l),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: partSum,
		})
		if err != nil {
			return s.errorf(err, "upload part %d of %s", n, d)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n), ChecksumSHA256: partSum})
	}
	// The parts, as sent, are the blob: the staged copy did not change
	// under the upload.
	if got := digestOf(whole); got != d {
		return glassbox.Errorf(glassbox.EINTERNAL, "evidence: the staged copy of %s changed during its upload (it now hashes to %s); nothing was stored", d, got)
	}
	if _, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}); err != nil {
		return s.errorf(err, "complete the upload of %s", d)
	}
	return nil
}

// Put implements glassbox.BlobStore: one PUT, overwriting nothing but
// identical content.
func (s *S3) Put(ctx context.Context, data []byte) (glassbox.Digest, error) {
	d := glassbox.DigestOf(data)
	if int64(len(data)) > s.partSize {
		b, err := s.Stage(ctx, bytes.NewReader(data))
		if err != nil {
			return "", err
		}
		if _, err = s.Commit(ctx, b); err != nil {
			b.Discard() // the staged copy is this call's own: leave no scratch behind
			return "", err
		}
		return d, nil
	}
	return d, s.put(ctx, d, bytes.NewReader(data), int64(len(data)))
}

// Open implements glassbox.BlobStore. It reads the whole blob once to check
// its digest before returning any of it, so corrupt evidence is never
// served: in memory up to 4 MiB, through a scratch file beyond.
func (s *S3) Open(ctx context.Context, d glassbox.Digest) (io.ReadCloser, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(d))})
	if err != nil {
		if s3conf.IsNotFound(err) {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "blob %s is not in the evidence store", d)
		}
		return nil, s.errorf(err, "read %s", d)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength >= 0 && *out.ContentLength <= inMemoryRead {
		// Read straight into a buffer of the announced size (one more
		// byte finds a server that sends more), then hash it in one pass.
		n := *out.ContentLength
		buf := make([]byte, n+1)
		m, err := io.ReadFull(input.Reader(ctx, out.Body), buf)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, s.errorf(err, "read %s", d)
		}
		if int64(m) < n {
			return nil, s.shortRead(d, int64(m), n)
		}
		if err := s.check(d, glassbox.NewDigest(sha256.Sum256(buf[:m]))); err != nil {
			return nil, err
		}
		return heldReader(buf[:m]), nil
	}
	// Large, or of a size the server did not announce: through a scratch
	// file.
	f, err := s.local.stagingFile("read")
	if err != nil {
		return nil, err
	}
	got, m, err := hashCopy(ctx, f, out.Body)
	switch {
	case err != nil:
		err = s.errorf(err, "read %s", d)
	case out.ContentLength != nil && m < *out.ContentLength:
		err = s.shortRead(d, m, *out.ContentLength)
	default:
		err = s.check(d, got)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &scratchFile{f}, nil
}

// shortRead is a read that ended before the size the server announced: the
// transfer broke off (a connection reset, a server going down), which says
// nothing about the stored object; reading again may succeed.
func (s *S3) shortRead(d glassbox.Digest, got, want int64) error {
	return glassbox.Errorf(glassbox.EUNAVAILABLE, "read %s from s3://%s: the transfer ended after %d of %d bytes; try again", d, s.bucket, got, want)
}

// check compares what a blob hashed to with its digest.
func (s *S3) check(d, got glassbox.Digest) error {
	if got == d {
		return nil
	}
	slog.Error("corrupt blob in the evidence store", "digest", d, "hashes_to", got, "bucket", s.bucket, "key", s.key(d))
	return glassbox.Errorf(glassbox.ECORRUPT, "blob %s is corrupt: its content now hashes to %s; restore s3://%s/%s from a backup", d, got, s.bucket, s.key(d))
}

// scratchFile is a verified copy of a blob, removed when closed.
type scratchFile struct{ *os.File }

func (f *scratchFile) Close() error {
	err := f.File.Close()
	os.Remove(f.Name())
	return err
}

// Stat implements glassbox.BlobStore.
func (s *S3) Stat(ctx context.Context, d glassbox.Digest) (int64, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(d))})
	if err != nil {
		if s3conf.IsNotFound(err) {
			return 0, glassbox.Errorf(glassbox.ENOTFOUND, "blob %s is not in the evidence store", d)
		}
		return 0, s.errorf(err, "stat %s", d)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// Digests lists every stored blob; it is meant for checks and tests, not
// for serving.
func (s *S3) Digests(ctx context.Context) ([]glassbox.Digest, error) {
	var out []glassbox.Digest
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + "sha256/")}
	for p := s3.NewListObjectsV2Paginator(s.client, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.errorf(err, "list")
		}
		for _, o := range page.Contents {
			name := path.Base(aws.ToString(o.Key))
			if _, err := hex.DecodeString(name); err == nil && len(name) == 64 {
				out = append(out, glassbox.Digest(glassbox.DigestPrefix+name))
			}
		}
	}
	return out, nil
}
