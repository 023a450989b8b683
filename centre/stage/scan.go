package stage

import (
	"context"
	"encoding/json"

	"glassbox.dev"
	"glassbox.dev/scan"
	_ "glassbox.dev/scan/rules/all" // a release is scanned with every rule family
)

// ScanOptions are a scan's settings; the zero value is the centre's scan.
type ScanOptions struct {
	// Suppressions are audited exceptions, applied to the findings.
	Suppressions []scan.Suppression
	// MaxFileSize, IncludeVendored and Workers are scan.Scanner's. A scan
	// with another MaxFileSize or with vendored code is a variant: it is
	// not recorded as the release's evidence, nor taken from it.
	MaxFileSize     int64
	IncludeVendored bool
	Workers         int
}

// variant reports whether the options change what is scanned.
func (o ScanOptions) variant() bool {
	return (o.MaxFileSize != 0 && o.MaxFileSize != scan.DefaultMaxFileSize) || o.IncludeVendored
}

// Scanned is what the scan job established.
type Scanned struct {
	Result *scan.Result
	Digest glassbox.Digest // the result's, recorded as KindScanResult; empty for a variant
	// SARIF is the SARIF 2.1.0 of the result, recorded as KindScanSARIF.
	SARIF       []byte
	SARIFDigest glassbox.Digest
	Reused      bool
}

// Scan runs every registered analyser over the release's source and
// artefacts, straight from the evidence store, or returns the scan stored
// for the release with the same suppressions, if it is of the current
// format (scan.ResultFormat).
func (j *Jobs) Scan(ctx context.Context, o ScanOptions) (*Scanned, error) {
	if !o.variant() {
		var res scan.Result
		d, reused, err := j.storedJSON(ctx, KindScanResult, &res)
		if err != nil {
			return nil, err
		}
		if reused && res.Format >= scan.ResultFormat && sameSuppressions(&res, o.Suppressions) {
			out := &Scanned{Result: &res, Digest: d, Reused: true}
			out.SARIF, out.SARIFDigest = j.storedDoc(ctx, KindScanSARIF)
			return out, nil
		}
	}
	s := &scan.Scanner{Analyzers: scan.Analyzers(), Suppressions: o.Suppressions,
		MaxFileSize: o.MaxFileSize, IncludeVendored: o.IncludeVendored, Workers: o.Workers}
	if len(s.Analyzers) == 0 {
		// A scan with no rule would pass everything.
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "no analyser is registered: link glassbox.dev/scan/rules/all")
	}
	res, err := s.ScanFiles(ctx, scan.ReleaseFiles(ctx, j.Blobs, j.Release))
	if err != nil {
		return nil, err
	}
	sarif, err := scan.SARIF(res)
	if err != nil {
		return nil, err
	}
	out := &Scanned{Result: res, SARIF: sarif}
	if o.variant() {
		return out, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "scan result: %w", err)
	}
	if out.Digest, err = j.keep(ctx, KindScanResult, b); err != nil {
		return nil, err
	}
	if out.SARIFDigest, err = j.keep(ctx, KindScanSARIF, sarif); err != nil {
		return nil, err
	}
	return out, nil
}

// sameSuppressions reports whether a stored result was reached with the
// suppressions want: those it applied and those it found unused.
func sameSuppressions(res *scan.Result, want []scan.Suppression) bool {
	had := map[scan.Suppression]bool{}
	for _, f := range res.Findings {
		if f.Suppression != nil {
			had[*f.Suppression] = true
		}
	}
	for _, s := range res.UnusedSuppressions {
		had[s] = true
	}
	wanted := map[scan.Suppression]bool{}
	for _, s := range want {
		wanted[s] = true
	}
	if len(had) != len(wanted) {
		return false
	}
	for s := range wanted {
		if !had[s] {
			return false
		}
	}
	return true
}
