package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A vendor's ICS is checked against the catalog and stored as canonical
// JSON evidence of the release, which cat prints and show lists; a
// statement that contradicts the catalog is refused and nothing is stored.
func TestICSSubmitAndShow(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	tmpl := mustRun(t, "ics", "template")
	if !strings.Contains(tmpl, `"5.1-1":`) || !strings.Contains(tmpl, "TS 103 701 test group 5.13-1B") {
		t.Errorf("ics template printed\n%.400s", tmpl)
	}
	example, err := os.ReadFile("../../examples/hello/ics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ name, old, new, want string }{
		{"unknown provision", `  "5.1-1":`, `  "5.1-9":`, `provision "5.1-9" is not a provision of en-303-645`},
		{"mandatory not applicable", "  \"5.13-1A\":\n    support: yes", "  \"5.13-1A\":\n    support: not-applicable", "provision 5.13-1A: is mandatory for every product and cannot be not-applicable"},
	} {
		bad := filepath.Join(dir, "bad.yaml")
		os.WriteFile(bad, []byte(strings.Replace(string(example), tc.old, tc.new, 1)), 0o644)
		code, _, errOut := glassboxRun(t, append(d, "ics", "submit", id, bad)...)
		if code != exitRefused || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, bad) {
			t.Errorf("%s: exit %d, %q; want exit %d naming the file and saying %q", tc.name, code, errOut, exitRefused, tc.want)
		}
	}
	if code, _, errOut := glassboxRun(t, append(d, "ics", "show", id)...); code != exitRefused || !strings.Contains(errOut, "has no ICS") {
		t.Errorf("after refusals, ics show: exit %d, %q; want no ICS stored", code, errOut)
	}

	good := filepath.Join(dir, "ics.yaml")
	os.WriteFile(good, example, 0o644)
	var sub struct {
		Digest, Kind, Standard string
		Answered, Of           int
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(d, "ics", "submit", id, good, "--json")...)), &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Kind != "vendor/ics" || sub.Standard != "en-303-645" || sub.Answered != 78 || sub.Of != 78 || !strings.HasPrefix(sub.Digest, "sha256:") {
		t.Errorf("ics submit --json = %+v", sub)
	}
	stored := mustRun(t, append(d, "cat", sub.Digest)...)
	if !strings.HasPrefix(stored, `{"features":{`) || !strings.Contains(stored, `"name":"hello"`) || !strings.Contains(stored, `"intended_use":`) {
		t.Errorf("cat %s printed %.300s; want the canonical JSON", sub.Digest, stored)
	}
	out := mustRun(t, append(d, "ics", "show", "acme/router@1.4.2")...)
	if !strings.Contains(out, sub.Digest) || !strings.Contains(out, "product hello by Example Vendor") || !strings.Contains(out, "5.3-4A") {
		t.Errorf("ics show printed\n%s", out)
	}
}
