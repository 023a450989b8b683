package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/access"
	"glassbox.dev/attest"
	"glassbox.dev/centre"
	"glassbox.dev/client"
	"glassbox.dev/ingest"
	"glassbox.dev/notary"
	"glassbox.dev/party"
	"glassbox.dev/server"
	"glassbox.dev/server/backend"
)

// APIOptions shape BenchAPI's releases and load.
type APIOptions struct {
	Dir        string        // work directory, on the disk being measured
	TotalSize  int64         // bytes of the release submitted both ways
	SmallFiles int           // small files sharing half of TotalSize, as Ingest makes them
	Runs       int           // measured submissions each way (after one warm-up); the median is reported
	Clients    int           // concurrent keep-alive clients of the read benchmark
	Duration   time.Duration // how long each contender of the read benchmark runs
	Reads      int           // sequential source-file reads of each access-record contender
	Log        io.Writer
}

// Throughput is one contender of a read benchmark: requests answered in a
// fixed time by concurrent clients, and their latencies.
type Throughput struct {
	Name      string        `json:"name"`
	Request   string        `json:"request"`
	BodyBytes int           `json:"body_bytes"`
	Requests  int           `json:"requests"`
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
}

// APIReport is the result of BenchAPI.
type APIReport struct {
	Bytes  int64         `json:"bytes"`
	Files  int           `json:"files"`
	Submit []Measurement `json:"submit"`
	// SubmitRatio is the API's submission (uploads and submit over
	// loopback) over the CLI's local submission of the same tar.
	SubmitRatio float64 `json:"submit_ratio_api_to_local"`

	Clients int          `json:"clients"`
	Reads   []Throughput `json:"reads"`
	// ReleaseRatio and VerdictRatio are glassbox's requests per second
	// over http.FileServer's serving the same body from a file.
	ReleaseRatio float64 `json:"release_ratio_to_fileserver"`
	VerdictRatio float64 `json:"verdict_ratio_to_fileserver"`

	// Access is the latency of one source-file read, one client at a
	// time: with the access record, with a recorder that records nothing
	// (the benchmark's, never the server's), and of the release's JSON.
	Access []Throughput `json:"access"`

	// Load is the machine's load average (1, 5, 15 minutes) when the
	// benchmark began and when it ended: other work on the machine
	// slows both contenders of a pair, but not always alike.
	Load [2]string `json:"load_average"`
}

// loadAverage reads the load average where Linux reports it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) == 0 {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// API measures API v1 on loopback in this process: a release submitted
// through the API (package client: chunked uploads, then submit) next to
// the CLI's local submission of the same tar, each into a fresh data
// directory; GET of a release and of a verdict under concurrent clients
// next to http.FileServer serving the same bodies from disk; and the
// latency the access record adds to a source-file read.
func API(ctx context.Context, o APIOptions) (*APIReport, error) {
	if o.Runs <= 0 {
		o.Runs = 3
	}
	o.Clients = max(o.Clients, 1)
	o.Reads = max(o.Reads, 2)
	logf := logger(o.Log)
	_, tarPath, err := makeReleaseTar(o.Dir, o.TotalSize, o.SmallFiles, logf)
	if err != nil {
		return nil, err
	}
	rep := &APIReport{Bytes: o.TotalSize, Files: o.SmallFiles + 1, Clients: o.Clients}
	rep.Load[0] = loadAverage()
	logf("load average at the start: %s", rep.Load[0])

	// 1. Submission, each run into a fresh data directory.
	data := filepath.Join(o.Dir, "data")
	req := func() ingest.Request {
		return ingest.Request{Product: "bench/firmware", Version: "1.0.0", SourceArchive: tarPath, Limits: ingest.DefaultLimits()}
	}
	local := func() (func() error, func(), error) {
		c, err := openFreshCentre(ctx, data)
		if err != nil {
			return nil, nil, err
		}
		return func() error {
			res, err := c.Submit(ctx, req(), nil)
			if err == nil && !res.Created {
				err = glassbox.Errorf(glassbox.EINTERNAL, "the benchmark release was already stored")
			}
			return err
		}, func() { c.Close() }, nil
	}
	remote := func() (func() error, func(), error) {
		lc, err := startLoopback(ctx, data, recordAll)
		if err != nil {
			return nil, nil, err
		}
		return func() error {
			_, created, err := lc.vendor.Submit(ctx, client.SubmitFiles{Product: "bench/firmware", Version: "1.0.0", SourceArchive: tarPath})
			if err == nil && !created {
				err = glassbox.Errorf(glassbox.EINTERNAL, "the benchmark release was already stored")
			}
			return err
		}, lc.close, nil
	}
	// The contenders take turns, so that a change in the machine's load
	// during the run falls on both.
	contenders := []struct {
		name, command string
		prepare       func() (func() error, func(), error)
	}{
		{"glassbox submit (local)", "glassbox submit --source release.tar", local},
		{"glassbox submit (API, loopback)", "glassbox --server http://127.0.0.1:PORT submit --source release.tar", remote},
	}
	times := make([][]time.Duration, len(contenders))
	for i := range o.Runs + 1 { // the first run warms caches and is not counted
		for k, s := range contenders {
			job, done, err := s.prepare()
			if err != nil {
				return nil, err
			}
			start := time.Now()
			err = job()
			d := time.Since(start)
			done()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			logf("  run %d, %-31s %8.3fs", i, s.name, d.Seconds())
			if i > 0 {
				times[k] = append(times[k], d)
			}
		}
	}
	for k, s := range contenders {
		slices.Sort(times[k])
		m := Measurement{Name: s.name, Command: s.command, Median: times[k][len(times[k])/2]}
		m.MBps = float64(o.TotalSize) / 1e6 / m.Median.Seconds()
		logf("%-34s %8.3fs %8.1f MB/s", m.Name, m.Median.Seconds(), m.MBps)
		rep.Submit = append(rep.Submit, m)
	}
	rep.SubmitRatio = rep.Submit[1].Median.Seconds() / rep.Submit[0].Median.Seconds()
	logf("API submit / local submit = %.2f", rep.SubmitRatio)
	os.RemoveAll(data)

	// 2. Reads of a release and a verdict, next to http.FileServer.
	lc, err := startLoopback(ctx, data, recordAll)
	if err != nil {
		return nil, err
	}
	defer lc.close()
	rel, verdictArtifact, err := lc.readFixture(ctx, filepath.Join(o.Dir, "small"))
	if err != nil {
		return nil, err
	}
	files := filepath.Join(o.Dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	relPath := "/api/v1/releases/" + string(rel.ID)
	verdictPath := "/api/v1/verdicts/" + string(verdictArtifact)
	fs, err := serveFiles(files)
	if err != nil {
		return nil, err
	}
	defer fs.close()
	load := newLoadClient(o.Clients, o.Duration, 0)
	for _, x := range []struct {
		what, path, file string
		token            string
	}{
		{"release", relPath, "release.json", lc.vendorToken},
		{"verdict", verdictPath, "verdict.json", ""},
	} {
		body, err := load.get(ctx, lc.url+x.path, x.token)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(files, x.file), body, 0o644); err != nil {
			return nil, err
		}
		g, f, err := load.turns(ctx,
			target{"glassbox GET " + x.what, "GET " + x.path, lc.url + x.path, x.token},
			target{"http.FileServer " + x.file, "GET /" + x.file, fs.url + "/" + x.file, ""})
		if err != nil {
			return nil, err
		}
		ratio := g.PerSecond / f.PerSecond
		for _, t := range []*Throughput{g, f} {
			logf("%-34s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  (%d-byte body)", t.Name, t.PerSecond, ms(t.P50), ms(t.P99), t.BodyBytes)
			rep.Reads = append(rep.Reads, *t)
		}
		logf("glassbox / FileServer (%s) = %.2f", x.what, ratio)
		if x.what == "release" {
			rep.ReleaseRatio = ratio
		} else {
			rep.VerdictRatio = ratio
		}
	}

	// 3. The access record's cost on a source-file read, one read at a
	// time, on the same centre: the same API with a recorder that records
	// nothing, and the release's JSON, which records nothing either.
	unrecorded, err := lc.withAccess(recordNothing)
	if err != nil {
		return nil, err
	}
	defer unrecorded.close()
	sourcePath := relPath + "/source/" + rel.Manifest.Source.Files[0].Path
	seq := newLoadClient(1, 0, o.Reads)
	for _, x := range []struct{ name, base, path string }{
		{"source file, on the record", lc.url, sourcePath},
		{"source file, recorder records nothing", unrecorded.url, sourcePath},
		{"release JSON (no record)", lc.url, relPath},
	} {
		lat, elapsed, err := seq.run(ctx, x.base+x.path, lc.vendorToken)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
		t := throughput(target{name: x.name, request: "GET " + x.path}, lat, elapsed, 0)
		logf("%-38s p50 %7.2f ms  p99 %7.2f ms  (%d reads)", t.Name, ms(t.P50), ms(t.P99), t.Requests)
		rep.Access = append(rep.Access, *t)
	}
	logf("access record adds p50 %.2f ms, p99 %.2f ms to a source-file read",
		ms(rep.Access[0].P50-rep.Access[1].P50), ms(rep.Access[0].P99-rep.Access[1].P99))
	rep.Load[1] = loadAverage()
	logf("load average at the end: %s", rep.Load[1])
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// openFreshCentre makes a new data directory at data, with the log's
// keys, and opens it with the log, as glassbox serve does.
func openFreshCentre(ctx context.Context, data string) (*centre.Centre, error) {
	if err := os.RemoveAll(data); err != nil {
		return nil, err
	}
	if _, err := attest.GenerateKeys(centre.KeyDir(data), "bench.glassbox.dev/log", false); err != nil {
		return nil, err
	}
	return centre.Open(ctx, data, centre.Options{Log: centre.WithLog})
}

// accessMode says what the benchmark's API does with a confidential read.
type accessMode int

const (
	recordAll     accessMode = iota // the access record, as glassbox serve has it
	recordNothing                   // a recorder that records nothing: the benchmark's baseline only
)

// noRecord is an access record that records nothing and lists nothing. It
// exists only here, to measure what recording costs a read.
type noRecord struct{}

func (noRecord) Record(context.Context, *glassbox.Principal, string, *glassbox.Release, string, []glassbox.File) error {
	return nil
}

func (noRecord) List(context.Context, *glassbox.Release) ([]server.AccessEntry, error) {
	return nil, nil
}

// loopbackCentre is a fresh centre served by API v1 on a loopback port, with
// one vendor whose token may read and submit.
type loopbackCentre struct {
	c           *centre.Centre
	ps          *party.Service
	url         string
	vendorToken string
	vendor      *client.Client
	srv         *http.Server
	owned       bool // close closes the centre too
}

func startLoopback(ctx context.Context, data string, mode accessMode) (*loopbackCentre, error) {
	c, err := openFreshCentre(ctx, data)
	if err != nil {
		return nil, err
	}
	lc := &loopbackCentre{c: c, ps: party.New(c.Store), owned: true}
	if err := lc.vendorParty(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if err := lc.serve(mode); err != nil {
		c.Close()
		return nil, err
	}
	if lc.vendor, err = client.New(lc.url, lc.vendorToken); err != nil {
		lc.close()
		return nil, err
	}
	return lc, nil
}

// vendorParty bootstraps the centre's parties and makes a vendor with a
// token that may read and submit.
func (lc *loopbackCentre) vendorParty(ctx context.Context) error {
	if _, _, err := lc.ps.Bootstrap(ctx); err != nil {
		return err
	}
	op := party.LocalOperator()
	if _, err := lc.ps.CreateOrg(ctx, op, glassbox.Organisation{ID: "bench-vendor", Name: "Bench Vendor", Kind: glassbox.OrgVendor}); err != nil {
		return err
	}
	if _, err := lc.ps.CreateUser(ctx, op, glassbox.User{ID: "ci", OrgID: "bench-vendor", Name: "CI", Role: glassbox.RoleVendor}); err != nil {
		return err
	}
	secret, _, err := lc.ps.IssueToken(ctx, op, "ci", "bench", []glassbox.Scope{glassbox.ScopeRead, glassbox.ScopeSubmit}, 24*time.Hour)
	lc.vendorToken = secret
	return err
}

// serve starts API v1 over the centre on a loopback port, wired as
// glassbox serve wires it but without its per-token rate limit.
func (lc *loopbackCentre) serve(mode accessMode) error {
	var rec server.AccessRecord = noRecord{}
	if mode == recordAll {
		pub, err := attest.LoadPublicKey(filepath.Join(centre.KeyDir(lc.c.Data), attest.AttestationPubFile))
		if err != nil {
			return err
		}
		rec = backend.AccessRecord(access.NewRecorder(lc.c.Notary, lc.c.Store, pub))
	}
	b, err := backend.New(lc.c, lc.ps, rec, nil)
	if err != nil {
		return err
	}
	b.Rate = -1 // the load is the benchmark's, not an abuser's
	api, err := server.NewAPI(b)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	lc.srv = &http.Server{Handler: server.New(lc.c.Notary, lc.c.Log, "").WithAPI(api).Handler()}
	go lc.srv.Serve(ln)
	lc.url = "http://" + ln.Addr().String()
	return nil
}

// withAccess serves the same centre again on another port, with another
// access record.
func (lc *loopbackCentre) withAccess(mode accessMode) (*loopbackCentre, error) {
	other := &loopbackCentre{c: lc.c, ps: lc.ps, vendorToken: lc.vendorToken}
	return other, other.serve(mode)
}

func (lc *loopbackCentre) close() {
	if lc.srv != nil {
		lc.srv.Close()
	}
	if lc.owned {
		lc.c.Close()
	}
}

// readFixture submits, through the API, a release of the size of a small
// firmware project (120 source files of 1–8 KiB and a 1 MiB image), and
// logs a verdict (an SLSA VSA signed by the centre) about its image.
func (lc *loopbackCentre) readFixture(ctx context.Context, dir string) (*glassbox.Release, glassbox.Digest, error) {
	src := filepath.Join(dir, "src")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 120 {
		p := filepath.Join(src, fmt.Sprintf("module%d", i/20), fmt.Sprintf("file%03d.c", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, "", err
		}
		b := make([]byte, 1024+rng.IntN(7*1024))
		for j := range b {
			b[j] = 'a' + byte(rng.IntN(26))
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, "", err
		}
	}
	tarPath := filepath.Join(dir, "src.tar")
	if err := makeTar(tarPath, src); err != nil {
		return nil, "", err
	}
	image := filepath.Join(dir, "firmware.img")
	img := make([]byte, 1<<20)
	for j := range img {
		img[j] = byte(rng.Uint32())
	}
	if err := os.WriteFile(image, img, 0o644); err != nil {
		return nil, "", err
	}
	rel, _, err := lc.vendor.Submit(ctx, client.SubmitFiles{Product: "bench/router", Version: "2.1.0", SourceArchive: tarPath, Artifacts: []string{image}})
	if err != nil {
		return nil, "", err
	}
	art := rel.Manifest.Artifacts[0]
	vsa, _ := json.Marshal(map[string]any{
		"verifier":           map[string]string{"id": "https://glassbox.dev/centre"},
		"timeVerified":       time.Now().UTC().Format(time.RFC3339),
		"resourceUri":        "glassbox:release/" + string(rel.ID) + "/" + art.Path,
		"policy":             map[string]string{"uri": "https://glassbox.dev/policy/cra-annex-i@1.0.0"},
		"verificationResult": "PASSED",
		"verifiedLevels":     []string{"cra-annex-i@1.0.0"},
		"slsaVersion":        "1.0",
	})
	if _, err := lc.c.Notary.Attest(ctx, notary.Request{Subjects: []attest.Subject{{Name: art.Path, Digest: art.Digest}}, PredicateType: glassbox.PredicateVSA, Predicate: vsa}); err != nil {
		return nil, "", err
	}
	return rel, art.Digest, nil
}

// fileServer is http.FileServer over a directory on a loopback port.
type fileServer struct {
	url string
	srv *http.Server
}

func serveFiles(dir string) (*fileServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	fs := &fileServer{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: http.FileServer(http.Dir(dir))}}
	go fs.srv.Serve(ln)
	return fs, nil
}

func (fs *fileServer) close() { fs.srv.Close() }

// loadClient sends GETs from concurrent clients over keep-alive
// connections, for a duration or a number of requests each.
type loadClient struct {
	clients  int
	duration time.Duration
	requests int // per client, when duration is 0
	http     *http.Client
}

func newLoadClient(clients int, duration time.Duration, requests int) *loadClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * clients
	t.MaxIdleConnsPerHost = clients
	t.DisableCompression = true
	return &loadClient{clients: clients, duration: duration, requests: requests, http: &http.Client{Transport: t}}
}

// get fetches a body once, checking it is 200.
func (l *loadClient) get(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return b, err
}

// target is what a contender of a read benchmark asks for.
type target struct{ name, request, url, token string }

// rounds is how many turns each contender of a read benchmark takes.
const rounds = 5

// turns loads a and b in turns, each for duration/rounds a turn, so that a
// change in the machine's load falls on both, and reports each.
func (l *loadClient) turns(ctx context.Context, a, b target) (*Throughput, *Throughput, error) {
	var lat [2][]time.Duration
	var elapsed [2]time.Duration
	var size [2]int
	turn := &loadClient{clients: l.clients, duration: l.duration / rounds, http: l.http}
	for range rounds {
		for k, t := range []target{a, b} {
			body, err := turn.get(ctx, t.url, t.token)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", t.name, err)
			}
			size[k] = len(body)
			ls, d, err := turn.run(ctx, t.url, t.token)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", t.name, err)
			}
			lat[k] = append(lat[k], ls...)
			elapsed[k] += d
		}
	}
	return throughput(a, lat[0], elapsed[0], size[0]), throughput(b, lat[1], elapsed[1], size[1]), nil
}

func throughput(t target, lat []time.Duration, elapsed time.Duration, size int) *Throughput {
	slices.Sort(lat)
	return &Throughput{
		Name: t.name, Request: t.request, BodyBytes: size, Requests: len(lat),
		PerSecond: float64(len(lat)) / elapsed.Seconds(),
		P50:       lat[len(lat)/2],
		P99:       lat[min(len(lat)-1, len(lat)*99/100)],
	}
}

// run loads url from every client and returns the latencies and the time
// taken. Every answer must be 200 with the same body length.
func (l *loadClient) run(ctx context.Context, url, token string) ([]time.Duration, time.Duration, error) {
	first, err := l.get(ctx, url, token)
	if err != nil {
		return nil, 0, err
	}
	want := len(first)
	var (
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(l.duration)
	start := time.Now()
	for range l.clients {
		wg.Go(func() {
			var mine []time.Duration
			for n := 0; ; n++ {
				if l.duration > 0 && time.Now().After(deadline) || l.duration == 0 && n >= l.requests || ctx.Err() != nil {
					break
				}
				t0 := time.Now()
				b, err := l.get(ctx, url, token)
				if err == nil && len(b) != want {
					err = fmt.Errorf("GET %s: a %d-byte body, then a %d-byte one", url, want, len(b))
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return nil, 0, firstErr
	}
	if len(lat) == 0 {
		return nil, 0, fmt.Errorf("GET %s: no request finished", url)
	}
	return lat, elapsed, nil
}
