package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// submitSmall stores a small release and returns the data directory and
// the release id.
func submitSmall(t *testing.T) (string, string) {
	t.Helper()
	data, src := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(mustRun(t, append(dataArgs(t, data), "submit", "--product", "acme/router", "--version", "1.4.2", "--source", src)...))
	return data, id
}

// A judgement is recorded with who, when and why, a newer one supersedes
// it, and --list shows both, the old one marked.
func TestJudgeRoundTrip(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	out := mustRun(t, append(d, "judge", id, "I.1", "--satisfied", "--note", "risk assessment v3 reviewed", "--evaluator", "alice")...)
	if !strings.Contains(out, "cra-annex-i I.1") || !strings.Contains(out, "judged satisfied by alice") {
		t.Errorf("judge printed %q", out)
	}
	// By label, in a catalog named explicitly; the evaluator from $USER.
	t.Setenv("USER", "bob")
	mustRun(t, append(d, "judge", "acme/router@1.4.2", "5.4-1", "--catalog", "en-303-645", "--not-satisfied", "--note", "keys in flash unencrypted")...)
	out = mustRun(t, append(d, "judge", id[:20], "I.1", "--not-satisfied", "--note", "omits the update server", "--evaluator", "carol")...)
	if !strings.Contains(out, "supersedes the judgement satisfied by alice") {
		t.Errorf("a superseding judgement printed %q", out)
	}

	var rows []struct {
		Catalog, Control, Note, Evaluator string
		Satisfied, Superseded             bool
		At                                string
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(d, "judge", id, "--list", "--json")...)), &rows); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		catalog, control, evaluator string
		satisfied, superseded       bool
	}{
		{"cra-annex-i", "I.1", "alice", true, true},
		{"en-303-645", "en-5.4-1", "bob", false, false},
		{"cra-annex-i", "I.1", "carol", false, false},
	}
	if len(rows) != len(want) {
		t.Fatalf("judge --list --json = %+v; want %d rows", rows, len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.Catalog != w.catalog || r.Control != w.control || r.Evaluator != w.evaluator || r.Satisfied != w.satisfied || r.Superseded != w.superseded || r.At == "" || r.Note == "" {
			t.Errorf("row %d = %+v; want %+v", i, r, w)
		}
	}
	text := mustRun(t, append(d, "judge", id, "--list")...)
	if !strings.Contains(text, "satisfied (superseded)") || !strings.Contains(text, "keys in flash unencrypted") {
		t.Errorf("judge --list printed\n%s", text)
	}
}

func TestJudgeRefuses(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown control", []string{"judge", id, "X.9", "--satisfied", "--note", "n", "--evaluator", "a"}, exitRefused, "no control \"X.9\" in catalog cra-annex-i, en-303-645, osps-baseline"},
		{"unknown control in a catalog", []string{"judge", id, "I.1", "--catalog", "en-303-645", "--satisfied", "--note", "n", "--evaluator", "a"}, exitRefused, "no control \"I.1\" in catalog en-303-645"},
		{"unknown catalog", []string{"judge", id, "I.1", "--catalog", "iso-27001", "--satisfied", "--note", "n", "--evaluator", "a"}, exitRefused, "no catalog \"iso-27001\""},
		{"control with sub-controls", []string{"judge", id, "OSPS-AC-01", "--satisfied", "--note", "n", "--evaluator", "a"}, exitRefused, "sub-controls"},
		{"unknown release", []string{"judge", "acme/router@9", "I.1", "--satisfied", "--note", "n", "--evaluator", "a"}, exitRefused, "no release"},
		{"both verdicts", []string{"judge", id, "I.1", "--satisfied", "--not-satisfied", "--note", "n"}, exitError, "exactly one"},
		{"no verdict", []string{"judge", id, "I.1", "--note", "n"}, exitError, "exactly one"},
		{"no note", []string{"judge", id, "I.1", "--satisfied"}, exitError, "--note is required"},
		{"no control", []string{"judge", id, "--satisfied", "--note", "n"}, exitError, "CONTROL"},
		{"list with a verdict", []string{"judge", id, "--list", "--satisfied"}, exitError, "--list takes only RELEASE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := glassboxRun(t, append(d, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tc.code, tc.want)
			}
		})
	}
	if out := mustRun(t, append(d, "judge", id, "--list")...); !strings.Contains(out, "no judgements") {
		t.Errorf("after refusals, judge --list printed %q", out)
	}
}

// A worksheet of judgements is checked whole, then recorded.
func TestJudgeFromFile(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("- control: I.1\n  satisfied: true\n  note: ok\n- control: I.9\n  satisfied: true\n  note: typo\n"), 0o644)
	if code, _, errOut := glassboxRun(t, append(d, "judge", id, "--from", bad, "--evaluator", "alice")...); code != exitRefused || !strings.Contains(errOut, "judgement 2") {
		t.Errorf("a worksheet with an unknown control: exit %d, %q", code, errOut)
	}
	if out := mustRun(t, append(d, "judge", id, "--list")...); !strings.Contains(out, "no judgements") {
		t.Errorf("a refused worksheet recorded something:\n%s", out)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("- control: I.1\n  satisfied: true\n  note: risk assessment reviewed\n- catalog: en-303-645\n  control: \"5.2-1\"\n  satisfied: false\n  note: no disclosure policy published\n"), 0o644)
	if out := mustRun(t, append(d, "judge", id, "--from", good, "--evaluator", "alice")...); !strings.Contains(out, "recorded 2 judgements on acme/router@1.4.2 by alice") {
		t.Errorf("judge --from printed %q", out)
	}
	out := mustRun(t, append(d, "judge", id, "--list")...)
	if !strings.Contains(out, "en-5.2-1") || !strings.Contains(out, "no disclosure policy published") {
		t.Errorf("judge --list after --from:\n%s", out)
	}
}
