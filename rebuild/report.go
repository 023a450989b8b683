package rebuild

import (
	"encoding/json"
	"time"

	"glassbox.dev"
)

// BuildType identifies glassbox's rebuilds in SLSA Provenance statements.
const BuildType = "https://glassbox.dev/rebuild/v1"

// BuilderID identifies the rebuilder in SLSA Provenance statements.
const BuilderID = "https://glassbox.dev/rebuilder/v1"

// Report is what one rebuild of a release established. It is kept as
// evidence (JSON in the evidence store) and summarised in an SLSA
// Provenance v1 statement.
type Report struct {
	Release     glassbox.Digest  `json:"release"`
	Recipe      glassbox.Digest  `json:"recipe,omitempty"` // the recipe file; empty for the default Go recipe
	Stabilisers []Stabiliser     `json:"stabilisers,omitempty"`
	StartedOn   time.Time        `json:"started_on"`
	FinishedOn  time.Time        `json:"finished_on"`
	Log         glassbox.Digest  `json:"log,omitempty"`     // the build log, in the evidence store
	Failure     string           `json:"failure,omitempty"` // why the build failed, if it did
	Artifacts   []ArtifactResult `json:"artifacts"`
}

// Reproduced reports whether every shipped artefact was rebuilt, bit for
// bit or after declared normalisations.
func (r *Report) Reproduced() bool {
	if len(r.Artifacts) == 0 {
		return false
	}
	for _, a := range r.Artifacts {
		if a.Verdict != Equivalent && a.Verdict != EquivalentAfter {
			return false
		}
	}
	return true
}

// Provenance returns the SLSA Provenance v1 predicate of a rebuild whose
// report is stored as reportDigest. Its statement's subjects are the
// rebuilt artefacts.
func (r *Report) Provenance(reportDigest glassbox.Digest, toolchain string) json.RawMessage {
	type digestSet map[string]string
	type descriptor struct {
		Name   string    `json:"name,omitempty"`
		URI    string    `json:"uri,omitempty"`
		Digest digestSet `json:"digest,omitempty"`
	}
	hexOf := func(d glassbox.Digest) digestSet { return digestSet{"sha256": d.Hex()} }
	deps := []descriptor{{Name: "release", URI: "glassbox:release:" + string(r.Release), Digest: hexOf(r.Release)}}
	if r.Recipe != "" {
		deps = append(deps, descriptor{Name: "recipe", Digest: hexOf(r.Recipe)})
	}
	if toolchain != "" {
		deps = append(deps, descriptor{Name: "toolchain", URI: toolchain})
	}
	byproducts := []descriptor{{Name: "rebuild-report.json", Digest: hexOf(reportDigest)}}
	if r.Log != "" {
		byproducts = append(byproducts, descriptor{Name: "build.log", Digest: hexOf(r.Log)})
	}
	verdicts := map[string]string{}
	for _, a := range r.Artifacts {
		verdicts[a.Name] = string(a.Verdict)
	}
	pred := map[string]any{
		"buildDefinition": map[string]any{
			"buildType":            BuildType,
			"externalParameters":   map[string]any{"release": r.Release, "stabilisers": r.Stabilisers},
			"internalParameters":   map[string]any{"sandbox": "bubblewrap", "verdicts": verdicts},
			"resolvedDependencies": deps,
		},
		"runDetails": map[string]any{
			"builder": map[string]any{"id": BuilderID},
			"metadata": map[string]any{
				"invocationId": string(reportDigest),
				"startedOn":    r.StartedOn.UTC().Format(time.RFC3339Nano),
				"finishedOn":   r.FinishedOn.UTC().Format(time.RFC3339Nano),
			},
			"byproducts": byproducts,
		},
	}
	b, _ := json.Marshal(pred)
	return b
}
