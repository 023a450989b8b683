package rebuild

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"slices"

	"glassbox.dev"
)

// Verdict is what a rebuild established about one shipped artefact.
type Verdict string

// Verdicts, from the strongest claim to the weakest.
const (
	// Equivalent: the rebuilt artefact is bit for bit the shipped one.
	Equivalent Verdict = "equivalent"
	// EquivalentAfter: they differ only in what declared stabilisers
	// ignore; Result.Stabilisers says which were needed.
	EquivalentAfter Verdict = "equivalent-after-normalisation"
	// Different: they differ in something no declared stabiliser explains.
	Different Verdict = "different"
	// NotRebuildable: the build failed or did not produce the artefact.
	NotRebuildable Verdict = "not-rebuildable"
)

// ArtifactResult is the comparison of one shipped artefact with its rebuild.
type ArtifactResult struct {
	Name        string          `json:"name"`
	Shipped     glassbox.Digest `json:"shipped"`
	Rebuilt     glassbox.Digest `json:"rebuilt,omitempty"`
	Verdict     Verdict         `json:"verdict"`
	Stabilisers []Stabiliser    `json:"stabilisers,omitempty"` // the normalisations the verdict rests on
	Reason      string          `json:"reason,omitempty"`      // why not rebuildable
	Differences []string        `json:"differences,omitempty"` // where and how they differ, most telling first
}

// Explainer says where and how two files differ (the diff package).
type Explainer func(shipped, rebuilt string) ([]string, error)

// Compare judges a rebuilt file against the shipped one: bit for bit
// first; then, if the recipe declared stabilisers, after the fewest of them
// that make the two equal, each one shown necessary; otherwise different,
// with the explainer's account of where.
func Compare(name string, shipped glassbox.Digest, shippedPath, rebuiltPath string, declared []Stabiliser, explain Explainer) (*ArtifactResult, error) {
	res := &ArtifactResult{Name: name, Shipped: shipped}
	rebuilt, err := digestFile(rebuiltPath)
	if err != nil {
		return nil, err
	}
	res.Rebuilt = rebuilt
	if rebuilt == shipped {
		res.Verdict = Equivalent
		return res, nil
	}
	var unnormalised string
	if len(declared) > 0 {
		equal, err := equalUnder(shippedPath, rebuiltPath, declared)
		if err != nil {
			// Judged on its bytes, and the report says why.
			unnormalised = "the declared stabilisers could not be applied: " + err.Error()
		}
		if equal {
			// Drop every stabiliser the equality does not need, so the
			// report names only the normalisations it rests on.
			needed := slices.Clone(declared)
			for i := len(needed) - 1; i >= 0; i-- {
				fewer := slices.Delete(slices.Clone(needed), i, i+1)
				if eq, err := equalUnder(shippedPath, rebuiltPath, fewer); err == nil && eq {
					needed = fewer
				}
			}
			res.Verdict, res.Stabilisers = EquivalentAfter, needed
			return res, nil
		}
	}
	res.Verdict = Different
	if explain != nil {
		if d, err := explain(shippedPath, rebuiltPath); err == nil {
			res.Differences = d
		} else {
			res.Differences = []string{"the differences could not be explained: " + err.Error()}
		}
	}
	if unnormalised != "" {
		res.Differences = append([]string{unnormalised}, res.Differences...)
	}
	return res, nil
}

// equalUnder reports whether two files are equal after the stabilisers; an
// artefact that cannot be normalised (corrupt, or a bomb) is not equal,
// and the error says why.
func equalUnder(a, b string, stab []Stabiliser) (bool, error) {
	da, err := normaliseFile(a, stab)
	if err != nil {
		return false, fmt.Errorf("the shipped artefact: %w", err)
	}
	db, err := normaliseFile(b, stab)
	if err != nil {
		return false, fmt.Errorf("the rebuilt artefact: %w", err)
	}
	return da == db, nil
}

func normaliseFile(p string, stab []Stabiliser) (glassbox.Digest, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return Normalise(f, stab)
}

func digestFile(p string) (glassbox.Digest, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", glassbox.Errorf(glassbox.EINTERNAL, "rebuild: %w", err)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return glassbox.NewDigest(sum), nil
}
