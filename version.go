package glassbox

import (
	"runtime/debug"
	"strings"
	"sync"
)

// version is set at link time by release builds
// (-ldflags "-X glassbox.dev.version=v1.2.3"); otherwise Version derives it
// from what the Go toolchain recorded in the binary.
var version string

var versionOnce = sync.OnceValue(func() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "v0.0.0-unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	// A build from a checkout: name the commit, as Go's own pseudo-versions do,
	// so two builds from different sources never claim the same version.
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "v0.0.0-unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	stamp := strings.NewReplacer("-", "", ":", "", "T", "", "Z", "").Replace(at)
	if len(stamp) > 14 {
		stamp = stamp[:14]
	}
	v := "v0.0.0-" + stamp + "-" + rev
	if dirty {
		v += "+dirty"
	}
	return v
})

// Version is glassbox's version: the one a release build was stamped with,
// the module version `go install` recorded, or, for a build from a checkout,
// a pseudo-version naming the commit ("+dirty" when the tree had changes).
// It is never "(devel)", so reports and SARIF name the code that made them.
func Version() string { return versionOnce() }
