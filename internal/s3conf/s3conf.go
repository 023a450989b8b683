// Package s3conf is the one description of where S3-compatible object
// storage is and how to reach it, shared by the evidence store and the
// transparency log (Tessera's AWS driver), which each make their client from
// it.
package s3conf

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Config says where a bucket is.
type Config struct {
	// Endpoint is the S3 server's URL (http://127.0.0.1:7070 for a
	// versitygw or MinIO beside the centre); empty for AWS itself.
	Endpoint string `toml:"endpoint"`
	// Region defaults to us-east-1, which S3-compatible servers accept.
	Region string `toml:"region"`
	Bucket string `toml:"bucket"`
	// Prefix, if set, is prepended to every key ("glassbox/"), so that a
	// bucket can hold other things too.
	Prefix string `toml:"prefix"`
	// AccessKey and SecretKey are the credentials; empty takes
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
	AccessKey string `toml:"access_key"`
	SecretKey string `toml:"secret_key"`
}

// KeyPrefix is Prefix with one trailing slash, or "".
func (c Config) KeyPrefix() string {
	if c.Prefix == "" || strings.HasSuffix(c.Prefix, "/") {
		return c.Prefix
	}
	return c.Prefix + "/"
}

// AWS is the SDK configuration: region, credentials and an HTTP client
// whose requests cannot hang forever.
func (c Config) AWS() aws.Config {
	cfg := aws.Config{
		Region:     c.Region,
		HTTPClient: &http.Client{Timeout: 10 * time.Minute},
		// The SDK's default adds CRC checksums to every request; callers
		// send the content's own SHA-256 where they know it.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		Credentials:                envCredentials{},
		RetryMaxAttempts:           3,
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if c.AccessKey != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, "")
	}
	if c.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.Endpoint)
	}
	return cfg
}

// Options adjusts S3's options to the server: path-style addressing for an
// S3-compatible server given by its endpoint.
func (c Config) Options(o *s3.Options) {
	if c.Endpoint != "" {
		o.UsePathStyle = true
	}
}

// Client is an S3 client for the configuration.
func (c Config) Client() *s3.Client { return s3.NewFromConfig(c.AWS(), c.Options) }

// envCredentials are the standard environment variables' credentials.
type envCredentials struct{}

func (envCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Credentials{}, errors.New("no S3 credentials: set access_key and secret_key in the configuration, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN"), Source: "environment"}, nil
}

// IsNotFound reports whether an S3 error says the object (or upload) is
// not there, as servers say it: NoSuchKey, NotFound (HEAD), NoSuchUpload.
func IsNotFound(err error) bool {
	var nk *types.NoSuchKey
	var nf *types.NotFound
	var nu *types.NoSuchUpload
	if errors.As(err, &nk) || errors.As(err, &nf) || errors.As(err, &nu) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}
