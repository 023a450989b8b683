package sbom

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"glassbox.dev"
)

// pep508Name matches a valid Python project name (PEP 508).
var pep508Name = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)

// requirementLine splits "name[extras] specifiers ; markers".
var requirementLine = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)

// parseRequirements reads a pip requirements file. A requirement pinned
// with == (or ===) to one exact version has that version. Any other
// requirement — a range, a wildcard, no specifier, a URL — is still a
// component, with an empty version: the SBOM must show the dependency
// exists, and an empty version tells the reader (and the vulnerability
// matcher) that the tree does not fix what gets installed. Every
// requirement is direct. --hash options become the component's hashes.
// Options such as -r, -c, -i and --index-url are skipped: an included
// requirements file is read on its own when the walk reaches it.
func parseRequirements(rel string, data []byte) ([]glassbox.Component, error) {
	var out []glassbox.Component
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := lines[i]
		// A trailing backslash continues the line (pip joins them).
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + lines[i]
		}
		line = strings.TrimSuffix(line, "\\")
		if j := strings.Index(line, " #"); j >= 0 {
			line = line[:j]
		}
		if j := strings.Index(line, "\t#"); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var hashes []string
		fields := strings.Fields(line)
		kept := fields[:0]
		for k := 0; k < len(fields); k++ {
			f := fields[k]
			switch {
			case strings.HasPrefix(f, "--hash="):
				hashes = append(hashes, strings.TrimPrefix(f, "--hash="))
			case f == "--hash" && k+1 < len(fields):
				k++
				hashes = append(hashes, fields[k])
			default:
				kept = append(kept, f)
			}
		}
		line = strings.Join(kept, " ")
		if line == "" {
			continue
		}
		editable := false
		if strings.HasPrefix(line, "-e ") || strings.HasPrefix(line, "--editable ") || strings.HasPrefix(line, "--editable=") {
			editable = true
			line = strings.TrimSpace(line[strings.IndexAny(line, " =")+1:])
		} else if strings.HasPrefix(line, "-") {
			continue // -r, -c, -i, --index-url, --find-links, --pre, ...
		}
		name, version, err := parseRequirement(line, editable)
		if err != nil {
			return nil, invalid(rel, "line %d: %v", n, err)
		}
		if name == "" {
			continue // a local path without a project name: the project's own code
		}
		c := glassbox.Component{Ecosystem: EcosystemPyPI, Name: NormalizePyPI(name), Version: version, Source: rel, Direct: true, Hashes: hashes}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}
	return out, nil
}

// parseRequirement returns the project name and pinned version of one
// requirement; a URL or VCS requirement names its project with #egg=.
func parseRequirement(line string, editable bool) (name, version string, err error) {
	if strings.Contains(line, "://") || strings.HasPrefix(line, ".") || strings.HasPrefix(line, "/") || strings.HasPrefix(line, "file:") {
		if _, frag, ok := strings.Cut(line, "#egg="); ok {
			egg, _, _ := strings.Cut(frag, "&")
			egg, _, _ = strings.Cut(egg, "[")
			if !pep508Name.MatchString(egg) {
				return "", "", errorf("#egg=%q is not a valid project name", egg)
			}
			return egg, "", nil
		}
		// "name @ url" is handled below; a bare URL or path has no name.
		if !strings.Contains(line, " @ ") {
			return "", "", nil
		}
	}
	if markers := strings.Index(line, ";"); markers >= 0 {
		line = strings.TrimSpace(line[:markers])
	}
	m := requirementLine.FindStringSubmatch(line)
	if m == nil || !pep508Name.MatchString(m[1]) {
		return "", "", errorf("%q is not a requirement (want name, optionally [extras] and ==version)", line)
	}
	name, spec := m[1], strings.TrimSpace(m[3])
	if strings.HasPrefix(spec, "@") {
		return name, "", nil // a direct URL reference
	}
	if spec == "" {
		return name, "", nil
	}
	spec = strings.TrimSpace(strings.Trim(spec, "()"))
	if spec == "" {
		return name, "", nil
	}
	if strings.Contains(spec, ",") {
		return name, "", nil // a range
	}
	for _, op := range []string{"===", "=="} {
		if v, ok := strings.CutPrefix(spec, op); ok {
			v = strings.TrimSpace(v)
			if v == "" || strings.ContainsAny(v, " <>=!~") {
				return "", "", errorf("requirement %q: %q is not a version", line, v)
			}
			if strings.HasSuffix(v, "*") {
				return name, "", nil // ==1.2.* pins nothing exact
			}
			return name, v, nil
		}
	}
	if !strings.ContainsAny(spec[:1], "<>=!~") {
		return "", "", errorf("requirement %q: %q is not a version specifier", line, spec)
	}
	return name, "", nil
}

// parsePoetryLock reads poetry.lock: [[package]] tables with name and
// version, and hashes either in each package's files (Poetry 1.2 and
// later) or in [metadata.files] (earlier). A lock file does not say which
// packages the project names itself, so none is marked direct.
func parsePoetryLock(rel string, data []byte) ([]glassbox.Component, error) {
	var doc struct {
		Package []struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			Files   []struct {
				Hash string `toml:"hash"`
			} `toml:"files"`
			Source struct {
				Type string `toml:"type"`
			} `toml:"source"`
		} `toml:"package"`
		Metadata struct {
			Files map[string][]struct {
				Hash string `toml:"hash"`
			} `toml:"files"`
		} `toml:"metadata"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, invalid(rel, "not a valid poetry.lock: %v", err)
	}
	var out []glassbox.Component
	for i, p := range doc.Package {
		if !pep508Name.MatchString(p.Name) {
			return nil, invalid(rel, "package %d: %q is not a valid project name", i+1, p.Name)
		}
		if p.Version == "" {
			return nil, invalid(rel, "package %q has no version; regenerate the lock file with poetry lock", p.Name)
		}
		if p.Source.Type == "directory" {
			continue // a path dependency: the project's own code
		}
		c := glassbox.Component{Ecosystem: EcosystemPyPI, Name: NormalizePyPI(p.Name), Version: p.Version, Source: rel}
		for _, f := range p.Files {
			c.Hashes = append(c.Hashes, f.Hash)
		}
		for _, f := range doc.Metadata.Files[p.Name] {
			c.Hashes = append(c.Hashes, f.Hash)
		}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}
	return out, nil
}

// parsePipfileLock reads Pipfile.lock: "default" and "develop" maps of
// project to {"version": "==1.2.3", "hashes": [...]}. A VCS or path entry
// has no version and is listed with an empty one.
func parsePipfileLock(rel string, data []byte) ([]glassbox.Component, error) {
	type entry struct {
		Version string   `json:"version"`
		Hashes  []string `json:"hashes"`
		Path    string   `json:"path"`
	}
	var doc struct {
		Meta    *json.RawMessage `json:"_meta"`
		Default map[string]entry `json:"default"`
		Develop map[string]entry `json:"develop"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid(rel, "not a valid Pipfile.lock: %s", jsonError(data, err))
	}
	if doc.Meta == nil {
		return nil, invalid(rel, "no _meta section; is it a Pipfile.lock? regenerate it with pipenv lock")
	}
	var out []glassbox.Component
	for _, section := range []map[string]entry{doc.Default, doc.Develop} {
		names := make([]string, 0, len(section))
		for n := range section {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			e := section[n]
			if !pep508Name.MatchString(n) {
				return nil, invalid(rel, "%q is not a valid project name", n)
			}
			if e.Path != "" {
				continue // the project's own code
			}
			v := ""
			if e.Version != "" {
				var ok bool
				if v, ok = strings.CutPrefix(e.Version, "=="); !ok || v == "" {
					return nil, invalid(rel, "%s: version %q is not ==VERSION", n, e.Version)
				}
			}
			c := glassbox.Component{Ecosystem: EcosystemPyPI, Name: NormalizePyPI(n), Version: v, Source: rel, Hashes: e.Hashes}
			c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
			out = append(out, c)
		}
	}
	return out, nil
}
