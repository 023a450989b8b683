// Package scaletest runs a whole deployment of several processes on
// loopback and breaks it while it works: servers and workers of the real
// glassbox binary over PostgreSQL (metadata and the job queue), versitygw
// (the evidence and the log's tiles) and MariaDB (the log's sequencing).
// It is heavy, and runs when GLASSBOX_SCALE=1 (.ci/run sets it).
package scaletest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/centre/stage"
	"glassbox.dev/client"
	"glassbox.dev/evaluate"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/internal/hsmtest"
	"glassbox.dev/internal/mysqltest"
	"glassbox.dev/internal/s3test"
	"glassbox.dev/internal/tlogcheck"
	"glassbox.dev/server"
	"glassbox.dev/verify"
)

// proc is one glassbox process of the deployment, restarted with the same
// arguments after it is killed.
type proc struct {
	name string
	args []string
	url  string // a server's
	log  *os.File

	mu  sync.Mutex
	cmd *exec.Cmd
}

// start starts the process unless it runs: a second one would take the
// first's place in p, and the first would outlive the test.
func (p *proc) start(t testing.TB, bin string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return
	}
	cmd := exec.Command(bin, p.args...)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
	go cmd.Wait()
}

func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd = nil
	}
}

func (p *proc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Process.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Signal(syscall.SIGKILL)
		}
		p.cmd = nil
	}
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(t testing.TB, url string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become healthy: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func buildGlassbox(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "glassbox")
	out, err := exec.Command("go", "build", "-o", bin, "glassbox.dev/cmd/glassbox").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// release writes a small program's release: a shell program as source, a
// recipe that builds it, and the artefact the vendor shipped.
func release(t testing.TB, dir string, i int) client.SubmitFiles {
	t.Helper()
	src := fmt.Sprintf("#!/bin/sh\n# tool %d: prints its number\necho %d\n", i, i)
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{"tool.sh": src, "README": fmt.Sprintf("tool %d\n", i)} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1e9, 0)})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	d := filepath.Join(dir, strconv.Itoa(i))
	os.MkdirAll(d, 0o755)
	write := func(name, body string) string {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return client.SubmitFiles{
		Product: fmt.Sprintf("tool-%03d", i), Version: "1.0.0",
		SourceArchive: write("src.tar.gz", b.String()),
		Recipe:        write("recipe.yaml", "build:\n  - mkdir -p dist && cp tool.sh dist/tool && chmod 755 dist/tool\nartifacts:\n  tool: dist/tool\n"),
		Artifacts:     []string{write("tool", src)},
	}
}

// TestScaleOutUnderSIGKILL: 2 servers and 3 workers on shared stores take
// many submissions and evaluations while one process after another is
// killed with SIGKILL and started again. In the end every release has one
// current verdict, every blob reads back whole, the log is one consistent
// tree to an independent tlog-tiles client (and every checkpoint seen on
// the way is a prefix of it), and every receipt verifies.
func TestScaleOutUnderSIGKILL(t *testing.T) {
	if os.Getenv("GLASSBOX_SCALE") == "" {
		t.Skip("GLASSBOX_SCALE is not set (.ci/run sets it)")
	}
	n := 200
	if v, err := strconv.Atoi(os.Getenv("GLASSBOX_SCALE_N")); err == nil && v > 0 {
		n = v
	}
	runDeployment(t, n, 3, true)
}

// BenchmarkEvaluationsPerHour: the same deployment, nothing killed, with
// 1, 2 and 3 workers, each taking 30 submissions and their evaluations.
//
//	GLASSBOX_TEST_POSTGRES=… GLASSBOX_TEST_MYSQL=… go test ./internal/scaletest -run '^$' -bench EvaluationsPerHour -benchtime 1x -timeout 30m
func BenchmarkEvaluationsPerHour(b *testing.B) {
	for _, w := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for range b.N {
				elapsed := runDeployment(b, 30, w, false)
				b.ReportMetric(30/elapsed.Hours(), "evaluations/h")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// runDeployment runs n submissions and evaluations through 2 servers and
// the given number of workers, killing one process after another with
// SIGKILL if chaos, checks the outcome and returns how long the work took.
func runDeployment(t testing.TB, n, nWorkers int, chaosOn bool) time.Duration {
	t.Helper()
	pgURL := os.Getenv("GLASSBOX_TEST_POSTGRES")
	if pgURL == "" {
		t.Skip("GLASSBOX_TEST_POSTGRES is not set")
	}
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Skip("bubblewrap is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildGlassbox(t)
	db := centretest.PostgresSchema(t, pgURL)
	dsn := mysqltest.DSN(t)
	s3 := s3test.Start(t)
	evBucket, logBucket := s3.Bucket(), s3.Bucket()

	// Under SIGKILL the servers' keys are in a PKCS#11 token (SoftHSM),
	// which both servers use at once and which outlives every kill: the
	// key directory holds only the public halves.
	keys := filepath.Join(dir, "keys")
	keygen := []string{"--data", filepath.Join(dir, "keygen"), "keys", "generate", "--origin", "scale.test/log", "--dir", keys}
	keyConf := ""
	if chaosOn {
		att, lg := hsmtest.Token(t, "scale-attestation", "attestation"), hsmtest.Token(t, "scale-log", "log")
		keygen = append(keygen, "--attestation-key", att, "--log-key", lg)
		keyConf = fmt.Sprintf("attestation = %q\nlog = %q\n", att, lg)
	}
	if out, err := exec.Command(bin, keygen...).CombinedOutput(); err != nil {
		t.Fatalf("keys generate: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "glassbox.toml")
	os.WriteFile(filepath.Join(dir, "s3.secret"), []byte(s3.SecretKey), 0o600)
	os.WriteFile(filepath.Join(dir, "db.url"), []byte(db), 0o600)
	err := os.WriteFile(conf, fmt.Appendf(nil, `
[database]
url_file = "db.url"

[evidence]
store = "s3"
endpoint = %q
bucket = %q
access_key = %q
secret_key_file = "s3.secret"

[log]
store = "shared"
endpoint = %q
bucket = %q
access_key = %q
secret_key_file = "s3.secret"
dsn = %q

[keys]
dir = "keys"
%s
[jobs]
heartbeat = "500ms"
`, s3.Endpoint, evBucket, s3.AccessKey, s3.Endpoint, logBucket, s3.AccessKey, dsn, keyConf), 0o600)
	if err != nil {
		t.Fatal(err)
	}

	// The workers hold no private key: their configuration names the
	// public keys and the servers that sign for them.
	pubKeys := filepath.Join(dir, "public-keys")
	os.MkdirAll(pubKeys, 0o755)
	for _, f := range []string{attest.AttestationPubFile, "log.vkey"} {
		b, err := os.ReadFile(filepath.Join(keys, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(pubKeys, f), b, 0o644)
	}
	var servers, workers []*proc
	newProc := func(name, conf string, args ...string) *proc {
		lf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		return &proc{name: name, log: lf, args: append([]string{"--config", conf, "--data", filepath.Join(dir, name), "--log-level", "info"}, args...)}
	}
	var serverURLs []string
	for i := range 2 {
		addr := freePort(t)
		p := newProc(fmt.Sprintf("server%d", i+1), conf, "serve", "--listen", addr, "--workers", "0", "--rate", "10000")
		p.url = "http://" + addr
		servers = append(servers, p)
		serverURLs = append(serverURLs, fmt.Sprintf("%q", p.url))
	}
	base, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	workerConf := filepath.Join(dir, "worker.toml")
	text := strings.Replace(string(base), "[keys]\ndir = \"keys\"", "[keys]\ndir = \"public-keys\"\n\n[signing]\nservers = ["+strings.Join(serverURLs, ", ")+"]\ntoken_file = \"signing.token\"", 1)
	// Nor any access to the log: the servers append their statements.
	text = text[:strings.Index(text, "[log]")] + text[strings.Index(text, "[keys]"):]
	if keyConf != "" {
		text = strings.Replace(text, keyConf, "", 1)
	}
	if err := os.WriteFile(workerConf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range nWorkers {
		workers = append(workers, newProc(fmt.Sprintf("worker%d", i+1), workerConf, "worker"))
	}
	all := append(append([]*proc{}, servers...), workers...)
	defer func() {
		for _, p := range all {
			p.stop()
		}
		if t.Failed() {
			for _, p := range all {
				b, _ := os.ReadFile(p.log.Name())
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("%s's last log lines:\n%s", p.name, b)
			}
		}
	}()
	// The first server bootstraps the centre (its first administrator);
	// the others start once it has.
	servers[0].start(t, bin)
	waitHealthy(t, servers[0].url)
	// A vendor and its CI token, made by the operator's admin command on
	// the shared stores.
	admin := func(args ...string) []byte {
		out, err := exec.Command(bin, append([]string{"--config", conf, "--data", filepath.Join(dir, "admin"), "admin"}, args...)...).Output()
		if err != nil {
			t.Fatalf("admin %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	admin("org", "create", "acme", "--kind", "vendor", "--name", "Acme")
	admin("user", "create", "alice", "--org", "acme", "--role", "vendor", "--name", "Alice")
	var tok struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(admin("token", "create", "--user", "alice", "--name", "CI", "--scopes", "read,submit,evaluate", "--expires", "1d", "--json"), &tok); err != nil {
		t.Fatal(err)
	}
	token := tok.Secret
	// The workers' service account: an administrator of the operator
	// whose token may only have the servers sign.
	admin("user", "create", "workers", "--org", "operator", "--role", "admin", "--name", "Workers")
	if err := json.Unmarshal(admin("token", "create", "--user", "workers", "--name", "signing", "--scopes", "sign", "--expires", "1d", "--json"), &tok); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "signing.token"), []byte(tok.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range all[1:] {
		p.start(t, bin)
	}
	waitHealthy(t, servers[1].url)
	clients := make([]*client.Client, len(servers))
	for i, s := range servers {
		if clients[i], err = client.New(s.url, token); err != nil {
			t.Fatal(err)
		}
	}

	// The chaos: every 2 s one process is killed with SIGKILL and started
	// again a moment later, servers and workers in turn.
	stop := make(chan struct{})
	var kills atomic.Int64
	var chaos sync.WaitGroup
	chaos.Go(func() {
		if !chaosOn {
			<-stop
			return
		}
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
			var p *proc
			if i%2 == 0 {
				p = workers[r.IntN(len(workers))]
			} else {
				p = servers[r.IntN(len(servers))]
			}
			p.kill()
			kills.Add(1)
			time.Sleep(300 * time.Millisecond)
			p.start(t, bin)
		}
	})
	// Checkpoints seen on the way, to check later that each is a prefix of
	// the final log.
	v, err := attest.LoadLogVerifier(filepath.Join(keys, "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	var seenMu sync.Mutex
	var seen []*tlogcheck.Checkpoint
	chaos.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			l := &tlogcheck.Log{URL: servers[rand.IntN(len(servers))].url, Verifier: v}
			if cp, err := l.Checkpoint(ctx); err == nil {
				seenMu.Lock()
				seen = append(seen, cp)
				seenMu.Unlock()
			}
		}
	})

	// Submitters: each release is submitted and its evaluation asked for,
	// through either server, again until the centre has taken it.
	type submitted struct {
		rel   *glassbox.Release
		job   string
		asked int // evaluations asked for and taken
	}
	rels := make([]submitted, n)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	retry := func(what string, fn func(c *client.Client) error) error {
		var err error
		for attempt := range 60 {
			if err = fn(clients[(attempt+rand.IntN(2))%len(clients)]); err == nil {
				return nil
			}
			time.Sleep(250 * time.Millisecond)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	errs := make(chan error, n)
	start := time.Now()
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				files := release(t, filepath.Join(dir, "releases"), i)
				err := retry("submit "+files.Product, func(c *client.Client) error {
					rel, _, err := c.Submit(ctx, files)
					rels[i].rel = rel
					return err
				})
				if err == nil {
					err = retry("evaluate "+files.Product, func(c *client.Client) error {
						j, err := c.Evaluate(ctx, string(rels[i].rel.ID), server.EvaluateRequest{Standards: []string{"cra-annex-i"}})
						if err == nil || glassbox.ErrorCode(err) == glassbox.ECONFLICT && j.ID != "" {
							rels[i].job = j.ID
							rels[i].asked = 1
							return nil
						}
						return err
					})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		close(stop)
		chaos.Wait()
		t.FailNow()
	}
	retried := 0
	// Every job finishes; one that ran out of attempts (its workers kept
	// being killed) is asked for again, as an operator would. Asked again,
	// it waits behind the whole queue: 20 minutes covers draining it (each
	// evaluation also runs the release's program in the run stage).
	for i := range rels {
		for deadline := time.Now().Add(20 * time.Minute); ; {
			var j *server.Job
			err := retry("job "+rels[i].job, func(c *client.Client) error {
				var err error
				j, err = c.Job(ctx, rels[i].job)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if j.State == "done" {
				if j.Attempt > 1 {
					retried++
				}
				break
			}
			if j.State == "failed" || j.State == "cancelled" {
				t.Logf("%s's evaluation %s: %s (%s); asked again", rels[i].rel.Manifest.Product, j.ID, j.State, j.Error)
				err := retry("evaluate again", func(c *client.Client) error {
					nj, err := c.Evaluate(ctx, string(rels[i].rel.ID), server.EvaluateRequest{Standards: []string{"cra-annex-i"}})
					if err == nil {
						rels[i].job = nj.ID
						rels[i].asked++
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's evaluation %s is still %s after 20 minutes", rels[i].rel.Manifest.Product, j.ID, j.State)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	close(stop)
	chaos.Wait()
	t.Logf("%d releases submitted and evaluated in %v by 2 servers and %d workers, %d processes killed with SIGKILL meanwhile; %d jobs finished on a later attempt than their first", n, elapsed.Round(time.Second), nWorkers, kills.Load(), retried)
	for _, p := range servers {
		p.start(t, bin) // a killed one is back; a running one is left as it is
	}
	for _, p := range servers {
		waitHealthy(t, p.url)
	}

	// Every blob of every release, and every envelope, reads back whole
	// from the shared store.
	cfg, err := centre.LoadConfig(ctx, conf)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Options(centre.NoLog)
	if err != nil {
		t.Fatal(err)
	}
	c, err := centre.Open(ctx, filepath.Join(dir, "checker"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	blobs := 0
	records := make([]int, len(rels))
	currentVSA := make([]glassbox.Digest, len(rels))
	for i, r := range rels {
		hist, err := evaluationsOf(ctx, c, r.rel)
		if err != nil {
			t.Fatal(err)
		}
		records[i], currentVSA[i] = hist.records, hist.current
		// Keyless workers have the servers sign every statement their
		// jobs make: each piece of evidence is signed and logged.
		if hist.signed != glassbox.CheckPass {
			t.Errorf("%s: the current evaluation's %s is %q, want pass", r.rel.Manifest.Product, glassbox.CheckEvidenceSigned, hist.signed)
		}
		for _, d := range append(r.rel.Manifest.Blobs(), hist.blobs...) {
			rc, err := c.Blobs.Open(ctx, d)
			if err != nil {
				t.Fatalf("%s: blob %s: %v", r.rel.Manifest.Product, d, err)
			}
			rc.Close()
			blobs++
		}
	}

	// One current verdict per release: as many evaluations and VSAs as
	// were asked for (a killed worker's job, run again, signs the same
	// statements, not a second verdict), and every receipt verifies
	// offline: its checkpoint, inclusion proof and envelope signature.
	pub, err := attest.LoadPublicKey(filepath.Join(keys, attest.AttestationPubFile))
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	outlived := 0
	for i, r := range rels {
		art := r.rel.Manifest.Artifacts[0].Digest
		var vs *client.Verdicts
		if err := retry("verdicts", func(c *client.Client) (err error) { vs, err = c.Verdicts(ctx, art); return err }); err != nil {
			t.Fatal(err)
		}
		name := r.rel.Manifest.Product
		// A verdict can outlive its evaluation record when the job's
		// last attempt died between signing and recording and the
		// evaluation was asked for again: the newer verdict supersedes
		// it. What must hold is one current verdict, the newest, and it
		// is the current evaluation's.
		if len(vs.Verdicts) == 0 || records[i] == 0 || len(vs.Verdicts) < records[i] || len(vs.Verdicts) > r.asked {
			t.Errorf("%s: %d verdicts and %d evaluation records for %d evaluations asked for", name, len(vs.Verdicts), records[i], r.asked)
		}
		if len(vs.Verdicts) == 0 {
			continue
		}
		if cur := vs.Verdicts[len(vs.Verdicts)-1]; cur.Envelope != currentVSA[i] {
			t.Errorf("%s: the newest verdict %s is not the current evaluation's (%s)", name, cur.Envelope, currentVSA[i])
		}
		if len(vs.Verdicts) > records[i] {
			outlived++
		}
		if len(vs.Verdicts) > r.asked {
			// Show what differs between the verdicts: a job run again
			// should have signed the same statement.
			for k, rc := range vs.Receipts {
				var env struct {
					Payload []byte `json:"payload"`
				}
				if json.Unmarshal(rc.Envelope, &env) == nil {
					t.Logf("%s: verdict %d: %s", name, k, env.Payload)
				}
			}
			ds, _ := c.Store.FindEvidence(ctx, r.rel.ID, evaluate.KindAssessmentResults)
			for _, d := range ds {
				if rc, err := c.Blobs.Open(ctx, d); err == nil {
					b, _ := io.ReadAll(rc)
					rc.Close()
					t.Logf("%s: assessment results %s:\n%s", name, d, b)
				}
			}
		}
		if len(vs.Receipts) != len(vs.Verdicts) {
			t.Fatalf("%s: %d receipts for %d verdicts", name, len(vs.Receipts), len(vs.Verdicts))
		}
		for k, rc := range vs.Receipts {
			b, err := rc.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			res, err := verify.Receipt(ctx, art, b, verify.Options{Key: pub, LogVerifier: v})
			if err != nil {
				t.Fatal(err)
			}
			if res.Checkpoint == nil || len(res.Attestations) != 1 || res.Verdict == nil || res.Verdict.EnvelopeDigest != vs.Verdicts[k].Envelope || res.Verdict.Result != vs.Verdicts[k].Result {
				t.Errorf("%s: receipt %d does not verify: %v", name, k, res.Reasons)
			}
		}
		results[vs.Verdicts[len(vs.Verdicts)-1].Result]++
	}
	t.Logf("current verdicts: %v; %d releases also hold a superseded verdict whose evaluation died before it was recorded", results, outlived)

	// The log, read from each server by an independent client: one tree,
	// of which every checkpoint seen while processes died is a prefix.
	var final *tlogcheck.Checkpoint
	for _, p := range servers {
		l := &tlogcheck.Log{URL: p.url, Verifier: v}
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := l.Entries(ctx, cp)
		if err != nil {
			t.Fatalf("%s's log: %v", p.name, err)
		}
		for _, old := range seen {
			if err := l.Consistent(ctx, old, cp); err != nil {
				t.Fatalf("%s's log: %v", p.name, err)
			}
		}
		if final == nil || cp.Size > final.Size {
			final = cp
		}
		t.Logf("%s serves a log of %d entries, consistent with the %d checkpoints seen during the run", p.name, len(entries), len(seen))
	}
	t.Logf("%d blobs read back and verified", blobs)
	return elapsed
}

// evidenceKinds are the kinds of evidence an evaluation keeps about a
// release.
var evidenceKinds = []string{
	stage.KindProvenanceReport, stage.KindRebuildReport, stage.KindRebuildProvenance, stage.KindScanResult, stage.KindScanSARIF,
	stage.KindSBOM, stage.KindSBOMComparison, stage.KindVulnsReport, stage.KindVulnsVEX, stage.KindVulnsSARIF,
	evaluate.KindAssessmentResults, evaluate.KindReport, evaluate.KindVSAReceipt, evaluate.KindEvaluation,
}

type evaluations struct {
	records int
	current glassbox.Digest      // the current evaluation's VSA envelope
	signed  glassbox.CheckStatus // the current evaluation's attest.evidence-signed
	blobs   []glassbox.Digest
}

// evaluationsOf reads a release's evaluation records and lists every piece
// of evidence recorded about it.
func evaluationsOf(ctx context.Context, c *centre.Centre, rel *glassbox.Release) (*evaluations, error) {
	var e evaluations
	h, err := evaluate.History(ctx, c.Blobs, c.Store, rel.ID)
	if err != nil {
		return nil, err
	}
	e.records = len(h)
	if len(h) > 0 && len(h[len(h)-1].VSAs) > 0 {
		e.current = h[len(h)-1].VSAs[0].Envelope
	}
	if len(h) > 0 {
		for _, ch := range h[len(h)-1].Checks {
			if ch.Check == glassbox.CheckEvidenceSigned {
				e.signed = ch.Status
			}
		}
	}
	for _, k := range evidenceKinds {
		ds, err := c.Store.FindEvidence(ctx, rel.ID, k)
		if err != nil {
			return nil, err
		}
		e.blobs = append(e.blobs, ds...)
	}
	return &e, nil
}
