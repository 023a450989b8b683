package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glassbox.dev/standard/oscal"
)

// The committed catalogs are what their sources generate: nobody edited a
// generated file by hand, and nobody changed a source without running go
// generate. The arguments are those of standard/generate.go.
func TestCommittedCatalogsAreGenerated(t *testing.T) {
	dir := "../../catalogs"
	for _, tc := range []struct {
		out  string
		conv func() (*oscal.CatalogDocument, error)
	}{
		{"cra-annex-i.json", func() (*oscal.CatalogDocument, error) {
			return convertSimple(filepath.Join(dir, "src/cra-annex-i.yaml"))
		}},
		{"en-303-645.json", func() (*oscal.CatalogDocument, error) {
			return convertSimple(filepath.Join(dir, "src/en-303-645.yaml"))
		}},
		{"osps-baseline.json", func() (*oscal.CatalogDocument, error) {
			return convertOSPS(filepath.Join(dir, "src/osps-baseline"), "2026-07-07-b834f71", "2026-07-07T00:00:00Z")
		}},
	} {
		t.Run(tc.out, func(t *testing.T) {
			doc, err := tc.conv()
			if err != nil {
				t.Fatal(err)
			}
			generated, err := encode(doc)
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(filepath.Join(dir, tc.out))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(generated, committed) {
				t.Errorf("%s differs from what its source generates; run go generate in standard/ and commit both", tc.out)
			}
		})
	}
}

// An Annex B status becomes the props the library and the ICS read; a
// status whose letters and keys disagree is refused.
func TestStatusProps(t *testing.T) {
	ps, err := statusProps("MCF (14, e)")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"="+p.Value)
	}
	want := "status=MCF (14, e) obligation=mandatory conditional=true feature-dependent=true condition=14 feature=e"
	if strings.Join(got, " ") != want {
		t.Errorf("props %q; want %q", strings.Join(got, " "), want)
	}
	for _, bad := range []string{"", "X", "MF", "M (a)", "MC (a)", "RF (12)", "MF(a)", "MF (a,b)"} {
		if _, err := statusProps(bad); err == nil {
			t.Errorf("statusProps(%q) accepted", bad)
		}
	}
}
