package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"glassbox.dev/attest"
)

// defaultOrigin names a log that was not given an origin; a real centre
// names its log after the place it serves it from.
const defaultOrigin = "glassbox.localhost/log"

func (g *globals) keyDir() string { return filepath.Join(g.data, "keys") }

func keysCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the centre's signing keys"}
	var dir, origin string
	var force, asJSON bool
	gen := &cobra.Command{
		Use:   "generate [--origin ORIGIN] [--dir DIR]",
		Short: "Generate the centre's attestation key and the log's checkpoint key",
		Long: `Generate writes three Ed25519 keys (private files mode 0600):

  attestation.key / .pub   signs the centre's own statements: evidence, verdicts (SLSA VSA),
                           judgements, revocations (DSSE); give the .pub to verifiers (--key)
  log.key / log.vkey       signs the log's checkpoints (C2SP signed note); give the vkey to verifiers (--log-key)
  submission.key / .pub    signs what clients submit (attest, POST /attestations), so that it
                           is never taken for a verdict; made on first use if missing

ORIGIN names the log for life, e.g. transparency.example.org/glassbox/log.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				dir = g.keyDir()
			}
			kf, err := attest.GenerateKeys(dir, origin, force)
			if err != nil {
				return err
			}
			sub, err := attest.LoadOrCreateSubmissionSigner(dir)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, struct {
					*attest.KeyFiles
					SubmissionKeyPath   string `json:"submission_key_path"`
					SubmissionPublicKey string `json:"submission_public_key_path"`
					SubmissionKeyID     string `json:"submission_key_id"`
				}{kf, filepath.Join(dir, attest.SubmissionKeyFile), filepath.Join(dir, attest.SubmissionPubFile), sub.KeyID()})
			}
			fmt.Fprintf(g.stdout, "Attestation public key (%s, key id %s), the key of the centre's verdicts:\n%s\n", kf.PublicKeyPath, kf.KeyID, kf.PublicKeyPEM)
			fmt.Fprintf(g.stdout, "Log verifier key (%s):\n%s\n", kf.LogVerifierKeyPath, kf.LogVerifierKey)
			fmt.Fprintf(g.stdout, "Submission key (%s, key id %s): signs clients' statements (attest, POST /attestations); never give it to verifiers as --key\n", filepath.Join(dir, attest.SubmissionPubFile), sub.KeyID())
			return nil
		},
	}
	gen.Flags().StringVar(&origin, "origin", envOr("GLASSBOX_ORIGIN", defaultOrigin), "the log's `origin` (env GLASSBOX_ORIGIN)")
	gen.Flags().StringVar(&dir, "dir", "", "where to write the keys (default DATA/keys)")
	gen.Flags().BoolVar(&force, "force", false, "replace existing keys (a log cannot change its key: only for a new log)")
	gen.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(gen)
	return cmd
}
