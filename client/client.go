// Package client speaks a centre's API v1 (/api/v1/…, described by its
// /api/v1/openapi.json) for the CLI's remote mode: a vendor's CI job
// submits, an evaluator queues and follows evaluations and judges, a
// vendor reads who read its source.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/server"
	"glassbox.dev/standard"
	"glassbox.dev/tlog"
)

// Client is a connection to one centre as one token.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// ChunkSize is how much one upload request carries.
	ChunkSize int64
}

// maxAnswer bounds a JSON answer read from the centre.
const maxAnswer = 64 << 20

// New returns a client of the centre at base (https://centre.example, or
// http:// on loopback) with token, which may be "" for public reads.
func New(base, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "server %q: want a URL such as https://centre.example", base)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) && token != "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "server %q: a token is sent only over https (or to loopback); the centre must be reached over TLS", base)
	}
	return &Client{base: u, token: token, http: &http.Client{Timeout: 0}, ChunkSize: 64 << 20}, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// do sends a request and decodes a JSON answer into out (if not nil). An
// error answer becomes a *glassbox.Error with the centre's code, so the
// CLI's exit codes are the same remotely as locally.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, hdr http.Header, out any) (*http.Response, error) {
	u := c.base.String() + path
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "request %s: %w", path, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "reach %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return resp, answerError(resp)
	}
	if out != nil {
		dec := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer))
		if err := dec.Decode(out); err != nil {
			return resp, glassbox.Errorf(glassbox.EINTERNAL, "%s %s: the centre's answer is not the JSON expected: %w", method, path, err)
		}
	}
	return resp, nil
}

// answerError reads an error answer.
func answerError(resp *http.Response) error {
	var e server.APIError
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
		return glassbox.Errorf(glassbox.EINTERNAL, "the centre answered %s", resp.Status)
	}
	code := e.Error.Code
	switch code {
	case "too_large":
		code = glassbox.EINVALID
	case "rate_limited":
		code = glassbox.EUNAVAILABLE
	}
	return &glassbox.Error{Code: code, Message: e.Error.Message}
}

func jsonBody(v any) (io.Reader, http.Header) {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b), http.Header{"Content-Type": {"application/json"}}
}

// Whoami returns who the token stands for.
func (c *Client) Whoami(ctx context.Context) (*glassbox.Principal, error) {
	var p glassbox.Principal
	_, err := c.do(ctx, "GET", "/api/v1/whoami", nil, nil, &p)
	return &p, err
}

// Releases lists the releases the token may see, of one product or all.
func (c *Client) Releases(ctx context.Context, product string) ([]*glassbox.Release, error) {
	q := ""
	if product != "" {
		q = "?product=" + url.QueryEscape(product)
	}
	var out struct {
		Releases []*glassbox.Release `json:"releases"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/releases"+q, nil, nil, &out)
	return out.Releases, err
}

// Release returns the release ref names (an ID, an abbreviation, or
// PRODUCT@VERSION).
func (c *Client) Release(ctx context.Context, ref string) (*glassbox.Release, error) {
	var rel glassbox.Release
	_, err := c.do(ctx, "GET", "/api/v1/releases/"+url.PathEscape(ref), nil, nil, &rel)
	return &rel, err
}

// ReadSource returns one source file of a release; the centre records the
// read before it serves it.
func (c *Client) ReadSource(ctx context.Context, ref, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base.String()+"/api/v1/releases/"+url.PathEscape(ref)+"/source/"+escapePath(path), nil)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "read %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "reach %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<30))
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// Upload sends a file to the centre in chunks, resuming after a dropped
// connection from what the centre holds, and returns the upload's ID.
func (c *Client) Upload(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINVALID, "upload %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return "", glassbox.Errorf(glassbox.EINVALID, "upload %s: not a regular file", path)
	}
	var up server.Upload
	if _, err := c.do(ctx, "POST", "/api/v1/uploads", nil, nil, &up); err != nil {
		return "", err
	}
	size := fi.Size()
	failures := 0
	for up.Offset < size || size == 0 {
		n := min(c.ChunkSize, size-up.Offset)
		hdr := http.Header{"Upload-Offset": {strconv.FormatInt(up.Offset, 10)}, "Content-Type": {"application/offset+octet-stream"}}
		_, err := c.do(ctx, "PATCH", "/api/v1/uploads/"+up.ID, io.NewSectionReader(f, up.Offset, n), hdr, &up)
		if size == 0 && err == nil {
			break
		}
		if err != nil {
			code := glassbox.ErrorCode(err)
			if code != glassbox.EUNAVAILABLE && code != glassbox.ECONFLICT && code != glassbox.EINTERNAL || failures >= 5 || ctx.Err() != nil {
				return "", fmt.Errorf("upload %s: %w", path, err)
			}
			// Ask what the centre holds and go on from there.
			failures++
			time.Sleep(time.Duration(failures) * 500 * time.Millisecond)
			if _, gerr := c.do(ctx, "GET", "/api/v1/uploads/"+up.ID, nil, nil, &up); gerr != nil {
				return "", fmt.Errorf("upload %s: %w", path, err)
			}
			continue
		}
		failures = 0
	}
	return up.ID, nil
}

// SubmitFiles names the files of a submission on the local disk.
type SubmitFiles struct {
	Product, Version string
	SourceArchive    string
	Recipe, SBOM     string
	Artifacts        []string
}

// Submit uploads a release's files and submits it.
func (c *Client) Submit(ctx context.Context, s SubmitFiles) (*glassbox.Release, bool, error) {
	req := server.SubmitRequest{Product: s.Product, Version: s.Version}
	var err error
	if req.Source, err = c.Upload(ctx, s.SourceArchive); err != nil {
		return nil, false, err
	}
	if s.Recipe != "" {
		if req.Recipe, err = c.Upload(ctx, s.Recipe); err != nil {
			return nil, false, err
		}
	}
	if s.SBOM != "" {
		if req.SBOM, err = c.Upload(ctx, s.SBOM); err != nil {
			return nil, false, err
		}
	}
	for _, a := range s.Artifacts {
		id, err := c.Upload(ctx, a)
		if err != nil {
			return nil, false, err
		}
		req.Artifacts = append(req.Artifacts, server.SubmitArtifact{Name: baseName(a), Upload: id})
	}
	return c.SubmitUploads(ctx, req)
}

// SubmitUploads submits a release whose files are uploads already made
// (Upload): POST /api/v1/releases.
func (c *Client) SubmitUploads(ctx context.Context, req server.SubmitRequest) (*glassbox.Release, bool, error) {
	body, hdr := jsonBody(req)
	var out struct {
		Release *glassbox.Release `json:"release"`
		Created bool              `json:"created"`
	}
	_, err := c.do(ctx, "POST", "/api/v1/releases", body, hdr, &out)
	return out.Release, out.Created, err
}

func baseName(p string) string { return p[strings.LastIndexAny(p, `/\`)+1:] }

// Evaluate queues an evaluation of a release.
func (c *Client) Evaluate(ctx context.Context, ref string, req server.EvaluateRequest) (*server.Job, error) {
	body, hdr := jsonBody(req)
	var j server.Job
	_, err := c.do(ctx, "POST", "/api/v1/releases/"+url.PathEscape(ref)+"/evaluations", body, hdr, &j)
	return &j, err
}

// Job returns a job's state.
func (c *Client) Job(ctx context.Context, id string) (*server.Job, error) {
	var j server.Job
	_, err := c.do(ctx, "GET", "/api/v1/jobs/"+url.PathEscape(id), nil, nil, &j)
	return &j, err
}

// Follow streams a job's progress to fn until the job ends, reconnecting
// where it left off if the stream drops, and returns the ended job.
func (c *Client) Follow(ctx context.Context, id string, fn func(server.JobEvent)) (*server.Job, error) {
	var last int64
	for attempt := 0; ; attempt++ {
		j, err := c.follow(ctx, id, &last, fn)
		if err == nil {
			return j, nil
		}
		if glassbox.ErrorCode(err) != glassbox.EUNAVAILABLE || attempt >= 20 || ctx.Err() != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (c *Client) follow(ctx context.Context, id string, last *int64, fn func(server.JobEvent)) (*server.Job, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base.String()+"/api/v1/jobs/"+url.PathEscape(id)+"/events", nil)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "follow job %s: %w", id, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	if *last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(*last, 10))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "reach %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp)
	}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<30))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "":
			switch event {
			case "stage":
				var e server.JobEvent
				if json.Unmarshal([]byte(data), &e) == nil {
					*last = e.Seq
					fn(e)
				}
			case "end":
				var j server.Job
				if err := json.Unmarshal([]byte(data), &j); err != nil {
					return nil, glassbox.Errorf(glassbox.EINTERNAL, "job %s: the end event is not a job: %w", id, err)
				}
				return &j, nil
			case "error":
				var e struct{ Code, Message string }
				json.Unmarshal([]byte(data), &e)
				return nil, &glassbox.Error{Code: e.Code, Message: e.Message}
			}
			event, data = "", ""
		}
	}
	if err := sc.Err(); err != nil {
		return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "the progress stream of job %s: %v", id, err)
	}
	return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "the progress stream of job %s ended early", id)
}

// Judge records a judgement under the token's identity.
func (c *Client) Judge(ctx context.Context, ref string, j server.JudgeRequest) (*glassbox.Judgement, error) {
	body, hdr := jsonBody(j)
	var out glassbox.Judgement
	_, err := c.do(ctx, "POST", "/api/v1/releases/"+url.PathEscape(ref)+"/judgements", body, hdr, &out)
	return &out, err
}

// Judgements lists the judgements about a release.
func (c *Client) Judgements(ctx context.Context, ref string) ([]*glassbox.Judgement, error) {
	var out struct {
		Judgements []*glassbox.Judgement `json:"judgements"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/releases/"+url.PathEscape(ref)+"/judgements", nil, nil, &out)
	return out.Judgements, err
}

// SubmitICS sends the vendor's implementation conformance statement for a
// release (YAML or JSON, as b's first byte says); the centre checks it
// against its EN 303 645 catalog and keeps it, or refuses it saying why.
func (c *Client) SubmitICS(ctx context.Context, ref string, b []byte) (*server.ICSStored, error) {
	ct := "application/yaml"
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		ct = "application/json"
	}
	var out server.ICSStored
	_, err := c.do(ctx, "PUT", "/api/v1/releases/"+url.PathEscape(ref)+"/ics", bytes.NewReader(b), http.Header{"Content-Type": {ct}}, &out)
	return &out, err
}

// ICS returns the newest ICS of a release, with the digest of the
// canonical JSON the centre served (what it stored); the centre records
// the read first.
func (c *Client) ICS(ctx context.Context, ref string) (*standard.ICS, error) {
	var raw json.RawMessage
	if _, err := c.do(ctx, "GET", "/api/v1/releases/"+url.PathEscape(ref)+"/ics", nil, nil, &raw); err != nil {
		return nil, err
	}
	var ics standard.ICS
	if err := json.Unmarshal(raw, &ics); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "the centre's ICS of %s is not an ICS: %v", ref, err)
	}
	ics.Digest = glassbox.DigestOf(raw)
	return &ics, nil
}

// Withdraw withdraws a release's verdicts.
func (c *Client) Withdraw(ctx context.Context, ref, reason string) (json.RawMessage, error) {
	body, hdr := jsonBody(server.WithdrawRequest{Reason: reason})
	var out json.RawMessage
	_, err := c.do(ctx, "POST", "/api/v1/releases/"+url.PathEscape(ref)+"/withdrawal", body, hdr, &out)
	return out, err
}

// Access returns the access record of a release.
func (c *Client) Access(ctx context.Context, ref string) ([]json.RawMessage, error) {
	var out struct {
		Entries []json.RawMessage `json:"entries"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/releases/"+url.PathEscape(ref)+"/access", nil, nil, &out)
	return out.Entries, err
}

// CreateGrant lets an evaluator organisation see a product until expires.
func (c *Client) CreateGrant(ctx context.Context, product, evaluator string, expires time.Time) (*glassbox.Grant, error) {
	body, hdr := jsonBody(server.CreateGrantRequest{Product: product, Evaluator: evaluator, Expires: expires})
	var g glassbox.Grant
	_, err := c.do(ctx, "POST", "/api/v1/grants", body, hdr, &g)
	return &g, err
}

// Verdict is one of the centre's verdicts about an artefact.
type Verdict struct {
	LogIndex     uint64          `json:"log_index"`
	Envelope     glassbox.Digest `json:"envelope"`
	Result       string          `json:"result"`
	TimeVerified string          `json:"time_verified"`
}

// Verdicts is what the centre says about an artefact: its verdicts and a
// receipt for each, which anyone can verify offline (glassbox verify).
type Verdicts struct {
	Subject  glassbox.Digest `json:"subject"`
	Verdicts []Verdict       `json:"verdicts"`
	Receipts []*tlog.Receipt `json:"receipts"`
}

// Verdicts returns the verdicts about the artefact with digest d; it needs
// no token.
func (c *Client) Verdicts(ctx context.Context, d glassbox.Digest) (*Verdicts, error) {
	var v Verdicts
	_, err := c.do(ctx, "GET", "/api/v1/verdicts/"+url.PathEscape(string(d)), nil, nil, &v)
	return &v, err
}

// IsNotFound reports whether err is the centre saying a thing is not there
// (or not visible to the token).
func IsNotFound(err error) bool {
	var e *glassbox.Error
	return errors.As(err, &e) && e.Code == glassbox.ENOTFOUND
}
