package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/server"
	"glassbox.dev/tlog"
	"glassbox.dev/verify"
)

// startServe starts 'glassbox serve' on a free port and returns its base
// URL once it listens.
func startServe(t *testing.T, bin, data, token string) (*exec.Cmd, string) {
	t.Helper()
	return startServeArgs(t, bin, []string{"--data", data}, "--token", token)
}

// startServeArgs starts 'glassbox serve' on a free port, with the global
// arguments before the command and args after it, and returns its base
// URL once it listens.
func startServeArgs(t *testing.T, bin string, global []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append(append(global, "serve", "--listen", "127.0.0.1:0"), args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if _, url, ok := strings.Cut(lines.Text(), " on http://"); ok {
			go io.Copy(io.Discard, stderr)
			return cmd, "http://" + url
		}
	}
	cmd.Wait()
	t.Fatalf("glassbox serve exited before listening")
	return nil, ""
}

func postAttestation(ctx context.Context, base, token string, i int) ([]byte, error) {
	body, _ := json.Marshal(server.AttestRequest{
		Subjects:      []attest.Subject{{Name: fmt.Sprintf("fw-%d.bin", i), Digest: glassbox.DigestOf(fmt.Appendf(nil, "firmware %d %d", i, rand.Uint64()))}},
		PredicateType: "https://glassbox.dev/test/v1",
		Predicate:     json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/attestations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("status %s: %s (%v)", resp.Status, b, err)
	}
	return b, nil
}

// TestServerSurvivesSIGKILL appends attestations from concurrent clients,
// kills the server with SIGKILL at a random moment, restarts it, and does
// that 20 times. Every receipt handed out before a kill must still verify
// against the log's checkpoint after it, and every checkpoint ever seen
// must be consistent with every later one.
func TestServerSurvivesSIGKILL(t *testing.T) {
	bin := buildGlassbox(t)
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "--data", data, "keys", "generate", "--origin", "crash.test/log")
	logVerifier, err := attest.LoadLogVerifier(filepath.Join(data, "keys", "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cret"
	var receipts [][]byte
	var checkpoints [][]byte
	for round := range 20 {
		cmd, base := startServe(t, bin, data, token)
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					r, err := postAttestation(ctx, base, token, round*1000000+w*10000+i)
					if err != nil {
						return // the server died under us; no receipt was handed out
					}
					mu.Lock()
					receipts = append(receipts, r)
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(100+rand.IntN(600)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cancel()
		wg.Wait()

		// Restart and check everything handed out so far.
		cmd, base = startServe(t, bin, data, token)
		remote, err := verify.NewRemote(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, latest, err := remote.Checkpoint(context.Background(), logVerifier)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, r := range receipts {
			_, p, err := tlog.ParseReceipt(r)
			if err != nil {
				t.Fatalf("round %d: a handed-out receipt does not parse: %v", round, err)
			}
			if p.Index >= latest.Size {
				t.Fatalf("round %d: receipt for entry %d, but the log restarted at size %d", round, p.Index, latest.Size)
			}
			incl, err := remote.InclusionProof(context.Background(), p.Index, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, latest.Size, rfc6962.DefaultHasher.HashLeaf(p.ExtraData), incl, latest.Hash); err != nil {
				t.Fatalf("round %d: receipt for entry %d no longer verifies against the checkpoint of size %d: %v", round, p.Index, latest.Size, err)
			}
			checkpoints = append(checkpoints, p.Checkpoint)
		}
		checkpoints = append(checkpoints, raw)
		seen := map[uint64]bool{}
		for _, cpRaw := range checkpoints {
			cp, _, _, err := log.ParseCheckpoint(cpRaw, logVerifier.Name(), logVerifier)
			if err != nil {
				t.Fatal(err)
			}
			if seen[cp.Size] || cp.Size == 0 {
				continue
			}
			seen[cp.Size] = true
			if cp.Size == latest.Size {
				if !bytes.Equal(cp.Hash, latest.Hash) {
					t.Fatalf("round %d: two checkpoints of size %d differ", round, cp.Size)
				}
				continue
			}
			cons, err := remote.ConsistencyProof(context.Background(), cp.Size, latest.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, cp.Size, latest.Size, cons, cp.Hash, latest.Hash); err != nil {
				t.Fatalf("round %d: checkpoint %d is not consistent with %d after a restart: %v", round, cp.Size, latest.Size, err)
			}
		}
		checkpoints = [][]byte{raw} // older ones are covered through this one
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("round %d: graceful shutdown: %v", round, err)
		}
	}
	t.Logf("%d receipts handed out across 20 kills; all verify against the final log", len(receipts))
	if len(receipts) == 0 {
		t.Fatal("no receipt was handed out: the test exercised nothing")
	}
}
