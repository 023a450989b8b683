package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

const (
	secretToken    = "tok-5ecret-7f3a"
	secretPassword = "pw-5ecret-91c2"
)

// subcommands reads the command names that a --help output lists.
func subcommands(help string) []string {
	var names []string
	_, list, ok := strings.Cut(help, "Available Commands:\n")
	if !ok {
		return nil
	}
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			break
		}
		if f[0] != "help" && f[0] != "completion" {
			names = append(names, f[0])
		}
	}
	return names
}

// No --help of any command prints a secret the environment holds.
func TestHelpShowsNoSecrets(t *testing.T) {
	t.Setenv("GLASSBOX_TOKEN", secretToken)
	t.Setenv("GLASSBOX_DB", "postgres://alice:"+secretPassword+"@127.0.0.1:1/glassbox")
	queue := [][]string{nil}
	seen := 0
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		code, out, errOut := glassboxRun(t, append(append([]string{}, path...), "--help")...)
		if code != exitOK {
			t.Errorf("glassbox %s --help: exit %d: %s", strings.Join(path, " "), code, errOut)
		}
		seen++
		if strings.Contains(out+errOut, secretToken) || strings.Contains(out+errOut, secretPassword) {
			t.Errorf("glassbox %s --help prints a secret from the environment:\n%s", strings.Join(path, " "), out)
		}
		for _, sub := range subcommands(out) {
			queue = append(queue, append(append([]string{}, path...), sub))
		}
	}
	if seen < 20 {
		t.Errorf("looked at %d commands' help; the walk missed most of them", seen)
	}
}

// A database URL is never printed with its password, whether it comes
// from the environment or the flag.
func TestDatabasePasswordNeverPrinted(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		env  string
		args []string
	}{
		{"server that refuses", "postgres://alice:" + secretPassword + "@127.0.0.1:1/glassbox?connect_timeout=5", []string{"releases"}},
		{"flag, not a postgres URL", "", []string{"--db", "mysql://alice:" + secretPassword + "@127.0.0.1/glassbox", "releases"}},
		{"flag, a key=value string", "", []string{"--db", "host=127.0.0.1 password=" + secretPassword, "releases"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GLASSBOX_DB", tc.env)
			code, out, errOut := glassboxRun(t, append([]string{"--data", data}, tc.args...)...)
			if code == exitOK {
				t.Fatalf("exit 0 with an unusable database: %s", out)
			}
			if strings.Contains(out+errOut, secretPassword) {
				t.Errorf("the password is printed: %s", errOut)
			}
		})
	}
}

// serve --token-file: the token in the file is the one POST /attestations
// takes; --token warns that ps shows it.
func TestServeTokenFile(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "--data", data, "keys", "generate", "--origin", "secrets.test/log")
	file := writeFile(t, filepath.Join(t.TempDir(), "token"), []byte(secretToken+"\n"))
	t.Setenv("GLASSBOX_TOKEN", "")

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data", data, "serve", "--listen", "127.0.0.1:0", "--token-file", file}, strings.NewReader(""), io.Discard, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var base string
	for lines.Scan() {
		if strings.Contains(lines.Text(), secretToken) {
			t.Errorf("serve printed the token: %s", lines.Text())
		}
		if _, url, ok := strings.Cut(lines.Text(), " on http://"); ok {
			base = "http://" + url
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatalf("serve exited before listening: %d", <-done)
	}
	for _, tc := range []struct {
		token string
		want  int
	}{{secretToken, http.StatusBadRequest}, {"wrong", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(http.MethodPost, base+"/attestations", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// The right token gets as far as the (empty) request; a wrong one
		// does not.
		if resp.StatusCode != tc.want {
			t.Errorf("POST with token %q: %s; want %d", tc.token, resp.Status, tc.want)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve after cancel: exit %d", code)
	}

	code, _, errOut := glassboxRun(t, "--data", data, "serve", "--token-file", file, "--token", "x")
	if code != exitError || !strings.Contains(errOut, "not both") {
		t.Errorf("--token-file with --token: exit %d: %s", code, errOut)
	}
}
