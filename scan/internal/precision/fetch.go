package precision

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
)

// MaxArchiveSize bounds a fetched archive: the largest in the corpus is
// tens of megabytes.
const MaxArchiveSize = 512 << 20

// Fetcher downloads the corpus into a cache folder. The cache holds each
// project unpacked in Dir/<name>-<version> and the archives it came from in
// Dir/.archives; a project already unpacked is not fetched again.
type Fetcher struct {
	Dir string
	// Log receives one line per project fetched (nil: nothing is logged).
	Log func(format string, args ...any)

	aptOnce sync.Once
	aptErr  error
}

// Path returns where p is (or would be) unpacked.
func (f *Fetcher) Path(p Project) string { return filepath.Join(f.Dir, p.Dir()) }

// Fetch makes sure p is unpacked in the cache, downloading and checking it
// if it is not.
func (f *Fetcher) Fetch(ctx context.Context, p Project) error {
	dst := f.Path(p)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	archive, err := f.Download(ctx, p)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(f.Dir, ".unpack-"+p.Name+"-")
	if err != nil {
		return fmt.Errorf("unpacking %s: %w", p.Name, err)
	}
	defer os.RemoveAll(tmp)
	if err := Unpack(archive, tmp); err != nil {
		return fmt.Errorf("unpacking %s (%s): %w", p.Name, archive, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("unpacking %s: %w", p.Name, err)
	}
	return nil
}

// Download makes sure p's archive is in the cache with its pinned digest
// and returns its path. A project pinned with "-" instead of a digest is
// refused unless it is already downloaded: its digest is what Pin prints.
func (f *Fetcher) Download(ctx context.Context, p Project) (string, error) {
	dir := filepath.Join(f.Dir, ".archives")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("the corpus cache: %w", err)
	}
	if p.SHA256 != "-" {
		cached := filepath.Join(dir, p.SHA256)
		if _, err := os.Stat(cached); err == nil {
			return cached, nil
		}
	}
	work, err := os.MkdirTemp(dir, ".fetch-"+p.Name+"-")
	if err != nil {
		return "", fmt.Errorf("the corpus cache: %w", err)
	}
	defer os.RemoveAll(work)
	start := time.Now()
	got, err := f.download(ctx, p, work)
	if err != nil {
		return "", fmt.Errorf("fetching %s (%s): %w", p.Name, p.Source, err)
	}
	sum, err := fileSHA256(got)
	if err != nil {
		return "", err
	}
	if p.SHA256 != "-" && sum != p.SHA256 {
		return "", fmt.Errorf("fetching %s (%s): the archive's SHA-256 is %s, the corpus pins %s; refusing it", p.Name, p.Source, sum, p.SHA256)
	}
	cached := filepath.Join(dir, sum)
	if err := os.Rename(got, cached); err != nil {
		return "", fmt.Errorf("fetching %s: %w", p.Name, err)
	}
	if f.Log != nil {
		f.Log("fetched %s %s (%s) in %s", p.Name, p.Version, p.Source, time.Since(start).Round(time.Millisecond))
	}
	return cached, nil
}

func (f *Fetcher) download(ctx context.Context, p Project, work string) (string, error) {
	scheme, what, _ := strings.Cut(p.Source, ":")
	switch scheme {
	case "go":
		return goModuleZip(ctx, what, work)
	case "npm":
		return npmPack(ctx, what, work)
	case "debsrc":
		spec, file, ok := strings.Cut(what, "/")
		if !ok || file == "" || strings.ContainsAny(file, "/\\") {
			return "", fmt.Errorf("want debsrc:PACKAGE=VERSION/FILE")
		}
		if err := f.apt(ctx, work, "source", "--download-only", "--tar-only", spec); err != nil {
			return "", err
		}
		return filepath.Join(work, file), nil
	case "deb":
		if err := f.apt(ctx, work, "download", what); err != nil {
			return "", err
		}
		debs, _ := filepath.Glob(filepath.Join(work, "*.deb"))
		if len(debs) != 1 {
			return "", fmt.Errorf("apt-get download left %d .deb files, want 1", len(debs))
		}
		return debs[0], nil
	}
	return "", fmt.Errorf("unknown source scheme %q", scheme)
}

// goModuleZip downloads MODULE@VERSION's zip from the first proxy in
// GOPROXY.
func goModuleZip(ctx context.Context, spec, work string) (string, error) {
	mod, ver, ok := strings.Cut(spec, "@")
	if !ok {
		return "", fmt.Errorf("want go:MODULE@VERSION")
	}
	emod, err := module.EscapePath(mod)
	if err != nil {
		return "", err
	}
	ever, err := module.EscapeVersion(ver)
	if err != nil {
		return "", err
	}
	out, err := run(ctx, "", "go", "env", "GOPROXY")
	if err != nil {
		return "", err
	}
	var proxy string
	for _, u := range strings.FieldsFunc(strings.TrimSpace(out), func(r rune) bool { return r == ',' || r == '|' }) {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "file://") {
			proxy = strings.TrimSuffix(u, "/")
			break
		}
	}
	if proxy == "" {
		return "", fmt.Errorf("GOPROXY=%q names no proxy to fetch module zips from", strings.TrimSpace(out))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, proxy+"/"+emod+"/@v/"+ever+".zip", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the module proxy answered %s", resp.Status)
	}
	dst := filepath.Join(work, "module.zip")
	w, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, MaxArchiveSize+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n > MaxArchiveSize {
		return "", fmt.Errorf("the module zip is over %d bytes", MaxArchiveSize)
	}
	return dst, nil
}

// npmPack fetches NAME@VERSION's tarball with npm pack, which checks it
// against the registry's integrity digest.
func npmPack(ctx context.Context, spec, work string) (string, error) {
	if _, err := run(ctx, work, "npm", "pack", "--silent", "--ignore-scripts", "--pack-destination", work, spec); err != nil {
		return "", err
	}
	tgz, _ := filepath.Glob(filepath.Join(work, "*.tgz"))
	if len(tgz) != 1 {
		return "", fmt.Errorf("npm pack left %d tarballs, want 1", len(tgz))
	}
	return tgz[0], nil
}

// apt runs apt-get with the cache's own package lists, which add the
// deb-src entries of this machine's apt sources (apt-get source needs them)
// without touching the machine's configuration. apt checks what it
// downloads against the signed archive indices.
func (f *Fetcher) apt(ctx context.Context, work string, args ...string) error {
	f.aptOnce.Do(func() { f.aptErr = f.aptUpdate(ctx) })
	if f.aptErr != nil {
		return f.aptErr
	}
	_, err := run(ctx, work, "apt-get", append(f.aptOptions(), args...)...)
	return err
}

func (f *Fetcher) aptDir() string { return filepath.Join(f.Dir, ".apt") }

func (f *Fetcher) aptOptions() []string {
	d := f.aptDir()
	return []string{"-q",
		"-o", "Dir::Etc::SourceList=" + filepath.Join(d, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(d, "sources.list.d"),
		"-o", "Dir::State::Lists=" + filepath.Join(d, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(d, "cache"),
		"-o", "APT::Sandbox::User=root",
	}
}

// aptUpdate writes the cache's apt sources (this machine's, each also as
// deb-src) and refreshes their lists if they are missing or a day old.
func (f *Fetcher) aptUpdate(ctx context.Context) error {
	d := f.aptDir()
	for _, sub := range []string{"sources.list.d", "lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return fmt.Errorf("the corpus' apt folder: %w", err)
		}
	}
	var list bytes.Buffer
	if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "deb "); ok {
				fmt.Fprintf(&list, "deb %s\ndeb-src %s\n", rest, rest)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(d, "sources.list"), list.Bytes(), 0o644); err != nil {
		return fmt.Errorf("the corpus' apt sources: %w", err)
	}
	parts, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("the machine's apt sources: %w", err)
		}
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "Types:") {
				line = "Types: deb deb-src"
			}
			out = append(out, line)
		}
		if err := os.WriteFile(filepath.Join(d, "sources.list.d", filepath.Base(p)), []byte(strings.Join(out, "\n")), 0o644); err != nil {
			return fmt.Errorf("the corpus' apt sources: %w", err)
		}
	}
	stamp := filepath.Join(d, "updated")
	if fi, err := os.Stat(stamp); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return nil
	}
	if _, err := run(ctx, "", "apt-get", append(f.aptOptions(), "update")...); err != nil {
		return err
	}
	return os.WriteFile(stamp, nil, 0o644)
}

// run runs a command and returns its standard output; a failure carries
// the tail of its standard error.
func run(ctx context.Context, dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}

func fileSHA256(p string) (string, error) {
	r, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("the fetched archive %s is missing: %w", filepath.Base(p), err)
		}
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(r, MaxArchiveSize+1)); err != nil {
		return "", fmt.Errorf("hashing %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
