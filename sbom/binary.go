package sbom

import (
	"debug/buildinfo"
	"path/filepath"
	"strings"

	"golang.org/x/mod/semver"

	"glassbox.dev"
)

// StdlibName is the component name OSV gives Go's standard library and
// toolchain.
const StdlibName = "stdlib"

// FromBinary returns the components a Go binary's embedded build
// information lists: every module linked in (as replaced, if it was) and
// the Go toolchain as the module "stdlib". The binary's main module is its
// subject, not a component; ReadBinary returns it too.
func FromBinary(path string) ([]glassbox.Component, error) {
	_, cs, err := ReadBinary(path)
	return cs, err
}

// ReadBinary is FromBinary that also returns the binary's subject: its
// main module, or the file name when the main module has no path (a binary
// built from a list of .go files).
func ReadBinary(path string) (Subject, []glassbox.Component, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return Subject{}, nil, glassbox.Errorf(glassbox.EINVALID, "%s: no Go build information: %v; is it a Go binary built with module support (Go 1.13 or later)?", path, err)
	}
	src := filepath.ToSlash(path)
	subject := Subject{Name: bi.Main.Path, Version: bi.Main.Version}
	if subject.Version == "(devel)" {
		subject.Version = "" // a build from a working tree has no module version
	}
	if subject.Name == "" {
		subject.Name = bi.Path
	}
	if subject.Name == "" {
		subject.Name = filepath.Base(path)
	}
	if bi.Main.Path != "" {
		subject.PURL = PURL(EcosystemGo, bi.Main.Path, subject.Version)
	}
	var cs []glassbox.Component
	if v := GoToolchainVersion(bi.GoVersion); v != "" {
		cs = append(cs, glassbox.Component{
			Ecosystem: EcosystemGo, Name: StdlibName, Version: v,
			PURL: PURL(EcosystemGo, StdlibName, v), Source: src,
		})
	}
	for _, d := range bi.Deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		c := glassbox.Component{Ecosystem: EcosystemGo, Source: src}
		if m.Version == "" { // replaced by a local directory
			c.Name = d.Path
		} else {
			c.Name, c.Version = m.Path, m.Version
		}
		if m.Sum != "" {
			c.Hashes = []string{m.Sum}
		}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		cs = append(cs, c)
	}
	Sort(cs)
	return subject, cs, nil
}

// GoToolchainVersion turns a toolchain name as the build information
// spells it ("go1.22.3", "go1.21rc2", "go1.26.0 X:nocoverageredesign")
// into the semantic version OSV's Go database uses for "stdlib", with the
// "v" every other Go module version keeps: "v1.22.3", "v1.21.0-rc.2".
// "go1.21" (a .0 release before Go 1.21 named them so) becomes "v1.21.0".
// A development toolchain ("devel go1.23-abcdef") has no release version
// and yields "".
func GoToolchainVersion(goVersion string) string {
	fields := strings.Fields(goVersion)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "go1") {
		return ""
	}
	v := strings.TrimPrefix(fields[0], "go")
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(v, tag); i > 0 {
			v, pre = v[:i], "-"+tag+"."+v[i+len(tag):]
			break
		}
	}
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	sv := "v" + v + pre
	if !semver.IsValid(sv) {
		return ""
	}
	return sv
}
