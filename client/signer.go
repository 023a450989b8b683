package client

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"time"

	"glassbox.dev"
	"glassbox.dev/notary"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
)

// Signer has the centre's servers sign and log the statements of a worker
// that holds no keys (notary.Attester over POST /api/v1/signing/attest),
// with a token of scope sign. It asks its servers in turn, and again while
// none answers, until the caller's context ends or Patience passes: a
// server that restarts, or a load balancer moving the request, costs a
// retry, not the job. A statement signed twice is one envelope and one log
// entry, so a retry of a request whose answer was lost is harmless.
type Signer struct {
	servers  []*Client
	next     atomic.Uint32
	Patience time.Duration
}

// NewSigner returns a Signer over servers (their base URLs) with token.
func NewSigner(servers []string, token string) (*Signer, error) {
	if len(servers) == 0 {
		return nil, glassbox.Errorf(glassbox.EINVALID, "signing: name at least one server")
	}
	if token == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "signing: a token of scope sign is needed")
	}
	s := &Signer{Patience: 5 * time.Minute}
	for _, u := range servers {
		c, err := New(u, token)
		if err != nil {
			return nil, err
		}
		c.http.Timeout = 2 * time.Minute
		s.servers = append(s.servers, c)
	}
	return s, nil
}

var _ notary.Attester = (*Signer)(nil)

// retry calls fn with one server after another until it succeeds, fails
// for another reason than a server not answering, or time is up.
func (s *Signer) retry(ctx context.Context, fn func(c *Client) error) error {
	deadline := time.Now().Add(s.Patience)
	wait := 100 * time.Millisecond
	for {
		c := s.servers[int(s.next.Load())%len(s.servers)]
		err := fn(c)
		if err == nil || glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE && glassbox.ErrorCode(err) != glassbox.EINTERNAL {
			return err
		}
		s.next.Add(1)
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Attest implements notary.Attester.
func (s *Signer) Attest(ctx context.Context, req notary.Request) (*tlog.Receipt, error) {
	var r tlog.Receipt
	err := s.retry(ctx, func(c *Client) error {
		body, hdr := jsonBody(server.SignRequest{Subjects: req.Subjects, PredicateType: req.PredicateType, Predicate: req.Predicate})
		_, err := c.do(ctx, "POST", "/api/v1/signing/attest", body, hdr, &r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Verdicts implements notary.Attester, from GET /api/v1/verdicts.
func (s *Signer) Verdicts(ctx context.Context, artifact glassbox.Digest) ([]notary.Verdict, error) {
	var v Verdicts
	err := s.retry(ctx, func(c *Client) error {
		_, err := c.do(ctx, "GET", "/api/v1/verdicts/"+url.PathEscape(string(artifact)), nil, nil, &v)
		return err
	})
	if err != nil && !IsNotFound(err) {
		return nil, err
	}
	out := make([]notary.Verdict, len(v.Verdicts))
	for i, x := range v.Verdicts {
		out[i] = notary.Verdict{LogIndex: x.LogIndex, Envelope: x.Envelope, Result: x.Result, TimeVerified: x.TimeVerified}
	}
	return out, nil
}
