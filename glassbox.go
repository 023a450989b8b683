// Package glassbox is the domain of a software transparency centre: releases
// submitted by vendors, the evidence they are made of, and the interfaces
// between the pipeline's stages (submit → rebuild → analyse → evaluate →
// attest/log → verify).
//
// Every other package speaks these types; none reaches into another's storage.
package glassbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
)

// Digest names a piece of evidence by its content: "sha256:" followed by 64
// lower-case hexadecimal digits.
type Digest string

// DigestPrefix is the algorithm prefix of every Digest glassbox writes.
const DigestPrefix = "sha256:"

// NewDigest returns the Digest of a SHA-256 sum.
func NewDigest(sum [sha256.Size]byte) Digest {
	return Digest(DigestPrefix + hex.EncodeToString(sum[:]))
}

// DigestOf returns the Digest of b.
func DigestOf(b []byte) Digest { return NewDigest(sha256.Sum256(b)) }

// ParseDigest checks that s is a well-formed Digest.
func ParseDigest(s string) (Digest, error) {
	d := Digest(s)
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d, nil
}

// Validate reports whether d is "sha256:" followed by 64 lower-case hex digits.
func (d Digest) Validate() error {
	h, ok := strings.CutPrefix(string(d), DigestPrefix)
	if !ok || len(h) != 2*sha256.Size || !isLowerHex(h) {
		return Errorf(EINVALID, "%q is not a digest; want sha256: followed by 64 lower-case hex digits", string(d))
	}
	return nil
}

// Hex returns the hexadecimal part of d.
func (d Digest) Hex() string { return strings.TrimPrefix(string(d), DigestPrefix) }

func (d Digest) String() string { return string(d) }

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// BlobStore is the content-addressed evidence store. Blobs are immutable and
// named by their Digest; storing the same content twice stores it once.
// Implementations verify content on read: a blob whose bytes no longer match
// its digest is reported as ECORRUPT and never served.
type BlobStore interface {
	// Stage writes r to a place invisible to readers while hashing it. The
	// blob becomes visible only when it is committed, so a caller can refuse
	// the whole input after reading it and leave no trace.
	Stage(ctx context.Context, r io.Reader) (StagedBlob, error)
	// Commit makes staged blobs visible under their digests. Each blob
	// appears atomically and durably or not at all. It returns how many of
	// them the store did not hold before.
	Commit(ctx context.Context, staged ...StagedBlob) (added int, err error)
	// Put stores a small blob held in memory, atomically and durably, as
	// Stage then Commit would. It is the fast path for many small
	// concurrent writes (one envelope per attestation).
	Put(ctx context.Context, data []byte) (Digest, error)
	// Open returns the blob's content after checking it against its digest.
	Open(ctx context.Context, d Digest) (io.ReadCloser, error)
	// Stat returns the size of a stored blob, or an ENOTFOUND error.
	Stat(ctx context.Context, d Digest) (int64, error)
}

// StagedBlob is content written to a BlobStore but not yet visible in it.
type StagedBlob interface {
	Digest() Digest
	Size() int64
	// Discard removes the staged content. It is safe after Commit.
	Discard() error
}

// ReleaseStore keeps the metadata of releases: which releases exist and
// which blobs they consist of.
type ReleaseStore interface {
	// CreateRelease records r. It reports false, and changes nothing, when a
	// release with the same ID already exists. It returns an ECONFLICT error
	// when the product already has this version with other content.
	CreateRelease(ctx context.Context, r *Release) (created bool, err error)
	// FindRelease returns the release with this ID, or ENOTFOUND.
	FindRelease(ctx context.Context, id Digest) (*Release, error)
	// FindReleases lists releases matching the filter, newest first.
	FindReleases(ctx context.Context, f ReleaseFilter) ([]*Release, error)
	// FindReleaseIDs returns the IDs that start with prefix (hex, without
	// "sha256:"), at most limit of them, so that callers can accept
	// abbreviated IDs as git does.
	FindReleaseIDs(ctx context.Context, prefix string, limit int) ([]Digest, error)
	// FindProducts lists every product that has a release.
	FindProducts(ctx context.Context) ([]*Product, error)
	Close() error
}

// ReleaseFilter selects releases; zero fields match everything.
type ReleaseFilter struct {
	Product string
	Version string
	Limit   int
}
