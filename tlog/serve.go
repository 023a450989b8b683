package tlog

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// tilePath matches the resources C2SP tlog-tiles defines: hash tiles
// tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>], where N
// is written in groups of three digits with x-prefixed directories.
var tilePath = regexp.MustCompile(`^tile/(?:[0-9]|[1-5][0-9]|6[0-3]|entries)/(?:x[0-9]{3}/)*[0-9]{3}(?:\.p/(?:[1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$`)

// Handler serves the log read-only exactly as C2SP tlog-tiles says: GET
// /checkpoint and /tile/…, full tiles as immutable, partial tiles and the
// checkpoint as changing. Nothing else in the log's directory is served.
func (l *Log) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the log is read-only here", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case p == "checkpoint":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
		case tilePath.MatchString(p):
			w.Header().Set("Content-Type", "application/octet-stream")
			if strings.Contains(p, ".p/") {
				w.Header().Set("Cache-Control", "no-cache")
			} else {
				// A full tile never changes: C2SP lets clients cache it for good.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
		default:
			http.NotFound(w, r)
			return
		}
		if l.dir == "" {
			l.serveFromReader(w, r, p)
			return
		}
		f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(p)))
		if err != nil {
			w.Header().Del("Cache-Control")
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}

// serveFromReader serves a resource of a shared log, streamed from its
// bucket as the client named it (tilePath has checked the name): 404 for
// what the bucket does not hold, 503 while the bucket does not answer.
func (l *Log) serveFromReader(w http.ResponseWriter, r *http.Request, p string) {
	body, size, err := l.object(r.Context(), p)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist):
		// Not a resource the log has (yet).
		w.Header().Del("Cache-Control")
		http.NotFound(w, r)
		return
	default:
		// The bucket did not answer: the resource may well exist, and a
		// client (or a cache) must not take it for missing.
		if r.Context().Err() == nil {
			slog.Warn("serving the shared log", "path", p, "err", err)
		}
		w.Header().Del("Cache-Control")
		w.Header().Set("Retry-After", "1")
		http.Error(w, "the log's storage is unavailable; try again", http.StatusServiceUnavailable)
		return
	}
	defer body.Close()
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if r.Method == http.MethodGet {
		io.Copy(w, body)
	}
}
