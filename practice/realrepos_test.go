package practice_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/ingest"
	"glassbox.dev/internal/centretest"
	"glassbox.dev/practice"
)

// repo is a real project kept as a git bundle in testdata/repos.
type repo struct {
	Name   string `json:"name"`
	Tag    string `json:"tag"`
	Bundle string `json:"bundle"`
	Commit string `json:"commit"`
}

type expectation struct {
	Status string `json:"status"`
	Why    string `json:"why"`
}

// submitRepo submits a real project's tag from its bundle, as a vendor
// would submit its git repository, and returns the release and its
// recorded history.
func submitRepo(t testing.TB, r repo) (*glassbox.Release, *glassbox.GitHistory, practice.Input) {
	t.Helper()
	clone := filepath.Join(t.TempDir(), "repo.git")
	if out, err := exec.Command("git", "clone", "--quiet", "--bare", filepath.Join("testdata", "repos", r.Bundle), clone).CombinedOutput(); err != nil {
		t.Fatalf("clone %s: %v\n%s", r.Bundle, err, out)
	}
	blobs, db := centretest.Stores(t, t.TempDir())
	in := &ingest.Ingester{Blobs: blobs, Releases: db}
	version := strings.TrimPrefix(r.Tag[strings.LastIndex(r.Tag, "/")+1:], "v")
	res, err := in.Submit(t.Context(), ingest.Request{Product: r.Name, Version: version, GitRepo: clone, GitRef: r.Tag})
	if err != nil {
		t.Fatalf("submit %s@%s: %v", r.Name, r.Tag, err)
	}
	rel := res.Release
	if rel.Manifest.Source.Commit != r.Commit {
		t.Fatalf("%s %s resolved to %s, want %s", r.Name, r.Tag, rel.Manifest.Source.Commit, r.Commit)
	}
	h := rel.Manifest.Source.History
	if h == nil {
		t.Fatalf("%s: no history recorded", r.Name)
	}
	rc, err := blobs.Open(t.Context(), h.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var hist glassbox.GitHistory
	if err := json.NewDecoder(rc).Decode(&hist); err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context, d glassbox.Digest) (io.ReadCloser, error) { return blobs.Open(ctx, d) }
	return rel, &hist, practice.Input{Release: rel, Open: open, History: &hist}
}

func loadRepos(t testing.TB) ([]repo, map[string]map[string]expectation) {
	t.Helper()
	var repos []repo
	var expected map[string]map[string]expectation
	for name, v := range map[string]any{"repos.json": &repos, "expected.json": &expected} {
		b, err := os.ReadFile(filepath.Join("testdata", "repos", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return repos, expected
}

// TestRealRepositories decides every check on five real projects and
// compares with the results established by hand (docs/osps-real-repos.md).
func TestRealRepositories(t *testing.T) {
	repos, expected := loadRepos(t)
	if len(repos) < 5 {
		t.Fatalf("%d repositories in testdata/repos, want 5", len(repos))
	}
	actual := map[string]map[string]practice.Result{}
	if out := os.Getenv("GLASSBOX_PRACTICE_ACTUAL"); out != "" {
		// Writes what glassbox decided, for docs/osps-real-repos.md.
		defer func() {
			b, _ := json.MarshalIndent(actual, "", "  ")
			if err := os.WriteFile(out, b, 0o644); err != nil {
				t.Error(err)
			}
		}()
	}
	for _, r := range repos {
		t.Run(strings.ReplaceAll(r.Name, "/", "_"), func(t *testing.T) {
			_, _, in := submitRepo(t, r)
			in.Vulns = nil // no vulnerability match here: repo.vex-shipped is not assessed
			rep, err := practice.Run(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			actual[r.Name] = map[string]practice.Result{}
			for _, res := range rep.Results {
				actual[r.Name][res.Check] = res
			}
			want := expected[r.Name]
			if len(want) != len(glassbox.RepositoryChecks) {
				t.Errorf("expected.json has %d checks for %s, want %d", len(want), r.Name, len(glassbox.RepositoryChecks))
			}
			for _, res := range rep.Results {
				w, ok := want[res.Check]
				if !ok {
					t.Errorf("%s: no hand-verified result", res.Check)
					continue
				}
				if string(res.Status) != w.Status {
					t.Errorf("%s: %s (%s), by hand %s (%s)", res.Check, res.Status, res.Summary, w.Status, w.Why)
				}
			}
		})
	}
}
