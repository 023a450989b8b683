package main

import (
	"cmp"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"glassbox.dev/attest"
)

// defaultOrigin names a log that was not given an origin; a real centre
// names its log after the place it serves it from.
const defaultOrigin = "glassbox.localhost/log"

func (g *globals) keyDir() string {
	if g.cfg != nil && g.cfg.Keys.Dir != "" {
		return g.cfg.Keys.Dir
	}
	return filepath.Join(g.data, "keys")
}

func keysCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the centre's signing keys"}
	var dir, origin string
	var force, asJSON bool
	var refs attest.KeyRefs
	gen := &cobra.Command{
		Use:   "generate [--origin ORIGIN] [--dir DIR] [--attestation-key PKCS11-URI] [--log-key PKCS11-URI]",
		Short: "Generate the centre's attestation key and the log's checkpoint key",
		Long: `Generate writes three Ed25519 keys (private files mode 0600):

  attestation.key / .pub   signs the centre's own statements: evidence, verdicts (SLSA VSA),
                           judgements, revocations (DSSE); give the .pub to verifiers (--key)
  log.key / log.vkey       signs the log's checkpoints (C2SP signed note); give the vkey to verifiers (--log-key)
  submission.key / .pub    signs what clients submit (attest, POST /attestations), so that it
                           is never taken for a verdict; made on first use if missing

ORIGIN names the log for life, e.g. transparency.example.org/glassbox/log.

With --attestation-key or --log-key (or [keys] attestation and log in the
configuration) a key is made in a PKCS#11 token instead: a hardware
security module, or a cloud KMS through its PKCS#11 library. The key is an
Ed25519 pair whose private half is sensitive and never leaves the token;
only its public half (attestation.pub, log.vkey) is written to DIR. Name
the key with a PKCS#11 URI (RFC 7512):

  pkcs11:token=glassbox;object=attestation?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/glassbox/secrets/hsm.pin

A token that holds a key of that label already is never overwritten.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				dir = g.keyDir()
			}
			if g.cfg != nil {
				refs.Attestation = cmp.Or(refs.Attestation, g.cfg.Keys.Attestation)
				refs.Log = cmp.Or(refs.Log, g.cfg.Keys.Log)
			}
			for name, ref := range map[string]string{"--attestation-key": refs.Attestation, "--log-key": refs.Log} {
				if ref != "" && !attest.IsPKCS11(ref) {
					return usageError{fmt.Errorf("%s %q: want a PKCS#11 URI (pkcs11:token=…;object=…?module-path=…&pin-source=…); key files are made in --dir", name, ref)}
				}
			}
			kf, err := attest.GenerateKeysIn(dir, origin, refs, force)
			if err != nil {
				return err
			}
			var sub *attest.Signer
			subPath := filepath.Join(dir, attest.SubmissionKeyFile)
			if g.cfg != nil && g.cfg.Keys.Submission != "" {
				sub, err = attest.OpenSigner(g.cfg.Keys.Submission)
				subPath = attest.RedactRef(g.cfg.Keys.Submission)
			} else {
				sub, err = attest.LoadOrCreateSubmissionSigner(dir)
			}
			if err != nil {
				return err
			}
			defer sub.Close()
			if asJSON {
				return writeJSON(g, struct {
					*attest.KeyFiles
					SubmissionKeyPath   string `json:"submission_key_path"`
					SubmissionPublicKey string `json:"submission_public_key_path"`
					SubmissionKeyID     string `json:"submission_key_id"`
				}{kf, subPath, filepath.Join(dir, attest.SubmissionPubFile), sub.KeyID()})
			}
			fmt.Fprintf(g.stdout, "Attestation public key (%s), the key of the centre's verdicts:\n  key id %s (log leaves, policies' att.keyId)\n  DSSE keyid %s (envelopes; what DSSE tools derive from the key)\n%s\n", kf.PublicKeyPath, kf.KeyID, kf.DSSEKeyID, kf.PublicKeyPEM)
			fmt.Fprintf(g.stdout, "Log verifier key (%s):\n%s\n", kf.LogVerifierKeyPath, kf.LogVerifierKey)
			fmt.Fprintf(g.stdout, "Submission key (%s, key id %s): signs clients' statements (attest, POST /attestations); never give it to verifiers as --key\n", filepath.Join(dir, attest.SubmissionPubFile), sub.KeyID())
			return nil
		},
	}
	gen.Flags().StringVar(&origin, "origin", envOr("GLASSBOX_ORIGIN", defaultOrigin), "the log's `origin` (env GLASSBOX_ORIGIN)")
	gen.Flags().StringVar(&dir, "dir", "", "where to write the keys (default DATA/keys)")
	gen.Flags().StringVar(&refs.Attestation, "attestation-key", "", "make the attestation key in the PKCS#11 token this `URI` names")
	gen.Flags().StringVar(&refs.Log, "log-key", "", "make the log's key in the PKCS#11 token this `URI` names")
	gen.Flags().BoolVar(&force, "force", false, "replace existing keys (a log cannot change its key: only for a new log)")
	gen.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(gen)

	var showJSON bool
	show := &cobra.Command{
		Use:   "show [--dir DIR]",
		Short: "Print the centre's public keys and their ids",
		Long: `Show prints the public keys verifiers need and the ids that name them:
the attestation key's key id (hex SHA-256 of its DER, in log leaves and
policies' att.keyId) and DSSE keyid (SSH SHA-256 fingerprint, in envelopes'
signatures: the id DSSE tools such as slsa-verifier and cosign derive
from the key, so --public-key-id is not needed), the log's verifier key, and
the submission key that signs clients' statements (never a verdict key).`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				dir = g.keyDir()
			}
			ks, err := attest.ShowKeys(dir)
			if err != nil {
				return err
			}
			if showJSON {
				return writeJSON(g, ks)
			}
			fmt.Fprintf(g.stdout, "attestation key  %s\n  key id         %s\n  DSSE keyid     %s\n", ks.PublicKeyPath, ks.KeyID, ks.DSSEKeyID)
			fmt.Fprintf(g.stdout, "log key          %s\n  %s\n", ks.LogVerifierKeyPath, ks.LogVerifierKey)
			if ks.SubmissionKeyID != "" {
				fmt.Fprintf(g.stdout, "submission key   %s (clients' statements; not a verdict key)\n  key id         %s\n  DSSE keyid     %s\n", ks.SubmissionPublicKeyPath, ks.SubmissionKeyID, ks.SubmissionDSSEKeyID)
			}
			fmt.Fprintf(g.stdout, "\n%s", ks.PublicKeyPEM)
			return nil
		},
	}
	show.Flags().StringVar(&dir, "dir", "", "the key directory (default DATA/keys)")
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	cmd.AddCommand(show)
	return cmd
}
