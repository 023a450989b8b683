package sbom

import (
	"encoding/json"
	"sort"
	"strings"

	"glassbox.dev"
)

// npmLockPackage is an entry of a lockfileVersion 2 or 3 "packages" map.
type npmLockPackage struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Integrity string `json:"integrity"`
	Link      bool   `json:"link"`
	Dev       bool   `json:"dev"`
}

// npmLockDep is an entry of a lockfileVersion 1 "dependencies" tree.
type npmLockDep struct {
	Version      string                `json:"version"`
	Integrity    string                `json:"integrity"`
	Dev          bool                  `json:"dev"`
	Bundled      bool                  `json:"bundled"`
	Dependencies map[string]npmLockDep `json:"dependencies"`
}

// parsePackageLock reads package-lock.json or npm-shrinkwrap.json. Version
// 2 and 3 lock files list every installed package under "packages", keyed
// by its node_modules path; version 1 nests "dependencies". Direct means
// installed at the top of node_modules and named by the root package's
// dependencies. Links to workspace folders are the project's own code, not
// third-party components.
func parsePackageLock(rel string, data []byte) ([]glassbox.Component, error) {
	var doc struct {
		LockfileVersion *int                      `json:"lockfileVersion"`
		Packages        map[string]npmLockPackage `json:"packages"`
		Dependencies    json.RawMessage           `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid(rel, "not a valid npm lock file: %s", jsonError(data, err))
	}
	if doc.LockfileVersion == nil {
		return nil, invalid(rel, "no lockfileVersion; is it an npm lock file? regenerate it with npm install")
	}
	var out []glassbox.Component
	add := func(name, version, integrity string, direct bool) {
		c := glassbox.Component{Ecosystem: EcosystemNPM, Name: name, Version: version, Source: rel, Direct: direct}
		if integrity != "" {
			c.Hashes = []string{integrity}
		}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}
	switch v := *doc.LockfileVersion; {
	case v >= 2 && doc.Packages != nil:
		directs := npmDirects(data)
		keys := make([]string, 0, len(doc.Packages))
		for k := range doc.Packages {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := doc.Packages[k]
			i := strings.LastIndex(k, "node_modules/")
			if k == "" || i < 0 || p.Link {
				continue // the root project, a workspace member, or a link to one
			}
			name := p.Name
			if name == "" {
				name = k[i+len("node_modules/"):]
			}
			if !validNPMName(name) {
				return nil, invalid(rel, "packages[%q]: %q is not an npm package name", k, name)
			}
			if p.Version == "" {
				return nil, invalid(rel, "packages[%q]: no version; regenerate the lock file with npm install", k)
			}
			add(name, p.Version, p.Integrity, i == 0 && (directs == nil || directs[name]))
		}
	case v == 1 || v >= 2:
		var deps map[string]npmLockDep
		if len(doc.Dependencies) > 0 {
			if err := json.Unmarshal(doc.Dependencies, &deps); err != nil {
				return nil, invalid(rel, "dependencies: %v", err)
			}
		}
		directs := npmDirects(data)
		var walk func(prefix string, deps map[string]npmLockDep, top bool) error
		walk = func(prefix string, deps map[string]npmLockDep, top bool) error {
			names := make([]string, 0, len(deps))
			for n := range deps {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				d := deps[n]
				if !validNPMName(n) {
					return invalid(rel, "dependencies%s: %q is not an npm package name", prefix, n)
				}
				if d.Version == "" {
					return invalid(rel, "dependencies%s[%q]: no version", prefix, n)
				}
				// A version 1 entry for a local or linked package spells its
				// location ("file:../x") instead of a version.
				if !strings.HasPrefix(d.Version, "file:") && !strings.HasPrefix(d.Version, "link:") {
					add(n, d.Version, d.Integrity, top && (directs == nil || directs[n]))
				}
				if err := walk(prefix+"["+n+"]", d.Dependencies, false); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk("", deps, true); err != nil {
			return nil, err
		}
	default:
		return nil, invalid(rel, "lockfileVersion %d is not one npm writes (1, 2 or 3)", v)
	}
	return out, nil
}

// npmDirects returns the names the root package of a lock file depends on
// itself, from packages[""] (version 2 and 3); nil when the file does not
// say, in which case every top-level package is taken as direct.
func npmDirects(data []byte) map[string]bool {
	var doc struct {
		Packages map[string]struct {
			Dependencies         map[string]string `json:"dependencies"`
			DevDependencies      map[string]string `json:"devDependencies"`
			OptionalDependencies map[string]string `json:"optionalDependencies"`
			PeerDependencies     map[string]string `json:"peerDependencies"`
		} `json:"packages"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	root, ok := doc.Packages[""]
	if !ok {
		return nil
	}
	out := make(map[string]bool)
	for _, m := range []map[string]string{root.Dependencies, root.DevDependencies, root.OptionalDependencies, root.PeerDependencies} {
		for n := range m {
			out[n] = true
		}
	}
	return out
}

// validNPMName reports whether name could be an npm package name:
// "name" or "@scope/name", no empty parts, no path tricks.
func validNPMName(name string) bool {
	if name == "" || len(name) > 214 || strings.ContainsAny(name, " \\") {
		return false
	}
	if strings.HasPrefix(name, "@") {
		scope, pkg, ok := strings.Cut(name[1:], "/")
		return ok && scope != "" && pkg != "" && !strings.Contains(pkg, "/") && pkg != "." && pkg != ".."
	}
	return !strings.Contains(name, "/") && name != "." && name != ".."
}
