package sbom

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"

	"glassbox.dev"
)

// pom is the part of a Maven POM that names dependencies.
type pom struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Parent     struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Dependencies         []pomDependency `xml:"dependencies>dependency"`
	DependencyManagement []pomDependency `xml:"dependencyManagement>dependencies>dependency"`
}

type pomDependency struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Scope      string `xml:"scope"`
}

var pomProperty = regexp.MustCompile(`\$\{([^}]*)\}`)

// parsePOM reads the dependencies a pom.xml declares, with the versions it
// declares: ${...} references are resolved from the POM's own
// <properties>, its project.* and parent coordinates; a dependency without
// a version takes the one its <dependencyManagement> gives. A version that
// comes from somewhere else (a parent POM, an imported BOM, the command
// line) cannot be known from this file and is left empty. Every declared
// dependency is direct; test-scoped ones are listed too, since they are
// part of the build.
func parsePOM(rel string, data []byte) ([]glassbox.Component, error) {
	var p pom
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	// Maven POMs are UTF-8 in practice; a declared other charset is read
	// as it is rather than refused.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&p); err != nil {
		return nil, invalid(rel, "not a valid pom.xml: %v", err)
	}
	props := map[string]string{
		"project.groupId":           firstNonEmpty(p.GroupID, p.Parent.GroupID),
		"project.artifactId":        p.ArtifactID,
		"project.version":           firstNonEmpty(p.Version, p.Parent.Version),
		"project.parent.groupId":    p.Parent.GroupID,
		"project.parent.artifactId": p.Parent.ArtifactID,
		"project.parent.version":    p.Parent.Version,
	}
	for _, k := range []string{"groupId", "artifactId", "version"} {
		props["pom."+k] = props["project."+k]
		props[k] = props["project."+k]
	}
	for _, e := range p.Properties.Entries {
		props[e.XMLName.Local] = strings.TrimSpace(e.Value)
	}
	resolve := func(s string) string {
		s = strings.TrimSpace(s)
		// Properties may refer to properties; ten rounds is deeper than
		// any real POM nests and stops a cycle.
		for range 10 {
			if !strings.Contains(s, "${") {
				return s
			}
			s = pomProperty.ReplaceAllStringFunc(s, func(ref string) string {
				if v, ok := props[ref[2:len(ref)-1]]; ok {
					return v
				}
				return ref
			})
		}
		return s
	}
	managed := make(map[string]string)
	for _, d := range p.DependencyManagement {
		managed[resolve(d.GroupID)+":"+resolve(d.ArtifactID)] = resolve(d.Version)
	}
	var out []glassbox.Component
	for i, d := range p.Dependencies {
		g, a := resolve(d.GroupID), resolve(d.ArtifactID)
		if g == "" || a == "" || strings.ContainsAny(g+a, ":/ ") {
			return nil, invalid(rel, "dependency %d: groupId %q and artifactId %q do not name an artifact", i+1, d.GroupID, d.ArtifactID)
		}
		name := g + ":" + a
		v := resolve(d.Version)
		if v == "" {
			v = managed[name]
		}
		if strings.Contains(v, "${") || strings.ContainsAny(v, "[]()") {
			v = "" // an unresolvable property or a version range: nothing exact is declared
		}
		c := glassbox.Component{Ecosystem: EcosystemMaven, Name: name, Version: v, Source: rel, Direct: true}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}
	return out, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}
