package sbom

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// OSV ecosystem names of the components this package finds. A vendored
// C/C++ library has ecosystem "".
const (
	EcosystemGo    = "Go"
	EcosystemNPM   = "npm"
	EcosystemPyPI  = "PyPI"
	EcosystemCrate = "crates.io"
	EcosystemMaven = "Maven"
	EcosystemC     = ""
)

// purlTypes maps OSV ecosystems to package-URL types, both ways for the
// ecosystems a submitted SBOM may name.
var purlTypes = map[string]string{
	EcosystemGo:    "golang",
	EcosystemNPM:   "npm",
	EcosystemPyPI:  "pypi",
	EcosystemCrate: "cargo",
	EcosystemMaven: "maven",
	EcosystemC:     "generic",
	"RubyGems":     "gem",
	"NuGet":        "nuget",
	"Packagist":    "composer",
	"Hex":          "hex",
	"Pub":          "pub",
	"Hackage":      "hackage",
	"SwiftURL":     "swift",
}

// PURL returns the package URL of a component, following the purl
// specification's rules for each type: a Go module path is split into
// namespace and name; an npm scope keeps its "@" percent-encoded; a PyPI
// name is normalised (PEP 503); a Maven "group:artifact" becomes
// namespace/name; a C library is pkg:generic. The version is left out when
// it is unknown.
func PURL(ecosystem, name, version string) string {
	typ, ok := purlTypes[ecosystem]
	if !ok {
		typ = strings.ToLower(ecosystem)
	}
	var segs []string
	switch ecosystem {
	case EcosystemMaven:
		segs = strings.SplitN(name, ":", 2)
	case EcosystemPyPI:
		segs = []string{NormalizePyPI(name)}
	case EcosystemC:
		segs = []string{strings.ToLower(name)}
	default:
		segs = strings.Split(name, "/")
	}
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(typ)
	for _, s := range segs {
		if s == "" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(purlEscape(s))
	}
	if version != "" {
		b.WriteByte('@')
		b.WriteString(purlEscape(version))
	}
	return b.String()
}

// purlEscape percent-encodes a purl segment: everything but the
// unreserved characters the specification leaves as they are.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// NormalizePyPI returns a Python project name as PEP 503 normalises it:
// lower case, runs of "-", "_" and "." as one "-". PyPI, pip and OSV treat
// names that normalise the same as one project.
func NormalizePyPI(name string) string {
	return strings.ToLower(pypiSeparators.ReplaceAllString(name, "-"))
}

// ParsePURL splits a package URL into an OSV ecosystem, the name as that
// ecosystem spells it and the version. Qualifiers and subpaths are
// dropped: they do not change which package and version is meant.
func ParsePURL(purl string) (ecosystem, name, version string, err error) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return "", "", "", fmt.Errorf("package URL %q does not start with pkg:", purl)
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || path == "" {
		return "", "", "", fmt.Errorf("package URL %q has no type and name", purl)
	}
	typ = strings.ToLower(typ)
	if i := strings.LastIndexByte(path, '@'); i >= 0 {
		if version, err = url.PathUnescape(path[i+1:]); err != nil {
			return "", "", "", fmt.Errorf("package URL %q: version: %v", purl, err)
		}
		path = path[:i]
	}
	// Empty segments ("a//b") are dropped, as the specification says.
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s == "" {
			continue
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", "", "", fmt.Errorf("package URL %q: %v", purl, err)
		}
		segs = append(segs, u)
	}
	ecosystem = typ
	for eco, t := range purlTypes {
		if t == typ {
			ecosystem = eco
			break
		}
	}
	switch typ {
	case "maven":
		name = strings.Join(segs, ":")
	case "pypi":
		name = NormalizePyPI(strings.Join(segs, "/"))
	case "golang":
		name = strings.Join(segs, "/")
		// Other tools name the standard library "std" and spell its
		// version as the toolchain does ("go1.22.3") or bare ("1.22.3").
		if name == "std" || name == StdlibName {
			name = StdlibName
			if v := GoToolchainVersion("go" + strings.TrimPrefix(strings.TrimPrefix(version, "go"), "v")); v != "" {
				version = v
			}
		} else if version != "" && !strings.HasPrefix(version, "v") {
			version = "v" + version
		}
	case "generic":
		name = strings.ToLower(strings.Join(segs, "/"))
	default:
		name = strings.Join(segs, "/")
	}
	if name == "" {
		return "", "", "", fmt.Errorf("package URL %q has no name", purl)
	}
	return ecosystem, name, version, nil
}
