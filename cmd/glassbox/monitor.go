package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/monitor"
	"glassbox.dev/tlog"
	"glassbox.dev/verify/policy"
)

func monitorCommand(g *globals) *cobra.Command {
	var logKeys, keys, watch, seen, products []string
	var stateDir, policyPath, webhook string
	var all, follow, envelopes bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "monitor URL... --log-key VKEY [--key PUB] [--watch DIGEST] [--state DIR]",
		Short: "Follow centres' transparency logs, verify every entry, report those you watch and any inconsistency",
		Long: `Monitor follows one or more centres' logs over C2SP tlog-tiles (URL is
where a centre serves /checkpoint and /tile/), as an outsider with only
their public keys. For each log it:

  - checks the checkpoint against the log's key (--log-key; each URL is
    matched to the key whose name is the origin it serves) and, with
    --policy, against the witnesses the policy names (witnesses:);
  - hashes every entry since the last run into its own copy of the tree
    and checks it against the checkpoint: a log that rewrote, dropped or
    forked its history after what was verified is caught, whether it now
    shows more, as many or fewer entries (a split view);
  - parses every entry as a glassbox leaf and, with --envelopes, fetches
    every entry's envelope from the centre and checks it against the
    leaf and, when it is the centre's, against its key (access statements
    are confidential: counted, not fetched);
  - reports the entries about the artefacts and releases you --watch (or
    --all of them), each envelope fetched and checked against the
    centre's key (--key) when the entry is the centre's. Log entries name
    digests only: --watch-product NAME asks a centre's API (--server,
    with a token that may read the product) for the product's releases
    and their artefacts, before every run, and watches those.

Checkpoints gathered elsewhere (--seen: a receipt, or a signed checkpoint
such as one a witness cosigned) are checked against the verified tree: a
log that showed someone else a different history is a split view too.

What it verified is kept per log in --state, across runs. Events are JSON
lines on standard output (type checkpoint, entry, inconsistency,
unwitnessed, error); with --webhook each is also POSTed there. With
--follow it polls every --interval until interrupted.

Exit status 0 when every log was consistent, 1 on any inconsistency or
unwitnessed checkpoint, 2 when a log could not be read.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, urls []string) error {
			ctx := cmd.Context()
			o := monitor.Options{StateDir: stateDir, All: all, Envelopes: envelopes}
			verifiers := map[string]note.Verifier{}
			for _, p := range logKeys {
				v, err := attest.LoadLogVerifier(p)
				if err != nil {
					return usageError{fmt.Errorf("--log-key %s: %w", p, err)}
				}
				verifiers[v.Name()] = v
			}
			if len(verifiers) == 0 {
				return usageError{fmt.Errorf("give the log key of each centre you follow (--log-key log.vkey), as you obtained it from the centre")}
			}
			for _, p := range keys {
				k, err := attest.LoadPublicKey(p)
				if err != nil {
					return usageError{fmt.Errorf("--key %s: %w", p, err)}
				}
				o.Keys = append(o.Keys, ed25519.PublicKey(k))
			}
			for _, w := range watch {
				d, err := glassbox.ParseDigest(w)
				if err != nil {
					return usageError{fmt.Errorf("--watch %s: %w", w, err)}
				}
				o.Watch = append(o.Watch, d)
			}
			for _, p := range seen {
				b, err := readLimited(p, tlog.MaxReceiptSize)
				if err != nil {
					return usageError{fmt.Errorf("--seen %s: %w", p, err)}
				}
				if _, tp, err := tlog.ParseReceipt(b); err == nil {
					b = tp.Checkpoint
				}
				o.Seen = append(o.Seen, b)
			}
			if policyPath != "" {
				p, err := policy.Load(policyPath)
				if err != nil {
					return err
				}
				if p.Witnesses == nil {
					return usageError{fmt.Errorf("--policy %s names no witnesses; the monitor uses only its witnesses: section", policyPath)}
				}
				o.Witnesses = p.Witnesses
			}
			for _, u := range urls {
				origin, err := servedOrigin(ctx, u)
				if err != nil {
					return err
				}
				v, ok := verifiers[origin]
				if !ok {
					return usageError{fmt.Errorf("%s serves the log %q, and no --log-key has that name", u, origin)}
				}
				o.Logs = append(o.Logs, monitor.Log{URL: u, Verifier: v})
			}
			if len(products) > 0 && !g.remote() {
				return usageError{fmt.Errorf("--watch-product asks a centre's API which releases a product has: give --server URL and a token (--token-file or GLASSBOX_TOKEN)")}
			}
			m, err := monitor.New(o)
			if err != nil {
				return err
			}
			watchProducts := func() error {
				if len(products) == 0 {
					return nil
				}
				cl, err := g.client(ctx)
				if err != nil {
					return err
				}
				for _, p := range products {
					rels, err := cl.Releases(ctx, p)
					if err != nil {
						return fmt.Errorf("the releases of %s: %w", p, err)
					}
					for _, rel := range rels {
						m.Watch(rel.ID)
						for _, a := range rel.Manifest.Artifacts {
							m.Watch(a.Digest)
						}
					}
				}
				return nil
			}
			enc := json.NewEncoder(g.stdout)
			m.Emit = func(e monitor.Event) {
				enc.Encode(e)
				if webhook != "" {
					postEvent(ctx, webhook, e)
				}
			}
			for {
				if err := watchProducts(); err != nil {
					return codedError{code: exitError, err: err}
				}
				bad, err := m.Run(ctx)
				if !follow {
					switch {
					case bad:
						return codedError{code: exitRefused}
					case err != nil:
						return codedError{code: exitError, err: err}
					}
					return nil
				}
				select {
				case <-ctx.Done():
					if bad {
						return codedError{code: exitRefused}
					}
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&logKeys, "log-key", nil, "a log's verifier key `file` (log.vkey); repeat for each centre")
	f.StringArrayVar(&keys, "key", nil, "a centre's attestation public key `file`, to check the envelopes of the entries reported; repeatable")
	f.StringArrayVar(&watch, "watch", nil, "report the entries about this artefact or release (`sha256:…`); repeatable")
	f.BoolVar(&all, "all", false, "report every entry")
	f.BoolVar(&envelopes, "envelopes", false, "fetch and check every entry's envelope, not only those reported (one request per subject)")
	f.StringArrayVar(&products, "watch-product", nil, "report the entries about this product's releases and artefacts (`NAME`, asked of --server); repeatable")
	f.StringArrayVar(&seen, "seen", nil, "a receipt or signed checkpoint `file` seen elsewhere, to check against the verified tree; repeatable")
	f.StringVar(&stateDir, "state", "glassbox-monitor", "`directory` that keeps what was verified, per log")
	f.StringVar(&policyPath, "policy", "", "verify policy `file` whose witnesses: every checkpoint must meet")
	f.StringVar(&webhook, "webhook", "", "also POST each event, as JSON, to this `URL`")
	f.BoolVar(&follow, "follow", false, "keep following, every --interval")
	f.DurationVar(&interval, "interval", time.Minute, "how often to poll with --follow")
	return cmd
}

// servedOrigin reads the origin line of the checkpoint a log serves.
func servedOrigin(ctx context.Context, base string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/checkpoint", nil)
	if err != nil {
		return "", usageError{fmt.Errorf("log URL %q: %w", base, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EUNAVAILABLE, "GET %s/checkpoint: %v", base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", glassbox.Errorf(glassbox.EUNAVAILABLE, "GET %s/checkpoint: %v", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", glassbox.Errorf(glassbox.EUNAVAILABLE, "GET %s/checkpoint: %s", base, resp.Status)
	}
	origin, _, _ := bytes.Cut(b, []byte("\n"))
	return string(origin), nil
}

// postEvent sends one event to the webhook; a failure is logged, not
// fatal: the event is on standard output anyway.
func postEvent(ctx context.Context, url string, e monitor.Event) {
	b, _ := json.Marshal(e)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		slog.Warn("webhook", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		slog.Warn("webhook", "url", url, "err", err)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		slog.Warn("webhook refused the event", "url", url, "status", resp.Status)
	}
}
