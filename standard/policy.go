package standard

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// PolicyBase is the URI prefix of the policies glassbox evaluates
// against: one per standard, named with the catalog's version.
const PolicyBase = "https://glassbox.dev/policy/"

// Policy identifies what an assessment judged against, for the policy of a
// SLSA Verification Summary Attestation.
type Policy struct {
	// URI names the standards and their catalog versions, e.g.
	// https://glassbox.dev/policy/cra-annex-i@1.0.0 or, for several,
	// https://glassbox.dev/policy/cra-annex-i@1.0.0+osps-l1@2026-07-07-b834f71.
	URI string `json:"uri"`
	// Version is the catalog version when one standard is selected, and
	// the versions joined with "+" otherwise.
	Version string `json:"version"`
	// Digest is the SHA-256 (hex) of every selected catalog and mapping,
	// so that the policy names exact content, not just a version string.
	Digest string `json:"digest"`
}

// Policy returns the policy that an assessment against the selected
// standards follows.
func (l *Library) Policy(standards []string) (Policy, error) {
	sels, err := l.Select(standards)
	if err != nil {
		return Policy{}, err
	}
	return policyOf(l, sels), nil
}

func policyOf(l *Library, sels []*Selection) Policy {
	var names, versions []string
	h := sha256.New()
	for _, s := range sels {
		// A user catalog's version is free text; the URI must stay one.
		names = append(names, s.ID+"@"+url.PathEscape(s.Catalog.Version))
		versions = append(versions, s.Catalog.Version)
		for _, part := range [][]byte{[]byte(s.ID), s.Catalog.JSON, l.mappingFiles[s.Catalog.ID]} {
			// Length-prefixed, so that no two selections hash alike.
			var n [8]byte
			for i, v := 0, len(part); i < 8; i, v = i+1, v>>8 {
				n[i] = byte(v)
			}
			h.Write(n[:])
			h.Write(part)
		}
	}
	return Policy{
		URI:     PolicyBase + strings.Join(names, "+"),
		Version: strings.Join(versions, "+"),
		Digest:  hex.EncodeToString(h.Sum(nil)),
	}
}
