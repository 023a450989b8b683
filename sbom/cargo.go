package sbom

import (
	"strings"

	"github.com/BurntSushi/toml"

	"glassbox.dev"
)

// parseCargoLock reads Cargo.lock (format versions 1 to 4). A package
// without a source is a member of the workspace — the project itself — and
// is not a component. Checksums are in each package (version 2 and later)
// or in [metadata] as "checksum NAME VERSION (SOURCE)" keys (version 1).
func parseCargoLock(rel string, data []byte) ([]glassbox.Component, error) {
	var doc struct {
		Package []struct {
			Name     string `toml:"name"`
			Version  string `toml:"version"`
			Source   string `toml:"source"`
			Checksum string `toml:"checksum"`
		} `toml:"package"`
		Metadata map[string]any `toml:"metadata"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, invalid(rel, "not a valid Cargo.lock: %v", err)
	}
	var out []glassbox.Component
	for i, p := range doc.Package {
		if p.Name == "" || strings.ContainsAny(p.Name, " /\\") {
			return nil, invalid(rel, "package %d: %q is not a crate name", i+1, p.Name)
		}
		if p.Version == "" {
			return nil, invalid(rel, "package %q has no version; regenerate it with cargo generate-lockfile", p.Name)
		}
		if p.Source == "" {
			continue
		}
		c := glassbox.Component{Ecosystem: EcosystemCrate, Name: p.Name, Version: p.Version, Source: rel}
		sum := p.Checksum
		if sum == "" {
			if v, ok := doc.Metadata["checksum "+p.Name+" "+p.Version+" ("+p.Source+")"].(string); ok {
				sum = v
			}
		}
		if sum != "" && sum != "<none>" {
			c.Hashes = []string{"sha256:" + sum}
		}
		// A git dependency's version is the crate's own, but the code is
		// whatever commit the source names; the registry purl would lie.
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		if strings.HasPrefix(p.Source, "git+") {
			c.PURL += "?vcs_url=" + purlEscape(strings.TrimPrefix(p.Source, "git+"))
		}
		out = append(out, c)
	}
	return out, nil
}
