package rebuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/evidence"
)

// store puts contents into a real evidence store and returns it with the
// files of a source tree naming them.
func store(t *testing.T, contents map[string]string, modes map[string]string) (glassbox.BlobStore, []glassbox.File) {
	t.Helper()
	fs, err := evidence.OpenFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	ctx := context.Background()
	var files []glassbox.File
	for p, c := range contents {
		mode := modes[p]
		if mode == "" {
			mode = glassbox.ModeRegular
		}
		f := glassbox.File{Path: p, Size: int64(len(c)), Mode: mode, Digest: glassbox.DigestOf([]byte(c))}
		if mode == glassbox.ModeSymlink {
			f.Target = c
		} else {
			sb, err := fs.Stage(ctx, strings.NewReader(c))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fs.Commit(ctx, sb); err != nil {
				t.Fatal(err)
			}
		}
		files = append(files, f)
	}
	glassbox.SortFiles(files)
	return fs, files
}

func TestMaterialiseAndBuild(t *testing.T) {
	blobs, files := store(t,
		map[string]string{
			"build.sh":       "#!/bin/sh\nmkdir -p dist && cat src/msg.txt > dist/out\n",
			"src/msg.txt":    "materialised\n",
			"src/link.txt":   "msg.txt",
			"docs/readme.md": "# x\n",
		},
		map[string]string{"build.sh": glassbox.ModeExecutable, "src/link.txt": glassbox.ModeSymlink})
	dir := filepath.Join(t.TempDir(), "work")
	if err := Materialise(context.Background(), blobs, files, dir); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "build.sh")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("build.sh: %v %v", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Join(dir, "src/msg.txt")); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("msg.txt: %v %v", st.Mode(), err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "src/link.txt")); err != nil || target != "msg.txt" {
		t.Fatalf("link: %q %v", target, err)
	}
	if err := Materialise(context.Background(), blobs, files, dir); err == nil {
		t.Error("materialising into a directory that is not empty was allowed")
	}

	needBwrap(t)
	r := &Recipe{Build: []string{"./build.sh"}, Artifacts: map[string]string{"out": "dist/out"}}
	out, err := Run(context.Background(), Spec{Recipe: r, Dir: dir})
	if err != nil || !out.Succeeded() {
		t.Fatalf("%v %+v", err, out)
	}
	paths, err := Collect(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(paths["out"]); string(b) != "materialised\n" {
		t.Fatalf("artefact holds %q", b)
	}
}

func TestMaterialiseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		contents map[string]string
		modes    map[string]string
		want     string
	}{
		{"link out by ..", map[string]string{"a/l": "../../etc"}, map[string]string{"a/l": glassbox.ModeSymlink}, "points out of the source tree"},
		{"absolute link", map[string]string{"l": "/etc/passwd"}, map[string]string{"l": glassbox.ModeSymlink}, "points out of the source tree"},
		{"path beneath a link", map[string]string{"l": "d", "l/x": "x", "d/y": "y"}, map[string]string{"l": glassbox.ModeSymlink}, "beneath the symbolic link"},
		{"dotdot path", map[string]string{"../x": "x"}, nil, ".. element"},
		{"bad mode", map[string]string{"x": "x"}, map[string]string{"x": "100777"}, "mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blobs, files := store(t, tc.contents, tc.modes)
			parent := t.TempDir()
			err := Materialise(context.Background(), blobs, files, filepath.Join(parent, "work"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("got %v, want an invalid error containing %q", err, tc.want)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Errorf("something was written beside the work directory: %v", entries)
			}
		})
	}
	t.Run("size mismatch", func(t *testing.T) {
		blobs, files := store(t, map[string]string{"x": "content"}, nil)
		files[0].Size = 3
		err := Materialise(context.Background(), blobs, files, t.TempDir())
		if glassbox.ErrorCode(err) != glassbox.ECORRUPT {
			t.Fatalf("got %v", err)
		}
	})
}

func TestCollectRefuses(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "dist", "subdir"), 0o755)
	os.WriteFile(filepath.Join(dir, "dist", "ok"), []byte("ok"), 0o755)
	os.Symlink("ok", filepath.Join(dir, "dist", "link"))
	os.Symlink(outside, filepath.Join(dir, "escape"))
	os.Symlink("dist", filepath.Join(dir, "inside"))
	for _, tc := range []struct{ path, want string }{
		{"dist/link", "is a symbolic link"},
		{"escape/secret", "outside the work directory"},
		{"dist/subdir", "not a regular file"},
		{"dist/missing", "did not produce"},
	} {
		r := &Recipe{Build: []string{"true"}, Artifacts: map[string]string{"a": tc.path}}
		if _, err := Collect(dir, r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.path, err, tc.want)
		}
	}
	// A link in a parent that stays inside the work directory is fine.
	r := &Recipe{Build: []string{"true"}, Artifacts: map[string]string{"a": "inside/ok"}}
	paths, err := Collect(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(paths["a"]); !bytes.Equal(b, []byte("ok")) {
		t.Errorf("collected %q", b)
	}
}
