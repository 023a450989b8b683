package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"glassbox.dev/internal/atomicfile"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
)

func attestCommand(g *globals) *cobra.Command {
	var predicateType, predicateFile, receiptOut, serverURL, token string
	cmd := &cobra.Command{
		Use:   "attest ARTIFACT... --predicate-type URI --predicate FILE [--receipt OUT] [--server URL --token T]",
		Short: "Log a client's statement about artefacts under the submission key, and write its receipt",
		Long: `Attest signs an in-toto Statement v1 whose subjects are the given files'
SHA-256 digests, with the predicate read from FILE (JSON), in a DSSE envelope
with the centre's submission key (DATA/keys/submission.key, not the
attestation key that signs verdicts); appends it to the transparency log; and
writes the receipt (default: ARTIFACT.receipt beside the first artefact) and,
beside it, the envelope alone as ARTIFACT.intoto.jsonl (the SLSA convention:
one DSSE envelope per line, which slsa-verifier and cosign read).

A submitted statement is never a verdict: SLSA Verification Summaries and
glassbox's own predicates are refused (the centre makes those only through
'glassbox evaluate', 'judge' and 'withdraw'), and 'glassbox verify' with the
centre's attestation key does not accept a statement signed by the
submission key.

Known predicate types are checked against their schema:
  https://slsa.dev/provenance/v1             SLSA Provenance
Any other absolute URI is accepted with any JSON object as predicate.

With --server the running centre at URL signs and logs instead of the local
data directory (token: --token or GLASSBOX_TOKEN).`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, artifacts []string) error {
			if predicateType == "" || predicateFile == "" {
				return usageError{fmt.Errorf("--predicate-type and --predicate are required")}
			}
			predicate, err := readLimited(predicateFile, attest.MaxStatementSize)
			if err != nil {
				return fmt.Errorf("predicate: %w", err)
			}
			if serverURL != "" {
				if err := checkServerURL(serverURL); err != nil {
					return err
				}
			}
			var subjects []attest.Subject
			for _, a := range artifacts {
				d, err := hashFile(a)
				if err != nil {
					return err
				}
				subjects = append(subjects, attest.Subject{Name: filepath.Base(a), Digest: d})
			}
			if receiptOut == "" {
				receiptOut = artifacts[0] + ".receipt"
			}
			// Everything that can fail is checked before the statement is
			// logged: a log entry cannot be taken back, so an attest that
			// fails must fail before it appends.
			if err := checkWritable(receiptOut); err != nil {
				return err
			}
			req := notary.Request{Subjects: subjects, PredicateType: predicateType, Predicate: predicate}
			ctx := cmd.Context()
			var receipt *tlog.Receipt
			if serverURL != "" {
				receipt, err = attestRemote(ctx, serverURL, token, req)
			} else {
				receipt, err = attestLocal(ctx, g, req)
			}
			if err != nil {
				return err
			}
			b, err := receipt.Marshal()
			if err != nil {
				return err
			}
			if err := writeReceipt(receiptOut, b, receipt.Envelope); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, receiptOut)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&predicateType, "predicate-type", "", "predicate type `URI`")
	f.StringVar(&predicateFile, "predicate", "", "predicate JSON `file`")
	f.StringVar(&receiptOut, "receipt", "", "where to write the receipt (default ARTIFACT.receipt)")
	f.StringVar(&serverURL, "server", "", "attest through the centre running at `URL`")
	f.StringVar(&token, "token", os.Getenv("GLASSBOX_TOKEN"), "the centre's write `token` (env GLASSBOX_TOKEN)")
	return cmd
}

func attestLocal(ctx context.Context, g *globals, req notary.Request) (*tlog.Receipt, error) {
	c, err := g.openLog(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Attest(ctx, req)
}

func attestRemote(ctx context.Context, url, token string, req notary.Request) (*tlog.Receipt, error) {
	body, err := json.Marshal(server.AttestRequest{Subjects: req.Subjects, PredicateType: req.PredicateType, Predicate: req.Predicate})
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(url, "/")+"/attestations", bytes.NewReader(body))
	if err != nil {
		return nil, usageError{fmt.Errorf("--server %q: %v", url, err)}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(hr)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "attest through %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, tlog.MaxReceiptSize))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "attest through %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.Unmarshal(data, &e)
		code := glassbox.EINTERNAL
		if resp.StatusCode/100 == 4 {
			code = glassbox.EINVALID
		}
		return nil, glassbox.Errorf(code, "the centre at %s refused: %s: %s", url, resp.Status, e.Error)
	}
	r, _, err := tlog.ParseReceipt(data)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the centre at %s answered with a bad receipt: %w", url, err)
	}
	return r, nil
}

// hashFile returns the digest of a regular file.
func hashFile(path string) (glassbox.Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "artefact %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", glassbox.Errorf(glassbox.EINVALID, "artefact %s is not a regular file", path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "artefact %s: %w", path, err)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum), nil
}

// checkServerURL refuses a centre URL over which the write token would
// travel in clear text: plain http is for a centre on this machine only.
func checkServerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return usageError{fmt.Errorf("--server %q is not an http(s) URL", raw)}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return usageError{fmt.Errorf("--server %s: refusing to send the write token in clear text over plain http to %s; use https (plain http only to this machine: localhost, 127.0.0.1, ::1)", u.Redacted(), u.Hostname())}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkWritable makes sure a file can be written at path, by creating and
// removing a temporary file in its directory.
func checkWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
	if err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "cannot write the receipt %s: %v; nothing was logged", path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeReceipt writes a receipt and, beside it, its envelope in the
// .intoto.jsonl form standard tools read.
func writeReceipt(path string, receipt, envelope []byte) error {
	jsonl, err := attest.JSONL(envelope)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, receipt, 0o644); err != nil {
		return err
	}
	return writeFileAtomic(attest.JSONLPath(path), jsonl, 0o644)
}

// writeFileAtomic writes data to path through a temporary file beside it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := atomicfile.Write(path, data, mode, true); err != nil {
		return glassbox.Errorf(glassbox.EINVALID, "%w", err)
	}
	return nil
}
