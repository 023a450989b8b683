package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"glassbox.dev"
)

// maxSBOMSize bounds a submitted SBOM read into memory.
const maxSBOMSize = 256 << 20

// Read returns the components a submitted SBOM lists: CycloneDX JSON (1.4
// to 1.6, nested components included) or SPDX 2.x JSON (packages). name
// is the SBOM's file name, used in errors and as the components' Source.
// The SBOM's own subject (CycloneDX metadata.component, SPDX's described
// packages) is not a component. A component is identified by its package
// URL; one without is kept as a C/C++ library (ecosystem "") by name and
// version, since vendored C code rarely has a package URL.
func Read(r io.Reader, name string) ([]glassbox.Component, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSBOMSize+1))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: read: %w", name, err)
	}
	if len(data) > maxSBOMSize {
		return nil, invalid(name, "larger than %d bytes; an SBOM that large is not accepted", maxSBOMSize)
	}
	var probe struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, invalid(name, "not JSON (%v); glassbox reads CycloneDX JSON and SPDX 2.x JSON SBOMs", jsonError(data, err))
	}
	var cs []glassbox.Component
	switch {
	case probe.BOMFormat == "CycloneDX":
		cs, err = readCycloneDX(data, name, probe.SpecVersion)
	case probe.SPDXVersion != "":
		cs, err = readSPDX(data, name, probe.SPDXVersion)
	default:
		return nil, invalid(name, "neither CycloneDX (no \"bomFormat\": \"CycloneDX\") nor SPDX (no \"spdxVersion\"); glassbox reads CycloneDX JSON and SPDX 2.x JSON SBOMs")
	}
	if err != nil {
		return nil, err
	}
	Sort(cs)
	return cs, nil
}

// jsonError adds a line number to a syntax error.
func jsonError(data []byte, err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, err)
	}
	return err.Error()
}

// cdxComponent is the part of a CycloneDX component Read needs. It is
// decoded by hand rather than with cyclonedx-go so that a malformed field
// is reported with its component rather than as one decoder error.
type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	Type       string         `json:"type"`
	Group      string         `json:"group"`
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	PURL       string         `json:"purl"`
	Hashes     []cdxHashJSON  `json:"hashes"`
	Components []cdxComponent `json:"components"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
}

type cdxHashJSON struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

func readCycloneDX(data []byte, name, spec string) ([]glassbox.Component, error) {
	switch spec {
	case "1.4", "1.5", "1.6":
	default:
		return nil, invalid(name, "CycloneDX specVersion %q is not supported; glassbox reads 1.4, 1.5 and 1.6", spec)
	}
	var doc struct {
		Components []cdxComponent `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid(name, "CycloneDX %s: %s", spec, jsonError(data, err))
	}
	var out []glassbox.Component
	var walk func(path string, cs []cdxComponent) error
	walk = func(path string, cs []cdxComponent) error {
		for i, c := range cs {
			where := fmt.Sprintf("%s[%d]", path, i)
			comp, ok, err := fromCDX(c)
			if err != nil {
				return invalid(name, "%s (%q): %v", where, c.Name, err)
			}
			if ok {
				comp.Source = name
				out = append(out, comp)
			}
			if err := walk(where+".components", c.Components); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk("components", doc.Components); err != nil {
		return nil, err
	}
	return out, nil
}

// fromCDX turns one CycloneDX component into a glassbox one; ok is false
// for components that are not third-party software (files, the operating
// system, data).
func fromCDX(c cdxComponent) (glassbox.Component, bool, error) {
	switch c.Type {
	case "file", "data", "operating-system", "device", "firmware", "machine-learning-model", "platform", "cryptographic-asset":
		return glassbox.Component{}, false, nil
	}
	var comp glassbox.Component
	if c.PURL != "" {
		eco, n, v, err := ParsePURL(c.PURL)
		if err != nil {
			return comp, false, err
		}
		comp = glassbox.Component{Ecosystem: eco, Name: n, Version: v, PURL: c.PURL}
	} else {
		if c.Name == "" {
			return comp, false, fmt.Errorf("a component has neither a purl nor a name")
		}
		n := c.Name
		if c.Group != "" {
			n = c.Group + "/" + n
		}
		comp = glassbox.Component{Ecosystem: EcosystemC, Name: strings.ToLower(n), Version: c.Version}
		comp.PURL = PURL(EcosystemC, comp.Name, comp.Version)
	}
	for _, h := range c.Hashes {
		comp.Hashes = append(comp.Hashes, strings.ToLower(strings.ReplaceAll(h.Alg, "-", ""))+":"+strings.ToLower(h.Content))
	}
	for _, p := range c.Properties {
		if p.Name == "glassbox:direct" && p.Value == "true" {
			comp.Direct = true
		}
	}
	return comp, true, nil
}

// spdxPackage is the part of an SPDX 2.x package Read needs.
type spdxPackage struct {
	SPDXID       string `json:"SPDXID"`
	Name         string `json:"name"`
	VersionInfo  string `json:"versionInfo"`
	ExternalRefs []struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
	Checksums []struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"checksumValue"`
	} `json:"checksums"`
}

func readSPDX(data []byte, name, spec string) ([]glassbox.Component, error) {
	if !strings.HasPrefix(spec, "SPDX-2.") {
		return nil, invalid(name, "spdxVersion %q is not supported; glassbox reads SPDX 2.x JSON", spec)
	}
	var doc struct {
		SPDXID            string        `json:"SPDXID"`
		DocumentDescribes []string      `json:"documentDescribes"`
		Packages          []spdxPackage `json:"packages"`
		Relationships     []struct {
			Element string `json:"spdxElementId"`
			Type    string `json:"relationshipType"`
			Related string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid(name, "SPDX: %s", jsonError(data, err))
	}
	described := make(map[string]bool)
	for _, id := range doc.DocumentDescribes {
		described[id] = true
	}
	for _, r := range doc.Relationships {
		if r.Element == doc.SPDXID && r.Type == "DESCRIBES" {
			described[r.Related] = true
		}
	}
	var out []glassbox.Component
	for i, p := range doc.Packages {
		if described[p.SPDXID] {
			continue
		}
		var comp glassbox.Component
		for _, ref := range p.ExternalRefs {
			if ref.Type != "purl" {
				continue
			}
			eco, n, v, err := ParsePURL(ref.Locator)
			if err != nil {
				return nil, invalid(name, "packages[%d] (%q): %v", i, p.Name, err)
			}
			comp = glassbox.Component{Ecosystem: eco, Name: n, Version: v, PURL: ref.Locator}
			break
		}
		if comp.PURL == "" {
			if p.Name == "" {
				return nil, invalid(name, "packages[%d] has neither a purl nor a name", i)
			}
			comp = glassbox.Component{Ecosystem: EcosystemC, Name: strings.ToLower(p.Name), Version: p.VersionInfo}
			if comp.Version == "NOASSERTION" || comp.Version == "NONE" {
				comp.Version = ""
			}
			comp.PURL = PURL(EcosystemC, comp.Name, comp.Version)
		}
		for _, c := range p.Checksums {
			comp.Hashes = append(comp.Hashes, strings.ToLower(strings.ReplaceAll(c.Algorithm, "-", ""))+":"+strings.ToLower(c.Value))
		}
		comp.Source = name
		out = append(out, comp)
	}
	return out, nil
}
