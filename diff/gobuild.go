package diff

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"runtime/debug"
	"strings"
)

// compareGoBuild compares the build information Go embeds in its binaries
// (toolchain, main module, dependencies, build settings) and reports
// whether both binaries carry it. Settings say why two builds differ:
// -trimpath and paths are build-path, vcs.time a timestamp, the rest
// (revision, CGO_ENABLED, flags, dependency versions) metadata.
func (c *comparer) compareGoBuild(path []string, a, b []byte) bool {
	ia, errA := buildinfo.Read(bytes.NewReader(a))
	ib, errB := buildinfo.Read(bytes.NewReader(b))
	switch {
	case errA != nil && errB != nil:
		return false
	case errA != nil || errB != nil:
		c.add(append(path, ".go.buildinfo"), KindMetadata, "Go build information in only one binary (%v / %v)", errOrOK(errA), errOrOK(errB))
		return true
	}
	p := append(path[:len(path):len(path)], ".go.buildinfo")
	if ia.GoVersion != ib.GoVersion {
		c.add(p, KindMetadata, "Go toolchain %s → %s", ia.GoVersion, ib.GoVersion)
	}
	if ia.Path != ib.Path {
		c.add(p, KindMetadata, "main package %s → %s", ia.Path, ib.Path)
	}
	if ia.Main != ib.Main {
		c.add(p, KindMetadata, "main module %s → %s", modString(ia.Main), modString(ib.Main))
	}
	depsA, depsB := deps(ia), deps(ib)
	for _, d := range ia.Deps {
		if x, ok := depsB[d.Path]; !ok {
			c.add(append(p, d.Path), KindRemoved, "dependency %s only in A", modString(*d))
		} else if x != modString(*d) {
			c.add(append(p, d.Path), KindMetadata, "dependency %s → %s", modString(*d), x)
		}
	}
	for _, d := range ib.Deps {
		if _, ok := depsA[d.Path]; !ok {
			c.add(append(p, d.Path), KindAdded, "dependency %s only in B", modString(*d))
		}
	}
	sa, sb := settings(ia), settings(ib)
	show := func(v string, ok bool) string {
		if !ok {
			return "(unset)"
		}
		return v
	}
	for _, key := range orderedKeys(ia.Settings, ib.Settings) {
		va, okA := sa[key]
		vb, okB := sb[key]
		if okA == okB && va == vb {
			continue
		}
		kind := KindMetadata
		switch {
		case key == "-trimpath":
			kind = KindBuildPath
		case key == "vcs.time":
			kind = KindTimestamp
		case buildPathRe.MatchString(va) || buildPathRe.MatchString(vb):
			kind = KindBuildPath
		}
		c.add(append(p, key), kind, "build setting %s=%s → %s", key, show(va, okA), show(vb, okB))
	}
	return true
}

func modString(m debug.Module) string {
	s := m.Path + "@" + m.Version
	if m.Sum != "" {
		s += " " + m.Sum
	}
	if m.Replace != nil {
		s += " => " + modString(*m.Replace)
	}
	return s
}

func deps(bi *debug.BuildInfo) map[string]string {
	m := make(map[string]string, len(bi.Deps))
	for _, d := range bi.Deps {
		m[d.Path] = modString(*d)
	}
	return m
}

func settings(bi *debug.BuildInfo) map[string]string {
	m := make(map[string]string, len(bi.Settings))
	for _, s := range bi.Settings {
		m[s.Key] = s.Value
	}
	return m
}

func orderedKeys(a, b []debug.BuildSetting) []string {
	seen := map[string]bool{}
	var keys []string
	for _, s := range append(append([]debug.BuildSetting(nil), a...), b...) {
		if !seen[s.Key] {
			seen[s.Key] = true
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// goFunctions lists the functions of a Go binary without a symbol table
// (built with -ldflags=-s) from its pclntab, which the runtime itself needs
// and so is never stripped.
func goFunctions(f *elf.File, text *elf.Section) (fns []function) {
	pcln := f.Section(".gopclntab")
	if pcln == nil || pcln.Size > 1<<30 {
		return nil
	}
	data, err := pcln.Data()
	if err != nil {
		return nil
	}
	// debug/gosym trusts its input and can panic on a malformed table; a
	// hostile binary must cost us the function names, not the comparison.
	defer func() {
		if recover() != nil {
			fns = nil
		}
	}()
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil
	}
	seen := map[string]int{}
	for _, fn := range table.Funcs {
		if fn.Entry >= text.Addr && fn.End > fn.Entry && fn.End-text.Addr <= text.Size {
			fns = append(fns, function{uniqueName(seen, strings.Clone(fn.Name)), fn.Entry, fn.End - fn.Entry})
		}
	}
	return fns
}
