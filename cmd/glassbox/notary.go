package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/tlog"
)

// logCentre is an opened data directory with its keys, log and notary.
type logCentre struct {
	*dataDir
	log    *tlog.Log
	notary *notary.Notary
}

func (g *globals) openLog(ctx context.Context) (*logCentre, error) {
	dir := g.keyDir()
	if _, err := os.Stat(filepath.Join(dir, "attestation.key")); errors.Is(err, os.ErrNotExist) {
		return nil, glassbox.Errorf(glassbox.EINVALID, "no keys in %s: run 'glassbox keys generate --origin ORIGIN' first", dir)
	}
	signer, err := attest.LoadSigner(filepath.Join(dir, "attestation.key"))
	if err != nil {
		return nil, err
	}
	// Clients' statements (attest, POST /attestations) are signed by a key
	// of their own, never by the verdict key above.
	submissions, err := attest.LoadOrCreateSubmissionSigner(dir)
	if err != nil {
		return nil, err
	}
	logSigner, err := attest.LoadLogSigner(filepath.Join(dir, "log.key"))
	if err != nil {
		return nil, err
	}
	logVerifier, err := attest.LoadLogVerifier(filepath.Join(dir, "log.vkey"))
	if err != nil {
		return nil, err
	}
	c, err := g.open(ctx)
	if err != nil {
		return nil, err
	}
	l, err := tlog.Open(ctx, filepath.Join(g.data, "log"), logSigner, logVerifier, tlog.Options{})
	if err != nil {
		c.Close()
		return nil, err
	}
	n, err := notary.New(ctx, signer, l, c.blobs, c.releases)
	if err != nil {
		l.Close(ctx)
		c.Close()
		return nil, err
	}
	if err := n.AcceptSubmissions(submissions); err != nil {
		n.Close(ctx)
		l.Close(ctx)
		c.Close()
		return nil, err
	}
	return &logCentre{dataDir: c, log: l, notary: n}, nil
}

func (c *logCentre) Close(ctx context.Context) error {
	return errors.Join(c.notary.Close(ctx), c.log.Close(ctx), c.dataDir.Close())
}
