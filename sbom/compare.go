package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"glassbox.dev"
)

// The rules of the findings Compare and CompareBinary report. Their ids
// are stable: suppressions and reports name them.
const (
	RuleMissingFromSBOM     = "GB1001" // component-missing-from-sbom
	RuleNotInSource         = "GB1002" // component-not-in-source
	RuleVersionMismatch     = "GB1003" // version-mismatch
	RuleBinaryNotInSource   = "GB1004" // binary-component-not-in-source
	RuleBinaryVersionDiffer = "GB1005" // binary-version-mismatch
)

// FindingFamily is the family of every finding this package reports.
const FindingFamily = "sbom"

// key identifies a component across SBOMs regardless of how each spells
// the name's case or (for PyPI) separators.
func key(c glassbox.Component) string {
	name := c.Name
	switch c.Ecosystem {
	case EcosystemPyPI:
		name = NormalizePyPI(name)
	case EcosystemC:
		name = strings.ToLower(name)
	}
	return c.Ecosystem + "\x00" + name
}

// side is one component list grouped by key.
type side struct {
	versions map[string][]string // key → sorted distinct versions ("" included)
	first    map[string]glassbox.Component
	keys     []string // sorted
}

func group(cs []glassbox.Component) side {
	s := side{versions: make(map[string][]string), first: make(map[string]glassbox.Component)}
	sorted := append([]glassbox.Component(nil), cs...)
	Sort(sorted)
	for _, c := range sorted {
		k := key(c)
		if _, ok := s.first[k]; !ok {
			s.first[k] = c
			s.keys = append(s.keys, k)
		}
		if !slices.Contains(s.versions[k], c.Version) {
			s.versions[k] = append(s.versions[k], c.Version)
		}
	}
	sort.Strings(s.keys)
	for k := range s.versions {
		sort.Strings(s.versions[k])
	}
	return s
}

// known drops the empty version: a requirement that pins nothing can
// neither agree nor disagree with a version.
func known(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Compare reports where an SBOM (b, read from the file bName) disagrees
// with the components derived independently (a, from aName: the source
// tree, the binaries): components a has and b lacks (GB1001, medium — the
// SBOM is incomplete, and vulnerabilities in what it leaves out go
// unnoticed by anyone relying on it), components b lists that a does not
// find (GB1002, medium — the SBOM describes something other than what was
// submitted, or something glassbox cannot derive), and components both list
// at different versions (GB1003, high — vulnerability matching against the
// SBOM gives wrong answers). An empty version on either side pins nothing
// and is never a mismatch. Go's standard library is the toolchain's: an
// SBOM may leave it out (cyclonedx-gomod does unless asked), and it is
// only compared when both sides list it.
func Compare(a, b []glassbox.Component, aName, bName string) []glassbox.Finding {
	return compare(a, a, b, aName, bName)
}

// CompareRelease compares a release's SBOM (b) like with like: it must
// list what the release ships (shipped, see Shipped), and what else it
// lists must be found somewhere in the release (all: the source's
// manifests too, e.g. a source SBOM's test-only modules) at the versions
// found there. So a binary SBOM (cyclonedx-gomod bin or app) and a source
// SBOM (cyclonedx-gomod mod) of the same release are both consistent.
func CompareRelease(shipped, all, b []glassbox.Component, aName, bName string) []glassbox.Finding {
	return compare(shipped, all, b, aName, bName)
}

// Shipped is what a release ships. A Go binary's build information names
// the modules it links; go.mod also names modules that only tests, tools
// or other programs need, which no shipped code contains. So when the
// release ships Go binaries, their modules are its Go components, and the
// source's manifests speak for every other ecosystem; a release that ships
// no Go binary is its source.
func Shipped(source []glassbox.Component, binaries ...[]glassbox.Component) []glassbox.Component {
	var out []glassbox.Component
	for _, c := range source {
		if len(binaries) == 0 || c.Ecosystem != EcosystemGo {
			out = append(out, c)
		}
	}
	for _, b := range binaries {
		out = append(out, b...)
	}
	return out
}

func compare(a, known, b []glassbox.Component, aName, bName string) []glassbox.Finding {
	sa, sk, sb := group(a), group(known), group(b)
	stdlib := EcosystemGo + "\x00" + StdlibName
	_, bHasStdlib := sb.first[stdlib]
	_, kHasStdlib := sk.first[stdlib]
	var out []glassbox.Finding
	for _, k := range sa.keys {
		c := sa.first[k]
		if _, ok := sb.first[k]; !ok {
			if k == stdlib && !bHasStdlib {
				continue
			}
			out = append(out, finding(RuleMissingFromSBOM, "component-missing-from-sbom", glassbox.SeverityMedium, bName, k,
				fmt.Sprintf("%s lists no %s; %s has it at %s", bName, describe(c), c.Source, versionList(sa.versions[k])),
				fmt.Sprintf("The component was found in %s but the SBOM %s does not list it. An incomplete SBOM hides the component from anyone matching the SBOM against vulnerability databases; the CRA requires the SBOM to cover at least the top-level dependencies.", aName, bName)))
			continue
		}
		out = append(out, compareVersions(c, sa.versions[k], sb.versions[k], k, aName, bName, true)...)
	}
	for _, k := range sb.keys {
		c := sb.first[k]
		if _, ok := sa.first[k]; ok {
			continue
		}
		if kc, ok := sk.first[k]; ok {
			// Not shipped, but the source has it: versions must agree.
			out = append(out, compareVersions(kc, sk.versions[k], sb.versions[k], k, aName, bName, false)...)
			continue
		}
		if k == stdlib && !kHasStdlib {
			continue
		}
		out = append(out, finding(RuleNotInSource, "component-not-in-source", glassbox.SeverityMedium, bName, k,
			fmt.Sprintf("%s lists %s at %s, which %s does not contain", bName, describe(c), versionList(sb.versions[k]), aName),
			fmt.Sprintf("No manifest, lock file, vendored header or binary of %s names this component. Either the SBOM describes something other than what was submitted, or the component comes from somewhere glassbox cannot derive (a system library, a manifest format it does not read); the vendor should explain which.", aName)))
	}
	return out
}

// compareVersions compares the versions of component c found (va) with
// those an SBOM lists (vb). complete says whether the SBOM must list
// every version found (a shipped component) or only agree with them.
func compareVersions(c glassbox.Component, vaAll, vbAll []string, k, aName, bName string, complete bool) []glassbox.Finding {
	va, vb := known(vaAll), known(vbAll)
	if len(va) == 0 || len(vb) == 0 || slices.Equal(va, vb) {
		return nil
	}
	// The SBOM lists some of the versions found (a lock file may hold two
	// versions of one package): the others are missing, not contradicted.
	if missing := minus(va, vb); len(minus(vb, va)) == 0 {
		if !complete {
			return nil
		}
		return []glassbox.Finding{finding(RuleMissingFromSBOM, "component-missing-from-sbom", glassbox.SeverityMedium, bName, k+"\x00"+strings.Join(missing, ","),
			fmt.Sprintf("%s lists %s at %s but not at %s, which %s also has", bName, describe(c), versionList(vb), versionList(missing), c.Source),
			fmt.Sprintf("The component was found in %s at more versions than the SBOM %s lists. Vulnerabilities of the versions it leaves out go unnoticed by anyone relying on the SBOM.", aName, bName))}
	}
	return []glassbox.Finding{finding(RuleVersionMismatch, "version-mismatch", glassbox.SeverityHigh, bName, k+"\x00"+strings.Join(vb, ",")+"\x00"+strings.Join(va, ","),
		fmt.Sprintf("%s lists %s at %s, but %s has %s", bName, describe(c), versionList(vb), c.Source, versionList(va)),
		fmt.Sprintf("The SBOM %s and %s disagree on the version of this component. Vulnerabilities matched against the SBOM are then matched against the wrong version: known ones can be missed, or fixed ones reported.", bName, aName))}
}

// CompareBinary reports the modules of a Go binary's build information
// (bin, from binName) that the source's go.mod files (src, from srcName)
// do not account for: a module the source does not require at all
// (GB1004) or at a different version (GB1005), both high, since either
// means the binary was not built from this source as submitted. Modules
// the source requires that the binary does not link are expected (a
// module may provide only test or tool packages) and are not reported;
// the standard library is the toolchain's, not the source's. Since Go
// 1.17 a go.mod lists every module that provides a package to the build;
// for an older one Derive adds the modules go.sum hashes.
func CompareBinary(src, bin []glassbox.Component, srcName, binName string) []glassbox.Finding {
	var goSrc []glassbox.Component
	for _, c := range src {
		if c.Ecosystem == EcosystemGo {
			goSrc = append(goSrc, c)
		}
	}
	ss, sb := group(goSrc), group(bin)
	var out []glassbox.Finding
	for _, k := range sb.keys {
		c := sb.first[k]
		if c.Ecosystem != EcosystemGo || c.Name == StdlibName {
			continue
		}
		if _, ok := ss.first[k]; !ok {
			out = append(out, finding(RuleBinaryNotInSource, "binary-component-not-in-source", glassbox.SeverityHigh, binName, k,
				fmt.Sprintf("%s links %s at %s, which no go.mod in %s requires", binName, describe(c), versionList(sb.versions[k]), srcName),
				"The binary's embedded build information names a module the source does not require. The binary was built from other source than was submitted (a changed go.mod, an added dependency, a different checkout), so reviewing this source says nothing about the binary."))
			continue
		}
		for _, v := range sb.versions[k] {
			if slices.Contains(ss.versions[k], v) {
				continue
			}
			out = append(out, finding(RuleBinaryVersionDiffer, "binary-version-mismatch", glassbox.SeverityHigh, binName, k+"\x00"+v,
				fmt.Sprintf("%s links %s at %s, but %s requires %s", binName, describe(c), cmpVersion(v), srcName, versionList(ss.versions[k])),
				"The binary's embedded build information names another version of the module than the source's go.mod selects. The binary was built from other source than was submitted, or its dependencies were changed at build time."))
		}
	}
	return out
}

// minus returns the versions of a that b lacks.
func minus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

func describe(c glassbox.Component) string {
	if c.Ecosystem == EcosystemC {
		return fmt.Sprintf("C/C++ library %s", c.Name)
	}
	return fmt.Sprintf("%s package %s", c.Ecosystem, c.Name)
}

func cmpVersion(v string) string {
	if v == "" {
		return "no version"
	}
	return v
}

func versionList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cmpVersion(v)
	}
	return strings.Join(out, ", ")
}

func finding(id, rule string, sev glassbox.Severity, p, subject, msg, why string) glassbox.Finding {
	h := sha256.New()
	for _, s := range []string{id, p, subject} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return glassbox.Finding{
		RuleID: id, Rule: rule, Family: FindingFamily, Severity: sev,
		Message: msg, Explanation: why, Path: p,
		Fingerprint: hex.EncodeToString(h.Sum(nil))[:32],
	}
}
