package stage

import (
	"context"
	"encoding/json"

	"glassbox.dev"
	"glassbox.dev/provenance"
)

// Compared is what the provenance job established.
type Compared struct {
	Report *provenance.Report
	Digest glassbox.Digest // the report's, recorded as KindProvenanceReport
	Reused bool
}

// Provenance compares the release's source with the git commit it claims
// (provenance.Check), or returns the comparison stored for the release. A
// release that names no git origin is an EINVALID error.
func (j *Jobs) Provenance(ctx context.Context) (*Compared, error) {
	var rep provenance.Report
	d, reused, err := j.storedJSON(ctx, KindProvenanceReport, &rep)
	if err != nil {
		return nil, err
	}
	if reused {
		return &Compared{Report: &rep, Digest: d, Reused: true}, nil
	}
	p, err := provenance.Check(&j.Release.Manifest.Source)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "provenance report: %w", err)
	}
	if d, err = j.keep(ctx, KindProvenanceReport, b); err != nil {
		return nil, err
	}
	return &Compared{Report: p, Digest: d}, nil
}
