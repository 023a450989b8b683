package tlog

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	taws "github.com/transparency-dev/tessera/storage/aws"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/internal/s3conf"
)

// Shared says where a log that several processes append to is kept, by
// Tessera's AWS driver: its checkpoint, tiles and entry bundles in an S3
// bucket (from which any number of readers serve them), and the sequencing
// of new entries in a MySQL or MariaDB database, whose row locks let every
// process append and integrate without a leader of its own.
type Shared struct {
	Bucket s3conf.Config
	// DSN is the database's, in the Go MySQL driver's format:
	// user:password@tcp(127.0.0.1:3306)/glassbox_log
	DSN string
	// MaxOpenConns bounds this process's connections to it (default 8).
	MaxOpenConns int
}

// MinSharedCheckpointInterval is the shortest checkpoint interval of a
// shared log: Tessera's AWS driver publishes at most one a second, so a
// receipt takes up to a second longer than on a log in a directory.
const MinSharedCheckpointInterval = time.Second

// OpenShared opens (or creates) the shared log sh, as Open does a log in a
// directory. A bucket whose checkpoint is not signed by verifier holds
// another log, and is refused.
func OpenShared(ctx context.Context, sh Shared, signer note.Signer, verifier note.Verifier, o Options) (*Log, error) {
	if err := checkPair(signer, verifier); err != nil {
		return nil, err
	}
	if sh.Bucket.Bucket == "" || sh.DSN == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "a shared log needs a bucket and a database (DSN)")
	}
	o = o.withDefaults()
	// Tessera's AWS driver publishes at most one checkpoint a second.
	o.CheckpointInterval = max(o.CheckpointInterval, MinSharedCheckpointInterval)
	where := "s3://" + sh.Bucket.Bucket + "/" + sh.Bucket.KeyPrefix()
	if err := checkSharedOrigin(ctx, sh.Bucket, verifier); err != nil {
		return nil, err
	}
	sdk := sh.Bucket.AWS()
	driver, err := taws.New(ctx, taws.Config{
		SDKConfig:    &sdk,
		S3Options:    sh.Bucket.Options,
		Bucket:       sh.Bucket.Bucket,
		BucketPrefix: sh.Bucket.Prefix,
		DSN:          sh.DSN,
		MaxOpenConns: cmpOr(sh.MaxOpenConns, 8),
		MaxIdleConns: 2,
		HTTPClient:   &http.Client{Timeout: time.Minute},
	})
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: open %s: %w", where, err)
	}
	l, err := start(ctx, driver, signer, verifier, o)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: start the appender on %s and its database: %w", where, err)
	}
	l.object = bucketObjects(sh.Bucket)
	// A wait for a checkpoint asks the bucket a few times an interval.
	l.pollEvery = o.CheckpointInterval / 4
	return l, nil
}

// bucketObjects opens a log resource (checkpoint, tile, entry bundle) in
// the bucket exactly as a tlog-tiles client names it, to stream it: an
// object the bucket does not hold is os.ErrNotExist, any other failure is
// the bucket's.
func bucketObjects(b s3conf.Config) func(ctx context.Context, p string) (io.ReadCloser, int64, error) {
	client := b.Client()
	return func(ctx context.Context, p string) (io.ReadCloser, int64, error) {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(path.Join(b.Prefix, p))})
		if s3conf.IsNotFound(err) {
			return nil, 0, os.ErrNotExist
		}
		if err != nil {
			return nil, 0, err
		}
		if out.ContentLength == nil {
			out.Body.Close()
			return nil, 0, fmt.Errorf("%s: the bucket announced no size", p)
		}
		return out.Body, *out.ContentLength, nil
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// checkSharedOrigin refuses a bucket that holds another log's checkpoint.
func checkSharedOrigin(ctx context.Context, b s3conf.Config, verifier note.Verifier) error {
	out, err := b.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(path.Join(b.Prefix, layout.CheckpointPath))})
	if s3conf.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: read the checkpoint in s3://%s/%s: %w", b.Bucket, b.KeyPrefix(), err)
	}
	defer out.Body.Close()
	cp, err := io.ReadAll(io.LimitReader(out.Body, 64<<10))
	if err != nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "tlog: read the checkpoint in s3://%s/%s: %w", b.Bucket, b.KeyPrefix(), err)
	}
	if _, _, _, err := log.ParseCheckpoint(cp, verifier.Name(), verifier); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "tlog: s3://%s/%s holds a checkpoint that %q did not sign (%v): another log's bucket; use the key it was created with, or another bucket or prefix", b.Bucket, b.KeyPrefix(), verifier.Name(), err)
	}
	return nil
}
