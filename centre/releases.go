package centre

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"glassbox.dev"
	"glassbox.dev/evaluate"
)

// ErrMalformedRef is wrapped by the EINVALID error of a reference that
// cannot name a release at all (as opposed to one naming none): the
// command line treats it as a usage error.
var ErrMalformedRef = errors.New("malformed release reference")

// ResolveRelease finds the release a reference names, as a user types it:
// its full id (sha256:…, or the 64 hex digits alone), a unique prefix of
// at least 6 of the id's hex digits, or PRODUCT@VERSION. None is
// ENOTFOUND; a prefix of several ids is EINVALID.
func (c *Centre) ResolveRelease(ctx context.Context, ref string) (*glassbox.Release, error) {
	rs := c.Store
	if product, version, ok := strings.Cut(ref, "@"); ok {
		rels, err := rs.FindReleases(ctx, glassbox.ReleaseFilter{Product: product, Version: version, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(rels) == 0 {
			return nil, glassbox.Errorf(glassbox.ENOTFOUND, "no release of product %q has version %q", product, version)
		}
		return rels[0], nil
	}
	prefix := strings.TrimPrefix(ref, glassbox.DigestPrefix)
	if len(prefix) == 64 {
		return rs.FindRelease(ctx, glassbox.Digest(glassbox.DigestPrefix+prefix))
	}
	if len(prefix) < 6 || strings.Trim(strings.ToLower(prefix), "0123456789abcdef") != "" {
		return nil, &glassbox.Error{Code: glassbox.EINVALID, Err: ErrMalformedRef,
			Message: fmt.Sprintf("%q does not name a release: give its id (sha256:…), at least 6 of its hex digits, or PRODUCT@VERSION", ref)}
	}
	ids, err := rs.FindReleaseIDs(ctx, strings.ToLower(prefix), 2)
	if err != nil {
		return nil, err
	}
	switch len(ids) {
	case 0:
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "no release id starts with %s", prefix)
	case 1:
		return rs.FindRelease(ctx, ids[0])
	}
	return nil, glassbox.Errorf(glassbox.EINVALID, "%s is the start of more than one release id; give more digits", prefix)
}

// ReleaseVerdict is a stored release and its current verdict: the record
// of its newest evaluation, nil if it was never evaluated.
type ReleaseVerdict struct {
	Release *glassbox.Release
	Current *evaluate.Record
}

// Releases lists the stored releases the filter selects, newest first,
// each with its current verdict.
func (c *Centre) Releases(ctx context.Context, f glassbox.ReleaseFilter) ([]ReleaseVerdict, error) {
	rels, err := c.Store.FindReleases(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]ReleaseVerdict, len(rels))
	for i, r := range rels {
		out[i].Release = r
		if out[i].Current, err = evaluate.Current(ctx, c.Blobs, c.Store, r.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Evaluations returns the records of every evaluation of a release, oldest
// first; the last is its current verdict.
func (c *Centre) Evaluations(ctx context.Context, rel *glassbox.Release) ([]evaluate.Record, error) {
	return evaluate.History(ctx, c.Blobs, c.Store, rel.ID)
}
