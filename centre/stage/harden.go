package stage

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"

	"glassbox.dev"
	"glassbox.dev/harden"
)

// KindHardeningReport is the exploit mitigations of the shipped programs.
const KindHardeningReport = "hardening/report"

// HardeningFormat is the version of the hardening report: raise it when
// package harden reads something new, so an older report is not reused.
const HardeningFormat = 1

// Hardening is what the shipped ELF programs were built with.
type Hardening struct {
	Format   int              `json:"format"`
	Programs []harden.Program `json:"programs"`
	// Other are the artefacts that are not ELF programs.
	Other []string `json:"other,omitempty"`
}

// Hardening reads the exploit mitigations of every shipped ELF program,
// or returns the report stored for the release.
func (j *Jobs) Hardening(ctx context.Context) (*Hardening, glassbox.Digest, bool, error) {
	var stored Hardening
	d, reused, err := j.storedJSON(ctx, KindHardeningReport, &stored)
	if err != nil {
		return nil, "", false, err
	}
	if reused && stored.Format == HardeningFormat {
		return &stored, d, true, nil
	}
	out := &Hardening{Format: HardeningFormat, Programs: []harden.Program{}}
	if len(j.Release.Manifest.Artifacts) > 0 {
		dir, err := j.artifacts(ctx)
		if err != nil {
			return nil, "", false, err
		}
		for _, a := range j.Release.Manifest.Artifacts {
			if a.Mode == glassbox.ModeSymlink {
				continue
			}
			p, err := harden.Read(filepath.Join(dir, filepath.FromSlash(a.Path)), a.Path, a.Digest)
			switch {
			case errors.Is(err, harden.ErrNotELF):
				out.Other = append(out.Other, a.Path)
			case err != nil:
				return nil, "", false, glassbox.Errorf(glassbox.EINVALID, "%v", err)
			default:
				out.Programs = append(out.Programs, *p)
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, "", false, glassbox.Errorf(glassbox.EINTERNAL, "hardening report: %w", err)
	}
	if d, err = j.keep(ctx, KindHardeningReport, b); err != nil {
		return nil, "", false, err
	}
	return out, d, false, nil
}
