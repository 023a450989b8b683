package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev/attest"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
	"glassbox.dev/verify/policy"
)

func verifyCommand(g *globals) *cobra.Command {
	var keyPath, logKey, policyPath, logURL, statePath string
	var receiptPaths []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify ARTIFACT (--receipt FILE | --log URL) --key PUBKEY [--log-key VKEY] [--policy FILE] [--state FILE]",
		Short: "Check, offline, that an artefact is what the centre attested, and that policy allows it",
		Long: `Verify hashes ARTIFACT and checks, with no network access when given a receipt:
the checkpoint's signature (the log's key, --log-key), the inclusion proof of
the log entry, that the entry names this envelope, the envelope's signature
(the centre's key, --key), that the artefact is a subject of the statement,
and that the centre's verdict allows it.

The verdict is the newest SLSA Verification Summary (VSA) the centre signed
about the artefact. Without --policy only a PASSED verdict allows; a FAILED
one, a revoked one, or none at all denies. With --policy FILE the policy's
rules decide instead (over the current verdict, never a superseded one), and
its max_age bounds how old the verdict may be. The verdict, the standards it
passed and when it was made are always printed.

With --log URL instead of a receipt it fetches every attestation about the
artefact and its proofs from a served log, so a newer verdict or a
revocation (glassbox withdraw) supersedes an older PASSED one; statements
signed by other keys (clients' submissions) are ignored. With --state FILE it remembers the
largest checkpoint seen and demands a consistency proof to every newer one
(fetched from --log): a log that shows two histories is denied as a split view.

--log-key defaults to log.vkey beside the --key file.

Several centres: a policy whose centres: section names k of n centres
(each with its own key, log key and, optionally, log URL) allows the
artefact only when k of them do, each judged by the rest of the policy
against its own verdicts. Give one --receipt per centre (repeat the flag);
a centre without a receipt is asked through its log, if the policy names
one. --key and --log-key are then not needed: the policy holds the keys.

Exit codes: 0 allowed; 1 denied (every reason is printed); 2 malformed input
(receipt, policy, keys) or another error.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var pol *policy.Policy
			if policyPath != "" {
				var err error
				if pol, err = policy.Load(policyPath); err != nil {
					return codedError{code: exitError, err: err}
				}
				if pol.Centres != nil && keyPath == "" {
					return runFederated(cmd, g, a[0], receiptPaths, pol, asJSON)
				}
			}
			if len(receiptPaths) > 1 {
				return usageError{fmt.Errorf("several --receipt files need a policy naming the centres they come from (centres:)")}
			}
			receiptPath := ""
			if len(receiptPaths) == 1 {
				receiptPath = receiptPaths[0]
			}
			return runVerify(cmd, g, a[0], receiptPath, keyPath, logKey, pol, logURL, statePath, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&receiptPaths, "receipt", nil, "receipt `file` (default ARTIFACT.receipt if it exists); repeat it for several centres")
	f.StringVar(&keyPath, "key", "", "the centre's attestation public key (PEM `file`)")
	f.StringVar(&logKey, "log-key", "", "the log's verifier key (C2SP vkey, or a `file` holding it)")
	f.StringVar(&policyPath, "policy", "", "policy `file` (YAML with CEL rules)")
	f.StringVar(&logURL, "log", "", "a served log's `URL`, to fetch attestations or consistency proofs")
	f.StringVar(&statePath, "state", "", "`file` remembering the largest checkpoint seen")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func runVerify(cmd *cobra.Command, g *globals, artifact, receiptPath, keyPath, logKey string, pol *policy.Policy, logURL, statePath string, asJSON bool) error {
	bad := func(err error) error { return codedError{code: exitError, err: err} }
	if keyPath == "" {
		return usageError{fmt.Errorf("--key is required: the centre's attestation public key")}
	}
	if receiptPath == "" && logURL == "" {
		if _, err := os.Stat(artifact + ".receipt"); err == nil {
			receiptPath = artifact + ".receipt"
		} else {
			return usageError{fmt.Errorf("give --receipt FILE or --log URL")}
		}
	}
	if logKey == "" {
		logKey = filepath.Join(filepath.Dir(keyPath), "log.vkey")
	}
	var o verify.Options
	var err error
	if o.Key, err = attest.LoadPublicKey(keyPath); err != nil {
		return bad(err)
	}
	if o.LogVerifier, err = attest.LoadLogVerifier(logKey); err != nil {
		return bad(err)
	}
	o.Policy = pol
	if logURL != "" {
		if o.Log, err = verify.NewRemote(logURL, nil); err != nil {
			return bad(err)
		}
	}
	if statePath != "" {
		if o.State, err = verify.LoadState(statePath, o.LogVerifier); err != nil {
			return bad(err)
		}
	}
	digest, err := hashFile(artifact)
	if err != nil {
		return bad(err)
	}
	ctx := cmd.Context()
	var res *verify.Result
	if receiptPath != "" {
		// Bounded, and a regular file only: a receipt named by mistake
		// (a device, a FIFO, a disk image) is refused, never read whole.
		receipt, rerr := readLimited(receiptPath, tlog.MaxReceiptSize)
		if rerr != nil {
			return bad(fmt.Errorf("receipt: %w", rerr))
		}
		res, err = verify.Receipt(ctx, digest, receipt, o)
		if err != nil {
			err = fmt.Errorf("receipt %s: %w", receiptPath, err)
		}
	} else {
		res, err = verify.FromLog(ctx, digest, o)
	}
	if err != nil {
		return bad(err)
	}
	return report(g, artifact, res, asJSON)
}

// report prints a verification, as JSON or text, and exits 1 when it
// denies.
func report(g *globals, artifact string, res *verify.Result, asJSON bool) error {
	if asJSON {
		if err := writeJSON(g, res); err != nil {
			return err
		}
	} else {
		for _, c := range res.Centres {
			state := "denies"
			if c.Result.Allowed {
				state = "allows"
			}
			fmt.Fprintf(g.stdout, "%-12s %s (log %s)\n", c.Name, state, c.Log)
		}
		printResult(g, artifact, res)
	}
	if !res.Allowed {
		return codedError{code: exitRefused}
	}
	return nil
}

// runFederated verifies an artefact against the centres a policy names.
func runFederated(cmd *cobra.Command, g *globals, artifact string, receiptPaths []string, p *policy.Policy, asJSON bool) error {
	bad := func(err error) error { return codedError{code: exitError, err: err} }
	var receipts [][]byte
	for _, rp := range receiptPaths {
		r, err := readLimited(rp, tlog.MaxReceiptSize)
		if err != nil {
			return bad(fmt.Errorf("receipt %s: %w", rp, err))
		}
		receipts = append(receipts, r)
	}
	digest, err := hashFile(artifact)
	if err != nil {
		return bad(err)
	}
	res, err := verify.Federated(cmd.Context(), digest, receipts, verify.Options{Policy: p})
	if err != nil {
		return bad(err)
	}
	return report(g, artifact, res, asJSON)
}

func printResult(g *globals, artifact string, res *verify.Result) {
	verdict := "ALLOWED"
	if !res.Allowed {
		verdict = "DENIED"
	}
	fmt.Fprintf(g.stdout, "%s %s (%s)\n", verdict, artifact, res.Artifact)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	if res.Checkpoint != nil {
		fmt.Fprintf(tw, "  log\t%s, checkpoint of size %d\n", res.Checkpoint.Origin, res.Checkpoint.Size)
	}
	for _, a := range res.Attestations {
		fmt.Fprintf(tw, "  attestation\t#%d %s\n", a.LogIndex, a.PredicateType)
	}
	if v := res.Verdict; v != nil {
		standards := "none passed"
		if len(v.Standards) > 0 {
			standards = strings.Join(v.Standards, ", ")
		}
		fmt.Fprintf(tw, "  verdict\t%s (log entry #%d)\n", v.Result, v.LogIndex)
		fmt.Fprintf(tw, "  standards\t%s\n", standards)
		fmt.Fprintf(tw, "  policy\t%s\n", v.Policy)
		fmt.Fprintf(tw, "  verified at\t%s by %s\n", v.TimeVerified.Format(time.RFC3339), v.Verifier)
		if v.Revoked != "" {
			fmt.Fprintf(tw, "  revoked\t%s\n", v.Revoked)
		}
	} else {
		fmt.Fprintf(tw, "  verdict\tnone\n")
	}
	for _, v := range res.Superseded {
		fmt.Fprintf(tw, "  superseded\t%s at %s (log entry #%d)\n", v.Result, v.TimeVerified.Format(time.RFC3339), v.LogIndex)
	}
	tw.Flush()
	for _, r := range res.Reasons {
		fmt.Fprintf(g.stdout, "  denied: %s\n", strings.TrimSpace(r))
	}
}
