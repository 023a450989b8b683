package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/centre"
)

const internalBaseline = `{
  "catalog": {
    "uuid": "3c5d7c2e-1f7a-4b8e-9a57-2f0d4c1e8b11",
    "metadata": {"title": "ACME operator baseline", "last-modified": "2026-11-01T00:00:00Z", "version": "2.1", "oscal-version": "1.0.6"},
    "groups": [{"id": "net", "title": "Network", "controls": [
      {"id": "NET-1", "title": "No hidden listeners", "props": [{"name": "label", "value": "N1"}]},
      {"id": "NET-2", "title": "Management plane separated"}
    ]}]
  }
}`

const internalMapping = `catalog: acme-baseline
controls:
  - control: N1
    coverage: automated
    checks:
      - check: scan.no-backdoor-indicators
        satisfied-by: [pass]
    why: Our baseline asks for no listener the analysers flag.
`

// A user's catalog and mapping are checked, stored, listed, shown, and
// judged against like the built-in ones.
func TestCatalogsAddListShow(t *testing.T) {
	data, id := submitSmall(t)
	d := dataArgs(t, data)
	dir := t.TempDir()
	cat := filepath.Join(dir, "acme-baseline.json")
	mapping := filepath.Join(dir, "map.yaml")
	os.WriteFile(cat, []byte(internalBaseline), 0o644)
	os.WriteFile(mapping, []byte(internalMapping), 0o644)

	out := mustRun(t, append(d, "catalogs", "add", cat, "--mapping", mapping)...)
	if !strings.Contains(out, "catalog acme-baseline (ACME operator baseline, version 2.1): 2 controls — 1 automated, 0 supported, 1 manual") {
		t.Errorf("catalogs add printed %q", out)
	}
	mustRun(t, append(d, "catalogs", "add", cat, "--mapping", mapping)...) // the same again: nothing changes

	var rows []centre.CatalogSummary
	if err := json.Unmarshal([]byte(mustRun(t, append(d, "catalogs", "list", "--json")...)), &rows); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, " ") != "cra-annex-i en-303-645 osps-baseline acme-baseline" {
		t.Errorf("catalogs list ids %v", ids)
	}
	if text := mustRun(t, append(d, "catalogs", "list")...); !strings.Contains(text, "osps-l1") || !strings.Contains(text, "acme-baseline") {
		t.Errorf("catalogs list printed\n%s", text)
	}
	show := mustRun(t, append(d, "catalogs", "show", "acme-baseline")...)
	if !strings.Contains(show, "N1") || !strings.Contains(show, "scan.no-backdoor-indicators") || !strings.Contains(show, "https://glassbox.dev/policy/acme-baseline@2.1") {
		t.Errorf("catalogs show printed\n%s", show)
	}
	if oscal := mustRun(t, append(d, "catalogs", "show", "acme-baseline", "--oscal")...); oscal != internalBaseline {
		t.Errorf("catalogs show --oscal is not the stored catalog")
	}
	if show := mustRun(t, append(d, "catalogs", "show", "osps-l1")...); !strings.Contains(show, "OSPS-AC-01.01") || strings.Contains(show, "OSPS-AC-04.02") {
		t.Errorf("catalogs show osps-l1 printed\n%s", show)
	}
	mustRun(t, append(d, "judge", id, "NET-2", "--satisfied", "--note", "separate VLAN", "--evaluator", "dave")...)
	if code, _, errOut := glassboxRun(t, append(d, "judge", id, "NET-9", "--satisfied", "--note", "n", "--evaluator", "a")...); code != exitRefused || !strings.Contains(errOut, "acme-baseline") {
		t.Errorf("judging an unknown control: exit %d, %q; want 1 naming acme-baseline among the catalogs searched", code, errOut)
	}
}

func TestCatalogsAddRefuses(t *testing.T) {
	data := t.TempDir()
	d := dataArgs(t, data)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	good := write("good.json", internalBaseline)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not JSON", []string{write("a.json", "catalog: yes")}, "is not an OSCAL 1.0.6 catalog"},
		{"not a catalog", []string{write("b.json", `{"profile": {}}`)}, "is not an OSCAL 1.0.6 catalog"},
		{"control without title", []string{write("c.json", strings.Replace(internalBaseline, `"title": "No hidden listeners", `, "", 1))}, "is not an OSCAL 1.0.6 catalog"},
		{"duplicate control ids", []string{write("d.json", strings.Replace(internalBaseline, `"id": "NET-2"`, `"id": "NET-1"`, 1))}, `control id "NET-1" appears more than once`},
		{"built-in id", []string{good, "--id", "cra-annex-i"}, "built-in"},
		{"reserved id", []string{good, "--id", "osps-l2"}, "reserved"},
		{"bad id", []string{good, "--id", "ACME Baseline"}, "catalog id"},
		{"mapping names an unknown control", []string{good, "--mapping", write("m1.yaml", "controls:\n  - control: NET-7\n    coverage: manual\n    why: x\n")}, "no control with this id or label"},
		{"mapping names an unknown check", []string{good, "--mapping", write("m2.yaml", "controls:\n  - control: NET-1\n    coverage: automated\n    checks:\n      - check: scan.everything-fine\n        satisfied-by: [pass]\n    why: x\n")}, `unknown check "scan.everything-fine"`},
		{"mapping lets a failure satisfy", []string{good, "--mapping", write("m3.yaml", "controls:\n  - control: NET-1\n    coverage: automated\n    checks:\n      - check: rebuild.reproducible\n        satisfied-by: [fail]\n    why: x\n")}, "only pass and not-applicable"},
		{"mapping with unknown field", []string{good, "--mapping", write("m4.yaml", "controls:\n  - control: NET-1\n    coverage: manual\n    why: x\n    weight: 3\n")}, "not a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := glassboxRun(t, append(append(d, "catalogs", "add"), tc.args...)...)
			if code != exitRefused || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 mentioning %q", code, errOut, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(data, "catalogs", "good.json")); err == nil {
		t.Error("a refused catalog was stored")
	}
	// Other content under a stored id is a conflict.
	mustRun(t, append(d, "catalogs", "add", good)...)
	other := write("good2.json", strings.Replace(internalBaseline, `"version": "2.1"`, `"version": "2.2"`, 1))
	if code, _, errOut := glassboxRun(t, append(d, "catalogs", "add", other, "--id", "good")...); code != exitRefused || !strings.Contains(errOut, "never replaced") {
		t.Errorf("replacing a stored catalog: exit %d, %q", code, errOut)
	}
}
