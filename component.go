package glassbox

// Component is one piece of third-party software in a release: a module,
// package or vendored library, at one version, found in one place.
// Components are what an SBOM lists and what vulnerabilities are matched
// against.
type Component struct {
	// Ecosystem is the OSV ecosystem name ("Go", "npm", "PyPI",
	// "crates.io", "Maven"), or "" for a vendored C/C++ library.
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`    // as the ecosystem spells it, e.g. "golang.org/x/text"
	Version   string `json:"version"` // as the ecosystem spells it, e.g. "v0.3.0"
	PURL      string `json:"purl"`    // package URL, e.g. "pkg:golang/golang.org/x/text@v0.3.0"
	// Source says where the component was found: a manifest's path
	// ("go.mod", "web/package-lock.json") or a binary's ("bin/server").
	Source string `json:"source"`
	// Hashes are the component's content digests where the manifest
	// records them (go.sum's h1:, package-lock's integrity), as written.
	Hashes []string `json:"hashes,omitempty"`
	// Direct is true for a dependency the project names itself, false for
	// one it gets through another (or when the source cannot tell).
	Direct bool `json:"direct,omitempty"`
}
