package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"glassbox.dev"
	"glassbox.dev/ingest"
	"glassbox.dev/party"
)

// Uploads carry a submission's files (the source archive, artefacts, a
// recipe, an SBOM) to the centre in pieces, so a large one survives a
// dropped connection: the client asks how much the centre holds
// (GET: offset) and sends the rest from there (PATCH with Upload-Offset),
// as tus.io's core protocol does. An upload lives in the data directory
// under DIR/<id>/ (data and meta.json), is visible only to the user who
// started it, is bounded in size, and is deleted when a submission takes
// it, when its owner drops it, or when it has not been touched for its
// time to live; what a submission refuses leaves nothing in the evidence
// store.

// uploads is the upload area.
type uploads struct {
	dir   string
	limit int64
	ttl   time.Duration
	// bucket, if set, is where a deployment's uploads are, shared by its
	// servers; dir then holds this server's copies of them.
	bucket *uploadBucket
	// lastExpire is when the bucket's uploads were last expired.
	lastExpire time.Time

	mu sync.Mutex
	// busy holds the uploads a request of this process is appending to
	// or submitting: another request on one of them is ECONFLICT.
	busy map[string]*busyUpload
}

// take marks upload id busy with what ("appended to", "submitted") for
// the caller, which calls the release function returned when done. If
// another request has it, take waits for that one to end (a dropped
// connection's request ends soon after the drop) for up to busyWait,
// then refuses with ECONFLICT.
func (u *uploads) take(ctx context.Context, id, what string) (func(), error) {
	deadline := time.NewTimer(busyWait)
	defer deadline.Stop()
	for {
		release, holder := u.tryTake(id, what)
		if release != nil {
			return release, nil
		}
		select {
		case <-holder.done:
		case <-deadline.C:
			return nil, glassbox.Errorf(glassbox.ECONFLICT, "upload %s is being %s by another request; try again when it is done", id, holder.what)
		case <-ctx.Done():
			return nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "upload %s: %w", id, ctx.Err())
		}
	}
}

// tryTake marks upload id busy for the caller, which calls the release
// function returned when done, if no request of this process has it;
// otherwise it returns the request that has it.
func (u *uploads) tryTake(id, what string) (release func(), holder *busyUpload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.busy == nil {
		u.busy = map[string]*busyUpload{}
	}
	if b, ok := u.busy[id]; ok {
		return nil, b
	}
	mine := &busyUpload{what: what, done: make(chan struct{})}
	u.busy[id] = mine
	return func() {
		u.mu.Lock()
		delete(u.busy, id)
		close(mine.done)
		u.mu.Unlock()
	}, nil
}

// busyWait is how long a request waits for another on the same upload.
const busyWait = 10 * time.Second

// busyUpload is an upload a request has: what it does, and a channel
// closed when it is done.
type busyUpload struct {
	what string
	done chan struct{}
}

// Upload is an upload's state as API v1 answers it.
type Upload struct {
	ID      string    `json:"id"`
	Offset  int64     `json:"offset"`
	Expires time.Time `json:"expires"`
}

type uploadMeta struct {
	Owner   string    `json:"owner"` // the user who started it
	Created time.Time `json:"created"`
}

// DefaultUploadLimit bounds one upload: the ingest limit on a release's
// bytes.
var DefaultUploadLimit = ingest.DefaultLimits().MaxTotalSize

func newUploads(dir string, limit int64, ttl time.Duration, bucket *uploadBucket) (*uploads, error) {
	if dir == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = DefaultUploadLimit
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "uploads: %w", err)
	}
	u := &uploads{dir: dir, limit: limit, ttl: ttl, bucket: bucket}
	u.expire(context.Background(), time.Now())
	return u, nil
}

// expire deletes uploads untouched for longer than the time to live.
func (u *uploads) expire(ctx context.Context, now time.Time) {
	if u.bucket != nil {
		// Listing every upload of the bucket is done at most once a
		// minute, whatever the number of uploads started.
		u.mu.Lock()
		due := now.Sub(u.lastExpire) > time.Minute
		if due {
			u.lastExpire = now
		}
		u.mu.Unlock()
		if due {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			u.bucket.expire(ctx, now, u.ttl)
			cancel()
		}
	}
	entries, err := os.ReadDir(u.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		fi, err := os.Stat(filepath.Join(u.dir, e.Name(), "data"))
		if err != nil || now.Sub(fi.ModTime()) > u.ttl {
			os.RemoveAll(filepath.Join(u.dir, e.Name()))
		}
	}
}

// path returns the directory of upload id, refusing any id this centre
// could not have made.
func (u *uploads) path(id string) (string, error) {
	if _, err := hex.DecodeString(id); len(id) != 32 || err != nil || strings.ToLower(id) != id {
		return "", glassbox.Errorf(glassbox.ENOTFOUND, "no upload %q", id)
	}
	return filepath.Join(u.dir, id), nil
}

// open returns the upload's directory and state if p owns it. With
// synced, the caller has the upload (take): this server's copy is first
// brought up to the bucket's, which only a request that has it may do, or
// it could cut a copy another request of this process is writing to.
func (u *uploads) open(ctx context.Context, p *glassbox.Principal, id string, synced bool) (string, *Upload, error) {
	if u == nil {
		return "", nil, glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no uploads")
	}
	dir, err := u.path(id)
	if err != nil {
		return "", nil, err
	}
	if u.bucket != nil && synced {
		if err := u.sync(ctx, id, dir); err != nil {
			return "", nil, err
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return "", nil, glassbox.Errorf(glassbox.ENOTFOUND, "no upload %q", id)
	}
	var m uploadMeta
	if err := json.Unmarshal(b, &m); err != nil || p == nil || m.Owner != p.User.ID {
		return "", nil, glassbox.Errorf(glassbox.ENOTFOUND, "no upload %q", id)
	}
	fi, err := os.Stat(filepath.Join(dir, "data"))
	if err != nil {
		return "", nil, glassbox.Errorf(glassbox.ENOTFOUND, "no upload %q", id)
	}
	return dir, &Upload{ID: id, Offset: fi.Size(), Expires: fi.ModTime().Add(u.ttl).UTC()}, nil
}

// sync brings this server's copy of upload id (in dir) up to the
// bucket's: it makes the copy if the upload was started elsewhere, reads
// in what other servers took since, and drops what this one wrote but
// never stored.
func (u *uploads) sync(ctx context.Context, id, dir string) error {
	meta, chunks, err := u.bucket.state(ctx, id)
	if err != nil {
		if glassbox.ErrorCode(err) == glassbox.ENOTFOUND {
			os.RemoveAll(dir) // dropped, submitted or expired elsewhere
		}
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", id, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "data"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", id, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", id, err)
	}
	if _, err := u.bucket.fill(ctx, f, fi.Size(), chunks); err != nil {
		return err
	}
	if cur, err := os.ReadFile(filepath.Join(dir, "meta.json")); err != nil || string(cur) != string(meta) {
		if err := os.WriteFile(filepath.Join(dir, "meta.json"), meta, 0o600); err != nil {
			return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", id, err)
		}
	}
	return nil
}

// drop deletes upload id, here and in the bucket.
func (u *uploads) drop(ctx context.Context, id string) error {
	if dir, err := u.path(id); err == nil {
		if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return glassbox.Errorf(glassbox.EINTERNAL, "drop upload: %w", err)
		}
	}
	if u.bucket != nil {
		return u.bucket.remove(context.WithoutCancel(ctx), id)
	}
	return nil
}

func (a *API) createUpload(w http.ResponseWriter, r *http.Request, _ string) error {
	u := a.uploads
	if u == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no uploads")
	}
	u.expire(r.Context(), time.Now())
	var raw [16]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	dir := filepath.Join(u.dir, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "start an upload: %w", err)
	}
	meta, _ := json.Marshal(uploadMeta{Owner: PrincipalFrom(r.Context()).User.ID, Created: time.Now().UTC()})
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o600); err != nil {
		os.RemoveAll(dir)
		return glassbox.Errorf(glassbox.EINTERNAL, "start an upload: %w", err)
	}
	// meta.json last: an upload without it is not one, and expires.
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), meta, 0o600); err != nil {
		os.RemoveAll(dir)
		return glassbox.Errorf(glassbox.EINTERNAL, "start an upload: %w", err)
	}
	if u.bucket != nil {
		if err := u.bucket.create(r.Context(), id, meta); err != nil {
			os.RemoveAll(dir)
			return err
		}
	}
	w.Header().Set("Location", "/api/v1/uploads/"+id)
	writeJSON(w, http.StatusCreated, Upload{ID: id, Offset: 0, Expires: time.Now().Add(u.ttl).UTC()})
	return nil
}

func (a *API) getUpload(w http.ResponseWriter, r *http.Request, _ string) error {
	// A request of this server appending to the upload has it: its copy
	// is then what the answer tells, as on a single server.
	release, _ := a.uploads.tryTake(r.PathValue("upload"), "read")
	mine := release != nil
	if mine {
		defer release()
	}
	_, up, err := a.uploads.open(r.Context(), PrincipalFrom(r.Context()), r.PathValue("upload"), mine)
	if err != nil {
		return err
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(up.Offset, 10))
	writeJSON(w, http.StatusOK, up)
	return nil
}

// uploadChunkTime bounds one PATCH: a large upload is sent in several.
const uploadChunkTime = time.Hour

// appendUpload appends the body at Upload-Offset. What arrives is synced
// before the answer, so after a dropped connection GET tells where to
// resume; a body cut short keeps the bytes that arrived.
func (a *API) appendUpload(w http.ResponseWriter, r *http.Request, _ string) error {
	u := a.uploads
	if u == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no uploads")
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(uploadChunkTime))
	rc.SetWriteDeadline(time.Now().Add(uploadChunkTime + time.Minute))
	ctx, cancel := context.WithTimeout(r.Context(), uploadChunkTime)
	defer cancel()
	done, err := u.take(ctx, r.PathValue("upload"), "appended to")
	if err != nil {
		return err
	}
	defer done()
	// Had, the upload's copy is brought up to date, and this request is
	// its only writer here.
	dir, up, err := u.open(ctx, PrincipalFrom(r.Context()), r.PathValue("upload"), true)
	if err != nil {
		return err
	}
	off, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 {
		return glassbox.Errorf(glassbox.EINVALID, "Upload-Offset %q: want the number of bytes the centre holds (GET the upload to learn it)", r.Header.Get("Upload-Offset"))
	}
	f, err := os.OpenFile(filepath.Join(dir, "data"), os.O_RDWR, 0)
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", up.ID, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", up.ID, err)
	}
	if off != fi.Size() {
		w.Header().Set("Upload-Offset", strconv.FormatInt(fi.Size(), 10))
		return glassbox.Errorf(glassbox.ECONFLICT, "upload %s holds %d bytes, not %d: send from %d", up.ID, fi.Size(), off, fi.Size())
	}
	room := u.limit - off
	body := http.MaxBytesReader(w, r.Body, room)
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", up.ID, err)
	}
	// Large writes: a chunk is tens of MiB, and io.Copy's 32 KiB would
	// make it tens of thousands of system calls.
	buf := make([]byte, 1<<20)
	_, cerr := io.CopyBuffer(struct{ io.Writer }{f}, ctxReader{ctx, body}, buf)
	if err := f.Sync(); err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "upload %s: %w", up.ID, err)
	}
	end, _ := f.Seek(0, io.SeekCurrent)
	if cerr != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(cerr, &tooLarge) {
			// Keep what fits? No: an upload over the limit is no use.
			u.drop(ctx, up.ID)
			return glassbox.Errorf(codeTooLarge, "upload %s is over the limit of %d bytes and was dropped: %w", up.ID, u.limit, cerr)
		}
		slog.Info("upload cut short", "upload", up.ID, "at", end, "err", cerr)
	}
	if u.bucket != nil {
		// Stored in the bucket, the bytes are the upload's; until then
		// they are not, and the client sends them again from off.
		if err := u.bucket.putChunk(context.WithoutCancel(ctx), up.ID, f, off, end-off); err != nil {
			f.Truncate(off)
			w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
			return err
		}
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(end, 10))
	writeJSON(w, http.StatusOK, Upload{ID: up.ID, Offset: end, Expires: time.Now().Add(u.ttl).UTC()})
	return nil
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (a *API) deleteUpload(w http.ResponseWriter, r *http.Request, _ string) error {
	if a.uploads == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no uploads")
	}
	done, err := a.uploads.take(r.Context(), r.PathValue("upload"), "deleted")
	if err != nil {
		return err
	}
	defer done()
	_, up, err := a.uploads.open(r.Context(), PrincipalFrom(r.Context()), r.PathValue("upload"), true)
	if err != nil {
		return err
	}
	if err := a.uploads.drop(r.Context(), up.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Submitter ingests a release for p: the application layer's submit,
// which claims the product for p's organisation.
type Submitter func(ctx context.Context, p *glassbox.Principal, req ingest.Request) (*ingest.Result, error)

// SubmitRequest is the body of POST /api/v1/releases: the release's
// product and version and the uploads that hold its files.
type SubmitRequest struct {
	Product   string           `json:"product"`
	Version   string           `json:"version"`
	Source    string           `json:"source"`
	Recipe    string           `json:"recipe,omitempty"`
	SBOM      string           `json:"sbom,omitempty"`
	Artifacts []SubmitArtifact `json:"artifacts,omitempty"`
}

// SubmitArtifact names an upload as a shipped file.
type SubmitArtifact struct {
	Name   string `json:"name"`
	Upload string `json:"upload"`
}

// submitTime bounds a submission: ingesting a release of the largest size
// an upload may have takes minutes on a busy centre, not maxRequestTime.
const submitTime = time.Hour

func (a *API) submit(w http.ResponseWriter, r *http.Request, _ string) error {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(submitTime + time.Minute))
	ctx, cancel := context.WithTimeout(r.Context(), submitTime)
	defer cancel()
	r = r.WithContext(ctx)
	var req SubmitRequest
	if err := decodeJSON(w, r, 256<<10, &req); err != nil {
		return err
	}
	if a.b.Submit == nil || a.uploads == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this centre takes no submissions over the API")
	}
	if err := glassbox.ValidateProduct(req.Product); err != nil {
		return err
	}
	if err := glassbox.ValidateVersion(req.Version); err != nil {
		return err
	}
	p := PrincipalFrom(r.Context())
	// The product's owner decides before any file is read.
	if _, err := a.authority.Authorize(r.Context(), p, party.ActSubmit, req.Product); err != nil {
		if glassbox.ErrorCode(err) == glassbox.EFORBIDDEN {
			return glassbox.Errorf(glassbox.EFORBIDDEN, "product %q belongs to another vendor; submit under a product name of your own", req.Product)
		}
		return err
	}
	// Each upload is linked under the name the submission gives it, in a
	// scratch directory of the upload area, so ingest reads named files.
	scratch, err := os.MkdirTemp(a.uploads.dir, ".submit-")
	if err != nil {
		return glassbox.Errorf(glassbox.EINTERNAL, "submit: %w", err)
	}
	defer os.RemoveAll(scratch)
	used := map[string]bool{}
	var taken []func()
	defer func() {
		for _, done := range taken {
			done()
		}
	}()
	link := func(what, id, name string) (string, error) {
		if used[id] {
			return "", glassbox.Errorf(glassbox.EINVALID, "%s: upload %s is named twice in the submission", what, id)
		}
		// No other request writes it while it is submitted: the store
		// takes the file in as it is, without a copy.
		done, err := a.uploads.take(r.Context(), id, "submitted")
		if err != nil {
			return "", err
		}
		taken = append(taken, done)
		used[id] = true
		dir, _, err := a.uploads.open(r.Context(), p, id, true)
		if err != nil {
			if code := glassbox.ErrorCode(err); code != glassbox.ENOTFOUND {
				return "", glassbox.Errorf(code, "%s: %w", what, err)
			}
			return "", glassbox.Errorf(glassbox.EINVALID, "%s: %w", what, err)
		}
		sub, err := os.MkdirTemp(scratch, "f")
		if err != nil {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "submit: %w", err)
		}
		dst := filepath.Join(sub, name)
		if err := os.Link(filepath.Join(dir, "data"), dst); err != nil {
			return "", glassbox.Errorf(glassbox.EINTERNAL, "submit: %w", err)
		}
		return dst, nil
	}
	// The links in scratch are the store's to move in: the uploads keep
	// their own names, so a submission refused leaves them to submit again.
	in := ingest.Request{Product: req.Product, Version: req.Version, Limits: ingest.DefaultLimits(), Consume: true}
	if in.SourceArchive, err = link("source", req.Source, "source-archive"); err != nil {
		return err
	}
	if req.Recipe != "" {
		if in.Recipe, err = link("recipe", req.Recipe, "recipe.yaml"); err != nil {
			return err
		}
	}
	if req.SBOM != "" {
		if in.SBOM, err = link("sbom", req.SBOM, "sbom.json"); err != nil {
			return err
		}
	}
	for i, art := range req.Artifacts {
		if err := glassbox.ValidatePath(art.Name); err != nil || filepath.Base(art.Name) != art.Name {
			return glassbox.Errorf(glassbox.EINVALID, "artifact %d: name %q must be a plain file name", i+1, art.Name)
		}
		path, err := link("artifact "+art.Name, art.Upload, art.Name)
		if err != nil {
			return err
		}
		in.Artifacts = append(in.Artifacts, path)
	}
	res, err := a.b.Submit(r.Context(), p, in)
	if err != nil {
		return err
	}
	// The release holds the files now: the uploads are done with.
	for id := range used {
		if err := a.uploads.drop(r.Context(), id); err != nil {
			slog.Warn("a submitted upload was not dropped; it expires", "upload", id, "err", err)
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"release": res.Release, "created": res.Created})
	return nil
}
