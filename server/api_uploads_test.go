package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/server"
)

// TestInterruptedUploadResumes: a connection that drops in the middle of
// an upload leaves what arrived; the client asks where to resume, sends
// the rest, and the release it submits is the whole archive. The upload is
// gone once the submission takes it; a submission the centre refuses
// leaves no release.
func TestInterruptedUploadResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a centre with a log")
	}
	m := newMatrixCentre(t)
	m.url = newServer(t, m.handler(t))
	archive := fixtureArchive(t, "vendor-a/router", 2<<20) // a source archive of about 2 MiB
	code, b := m.call(t, vendorA, "POST", "/api/v1/uploads", nil)
	if code != 201 {
		t.Fatalf("start upload: %d %s", code, b)
	}
	var up server.Upload
	json.Unmarshal(b, &up)

	// Half the body, then the connection drops.
	half := len(archive) / 2
	u, _ := url.Parse(m.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: %d\r\n\r\n", up.ID, u.Host, m.secrets[vendorA], len(archive))
	conn.Write(archive[:half])
	conn.Close()

	// The centre says how much it holds; the client sends the rest.
	var held server.Upload
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, b = m.call(t, vendorA, "GET", "/api/v1/uploads/"+up.ID, nil)
		json.Unmarshal(b, &held)
		if code != 200 {
			t.Fatalf("upload state: %d %s", code, b)
		}
		if held.Offset == int64(half) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the server is still reading the dropped request
	}
	if held.Offset != int64(half) {
		t.Fatalf("after the drop the centre holds %d bytes, want the %d that arrived", held.Offset, half)
	}
	req, _ := http.NewRequest("PATCH", m.url+"/api/v1/uploads/"+up.ID, bytes.NewReader(archive[half:]))
	req.Header.Set("Authorization", "Bearer "+m.secrets[vendorA])
	req.Header.Set("Upload-Offset", strconv.Itoa(half))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("resume: %s", resp.Status)
	}
	// Sending from a wrong offset is a conflict that names the right one.
	req, _ = http.NewRequest("PATCH", m.url+"/api/v1/uploads/"+up.ID, bytes.NewReader([]byte("x")))
	req.Header.Set("Authorization", "Bearer "+m.secrets[vendorA])
	req.Header.Set("Upload-Offset", "0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 409 || resp.Header.Get("Upload-Offset") != strconv.Itoa(len(archive)) {
		t.Fatalf("PATCH at a wrong offset: %s, Upload-Offset %q", resp.Status, resp.Header.Get("Upload-Offset"))
	}

	code, b = m.call(t, vendorA, "POST", "/api/v1/releases", server.SubmitRequest{Product: "vendor-a/router", Version: "2.0.0", Source: up.ID})
	if code != 201 {
		t.Fatalf("submit: %d %s", code, b)
	}
	var sub struct {
		Release struct {
			Manifest struct {
				Source struct {
					Archive struct{ Size int64 }
				}
			}
		}
	}
	json.Unmarshal(b, &sub)
	if sub.Release.Manifest.Source.Archive.Size != int64(len(archive)) {
		t.Fatalf("the release's archive is %d bytes, want %d", sub.Release.Manifest.Source.Archive.Size, len(archive))
	}
	if code, _ := m.call(t, vendorA, "GET", "/api/v1/uploads/"+up.ID, nil); code != 404 {
		t.Fatalf("the upload outlived its submission: %d", code)
	}

	// Garbage refused: no release, and the upload is kept for a retry.
	code, b = m.call(t, vendorA, "POST", "/api/v1/uploads", nil)
	json.Unmarshal(b, &up)
	req, _ = http.NewRequest("PATCH", m.url+"/api/v1/uploads/"+up.ID, bytes.NewReader([]byte("not an archive at all")))
	req.Header.Set("Authorization", "Bearer "+m.secrets[vendorA])
	req.Header.Set("Upload-Offset", "0")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, b = m.call(t, vendorA, "POST", "/api/v1/releases", server.SubmitRequest{Product: "vendor-a/router", Version: "3.0.0", Source: up.ID})
	if code != 400 {
		t.Fatalf("submit of garbage: %d %s, want 400", code, b)
	}
	if rels, err := m.c.Store.FindReleases(t.Context(), glassbox.ReleaseFilter{Product: "vendor-a/router", Version: "3.0.0"}); err != nil || len(rels) != 0 {
		t.Fatalf("a refused submission left a release: %v %v", rels, err)
	}
	if code, b := m.call(t, vendorA, "GET", "/api/v1/uploads/"+up.ID, nil); code != 200 || !bytes.Contains(b, []byte(`"offset":21`)) {
		t.Errorf("after a refused submission the upload is %d %s; want it whole", code, b)
	}

	// A submission refused after the store took the archive in (its
	// version is taken) leaves the upload whole too: submitted again
	// under a free version, it is the release.
	other := fixtureArchive(t, "vendor-a/router", 1<<20)
	code, b = m.call(t, vendorA, "POST", "/api/v1/uploads", nil)
	var up2 server.Upload
	json.Unmarshal(b, &up2)
	req, _ = http.NewRequest("PATCH", m.url+"/api/v1/uploads/"+up2.ID, bytes.NewReader(other))
	req.Header.Set("Authorization", "Bearer "+m.secrets[vendorA])
	req.Header.Set("Upload-Offset", "0")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, b = m.call(t, vendorA, "POST", "/api/v1/releases", server.SubmitRequest{Product: "vendor-a/router", Version: "2.0.0", Source: up2.ID}); code != 409 {
		t.Fatalf("submit under a taken version: %d %s, want 409", code, b)
	}
	if code, b = m.call(t, vendorA, "POST", "/api/v1/releases", server.SubmitRequest{Product: "vendor-a/router", Version: "4.0.0", Source: up2.ID}); code != 201 {
		t.Fatalf("the same upload under a free version: %d %s", code, b)
	}
	json.Unmarshal(b, &sub)
	if sub.Release.Manifest.Source.Archive.Size != int64(len(other)) {
		t.Fatalf("the release's archive is %d bytes, want %d", sub.Release.Manifest.Source.Archive.Size, len(other))
	}

	entries, _ := os.ReadDir(filepath.Join(m.c.Data, "uploads"))
	for _, e := range entries {
		if e.Name() != up.ID {
			t.Errorf("the upload area holds %s after the submissions", e.Name())
		}
	}
}
