package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
)

func accessCommand(g *globals) *cobra.Command {
	var keyPath, logKey string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "access RELEASE",
		Short: "List every read of a release's confidential content, each verified offline",
		Long: `Access lists the centre's record of who read the release's confidential
content (source files, archives, diffs, findings, SBOMs, reports,
artefacts): for each read, when, which organisation and user (and token),
under which grant or basis, what kind of read, and each path served with the
SHA-256 of what was served. Every read was logged as a signed access
statement (predicate type https://glassbox.dev/predicates/access/v1) before
it was served, and each is verified here as a receipt is: the checkpoint
against the log's key, the inclusion proof, the envelope's signature by the
centre's attestation key.

RELEASE is its id (sha256:…), at least 6 of the id's hex digits, or
PRODUCT@VERSION. The keys default to those in the data directory; give the
ones you obtained from the centre with --key and --log-key.

Exit status 1 if any read does not verify.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			if g.remote() {
				if keyPath == "" || logKey == "" {
					return usageError{fmt.Errorf("with --server, give the centre's public keys you obtained from it: --key attestation.pub --log-key log.vkey (the record is verified offline, against keys you trust)")}
				}
				return remoteAccess(ctx, g, a[0], keyPath, logKey, asJSON)
			}
			// The record is read with the centre's own key and verified
			// with the keys the reader trusts, by default the same.
			own, err := attest.LoadPublicKey(filepath.Join(g.keyDir(), attest.AttestationPubFile))
			if err != nil {
				return err
			}
			if keyPath == "" {
				keyPath = filepath.Join(g.keyDir(), attest.AttestationPubFile)
			}
			if logKey == "" {
				logKey = filepath.Join(filepath.Dir(keyPath), attest.LogVKeyFile)
			}
			c, err := g.openLog(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			rel, err := findRelease(ctx, c, a[0])
			if err != nil {
				return err
			}
			entries, err := access.NewRecorder(c.Notary, c.Store, own).List(ctx, rel.ID)
			if err != nil {
				return err
			}
			return printAccess(g, rel, entries, keyPath, logKey, asJSON)
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "the centre's attestation public key (PEM `file`; default: the data directory's)")
	cmd.Flags().StringVar(&logKey, "log-key", "", "the log's verifier key (`file` or key; default: log.vkey beside --key)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// remoteAccess reads a release's access record from the remote centre and
// verifies it offline.
func remoteAccess(ctx context.Context, g *globals, ref, keyPath, logKey string, asJSON bool) error {
	c, rel, err := g.remoteRelease(ctx, ref)
	if err != nil {
		return err
	}
	raw, err := c.Access(ctx, ref)
	if err != nil {
		return err
	}
	entries := make([]access.Entry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &entries[i]); err != nil {
			return glassbox.Errorf(glassbox.EINVALID, "the centre's access record of %s: entry %d: %v", rel.ID, i+1, err)
		}
	}
	return printAccess(g, rel, entries, keyPath, logKey, asJSON)
}

// printAccess verifies each recorded read with the keys the reader trusts
// and lists them; a read that does not verify is exit status 1.
func printAccess(g *globals, rel *glassbox.Release, entries []access.Entry, keyPath, logKey string, asJSON bool) error {
	key, err := attest.LoadPublicKey(keyPath)
	if err != nil {
		return err
	}
	verifier, err := attest.LoadLogVerifier(logKey)
	if err != nil {
		return err
	}
	type read struct {
		access.Entry
		Verified bool   `json:"verified"`
		Problem  string `json:"problem,omitempty"`
	}
	reads, failed := make([]read, len(entries)), 0
	for i := range entries {
		reads[i].Entry, reads[i].Verified = entries[i], true
		if err := access.Verify(&entries[i], key, verifier); err != nil {
			reads[i].Verified, reads[i].Problem = false, err.Error()
			failed++
		}
	}
	if asJSON {
		if err := writeJSON(g, map[string]any{"release": rel.ID, "product": rel.Manifest.Product, "version": rel.Manifest.Version, "reads": reads}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "%s@%s (%s): %d reads, %d verified\n", rel.Manifest.Product, rel.Manifest.Version, rel.ID, len(reads), len(reads)-failed)
		for _, r := range reads {
			p := &r.Access
			basis := string(p.Basis)
			if p.Grant != "" {
				basis = "grant " + p.Grant
			}
			status := "verified"
			if !r.Verified {
				status = "NOT VERIFIED: " + r.Problem
			}
			fmt.Fprintf(g.stdout, "#%d  %s  %s/%s (%s, token %s)  %s  %s  %s\n", r.LogIndex, p.TimeRead.Format(time.RFC3339), p.Reader.Org, p.Reader.User, p.Reader.OrgName, p.Reader.Token, basis, p.Kind, status)
			for _, path := range p.Paths {
				fmt.Fprintf(g.stdout, "      %s  %s\n", path.Digest, path.Path)
			}
		}
	}
	if failed > 0 {
		return codedError{code: exitRefused, err: fmt.Errorf("%d of %d reads of %s do not verify", failed, len(reads), rel.ID)}
	}
	return nil
}
