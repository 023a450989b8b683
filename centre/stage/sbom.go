package stage

import (
	"context"
	"encoding/json"
	"maps"
	"path"
	"path/filepath"
	"slices"

	"glassbox.dev"
	"glassbox.dev/sbom"
	"glassbox.dev/scan"
)

// Components is what the SBOM job derived, kept as KindSBOMComparison so
// that a later job reuses it.
type Components struct {
	Source    []glassbox.Component            `json:"source"`
	Binaries  map[string][]glassbox.Component `json:"binaries"` // by artefact path: Go binaries only
	Submitted []glassbox.Component            `json:"submitted,omitempty"`
	Findings  []glassbox.Finding              `json:"findings"`
	CycloneDX glassbox.Digest                 `json:"cyclonedx"`
}

// All is every component found, source and binaries, each package URL once.
func (c *Components) All() []glassbox.Component {
	seen := map[string]bool{}
	var out []glassbox.Component
	add := func(cs []glassbox.Component) {
		for _, x := range cs {
			k := x.PURL
			if k == "" {
				k = x.Ecosystem + "/" + x.Name + "@" + x.Version
			}
			if !seen[k] {
				seen[k] = true
				out = append(out, x)
			}
		}
	}
	add(c.Source)
	for _, p := range slices.Sorted(maps.Keys(c.Binaries)) {
		add(c.Binaries[p])
	}
	return out
}

// Shipped is what the release ships (sbom.Shipped): the Go binaries'
// modules stand for its Go components when it ships any, since go.mod
// also names modules only tests and tools need.
func (c *Components) Shipped() []glassbox.Component {
	bins := make([][]glassbox.Component, 0, len(c.Binaries))
	for _, p := range slices.Sorted(maps.Keys(c.Binaries)) {
		bins = append(bins, c.Binaries[p])
	}
	only := Components{Source: sbom.Shipped(c.Source, bins...)}
	return only.All()
}

// SBOM is what the SBOM job established.
type SBOM struct {
	Components *Components
	Digest     glassbox.Digest // the components', recorded as KindSBOMComparison
	// CycloneDX is the CycloneDX 1.6 SBOM of every component, recorded
	// as KindSBOM (its digest is Components.CycloneDX).
	CycloneDX []byte
	Reused    bool
}

// SBOM derives the release's components from its source manifests and
// from each Go binary it ships, compares them with each other and with the
// SBOM the vendor submitted, and writes them as CycloneDX; or returns what
// is stored for the release.
func (j *Jobs) SBOM(ctx context.Context) (*SBOM, error) {
	if j.sbom != nil {
		return j.sbom, nil
	}
	var c Components
	d, reused, err := j.storedJSON(ctx, KindSBOMComparison, &c)
	if err != nil {
		return nil, err
	}
	out := &SBOM{Components: &c, Digest: d, Reused: reused}
	if reused {
		if out.CycloneDX, err = j.read(ctx, c.CycloneDX); err != nil {
			return nil, err
		}
	} else {
		if out.CycloneDX, err = j.deriveComponents(ctx, &c); err != nil {
			return nil, err
		}
		b, err := json.Marshal(c)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "components: %w", err)
		}
		if out.Digest, err = j.keep(ctx, KindSBOMComparison, b); err != nil {
			return nil, err
		}
	}
	j.sbom = out
	return out, nil
}

// deriveComponents reads the components of the release's source, of each
// Go binary it ships and of the SBOM it was submitted with, compares them
// and stores the CycloneDX SBOM.
func (j *Jobs) deriveComponents(ctx context.Context, c *Components) ([]byte, error) {
	m := &j.Release.Manifest
	src, err := j.source(ctx)
	if err != nil {
		return nil, err
	}
	if c.Source, err = sbom.Derive(ctx, src); err != nil {
		return nil, err
	}
	c.Binaries = map[string][]glassbox.Component{}
	if len(m.Artifacts) > 0 {
		arts, err := j.artifacts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range m.Artifacts {
			if a.Mode == glassbox.ModeSymlink {
				continue
			}
			_, comps, err := sbom.ReadBinary(filepath.Join(arts, filepath.FromSlash(a.Path)))
			if err != nil {
				continue // not a Go binary: it has no build information to read
			}
			// Name the binary as the release does, not by where it was
			// unpacked for reading.
			for i := range comps {
				comps[i].Source = scan.ArtifactPrefix + a.Path
			}
			c.Binaries[a.Path] = comps
			c.Findings = append(c.Findings, sbom.CompareBinary(c.Source, comps, "the source's go.mod", scan.ArtifactPrefix+a.Path)...)
		}
	}
	if m.SBOM != nil {
		rc, err := j.Blobs.Open(ctx, m.SBOM.Digest)
		if err != nil {
			return nil, err
		}
		c.Submitted, err = sbom.Read(rc, path.Base(m.SBOM.Path))
		rc.Close()
		if err != nil {
			return nil, err
		}
		if c.Submitted == nil {
			c.Submitted = []glassbox.Component{}
		}
		// Like with like: the SBOM must list what the release ships, and
		// may list what its source declares besides.
		c.Findings = append(c.Findings, sbom.CompareRelease(c.Shipped(), c.All(), c.Submitted, "the centre's derivation", m.SBOM.Path)...)
	}
	doc, err := sbom.CycloneDX(sbom.Subject{Name: m.Product, Version: m.Version}, c.All(), sbom.At(j.Release.SubmittedAt))
	if err != nil {
		return nil, err
	}
	if c.CycloneDX, err = j.keep(ctx, KindSBOM, doc); err != nil {
		return nil, err
	}
	return doc, nil
}
