package rebuild

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"glassbox.dev"
)

// What the centre fetches for a Go rebuild, outside the sandbox (a
// release's modules, and the Go toolchain its binaries name), it fetches
// only through the module proxy the operator configured, and checks against
// the checksum database. Never directly: a "direct" fetch connects to
// whatever hosts the vendor's go.mod names, from the centre's own network,
// and runs version-control tools on what they answer.

// moduleProxyEnv returns the environment for a go command that fetches on
// the centre's behalf: the operator's GOPROXY without its direct and off
// entries, the operator's GOSUMDB, and nothing that would exempt a module
// from either (GONOPROXY, GOPRIVATE, GONOSUMDB, GOINSECURE), or run other
// programs (GOVCS, GOAUTH). goCmd is the go command whose configuration
// (environment and go env file) is read.
func moduleProxyEnv(ctx context.Context, goCmd string) ([]string, error) {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOPROXY", "GOSUMDB")
	// Outside any module, and with this go command: a go.mod where
	// glassbox runs must not make it fetch a toolchain.
	cmd.Dir, cmd.Env = os.TempDir(), append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "reading the go command's GOPROXY and GOSUMDB: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 2 {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "go env GOPROXY GOSUMDB printed %q", out)
	}
	proxy, err := proxyOnly(lines[0])
	if err != nil {
		return nil, err
	}
	sumdb := strings.TrimSpace(lines[1])
	if sumdb == "" || sumdb == "off" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "GOSUMDB=%q: the centre fetches modules only when it can check them against the checksum database; unset GOSUMDB or set it to a checksum database", sumdb)
	}
	return append(os.Environ(),
		"GOPROXY="+proxy, "GOSUMDB="+sumdb,
		"GONOPROXY=", "GOPRIVATE=", "GONOSUMDB=", "GONOSUMCHECK=", "GOINSECURE=",
		"GOVCS=*:off", "GOAUTH=off",
	), nil
}

// proxyOnly returns a GOPROXY list with only its proxies: "direct" and
// "off" entries are left out, and a proxy that is not https (or file, a
// local directory) is refused. A list with no proxy left is refused.
func proxyOnly(goproxy string) (string, error) {
	var kept []string
	for _, e := range strings.FieldsFunc(goproxy, func(r rune) bool { return r == ',' || r == '|' }) {
		e = strings.TrimSpace(e)
		switch e {
		case "", "direct", "off":
			continue
		}
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "https" && u.Scheme != "file") || (u.Scheme == "https" && u.Host == "") {
			return "", glassbox.Errorf(glassbox.EINVALID, "GOPROXY entry %q is not an https module proxy; the centre fetches modules only through one (or a file:// directory)", e)
		}
		kept = append(kept, e)
	}
	if len(kept) == 0 {
		return "", glassbox.Errorf(glassbox.EINVALID, "GOPROXY=%q names no module proxy; the centre never fetches modules directly from the hosts a go.mod names: set GOPROXY to an https module proxy (the default is https://proxy.golang.org)", goproxy)
	}
	return strings.Join(kept, ","), nil
}

// goReleaseVersion is what a Go release calls itself: go1.N, go1.N.P,
// go1.NrcK, go1.NbetaK.
var goReleaseVersion = regexp.MustCompile(`^go1\.\d+(\.\d+)?((rc|beta)\d+)?$`)

// checkGoVersion refuses a toolchain version, read from a vendor's binary,
// that is not a Go release: it becomes GOTOOLCHAIN, which also accepts
// "local", "path", "+auto" suffixes and custom toolchain names.
func checkGoVersion(v string) error {
	if !goReleaseVersion.MatchString(v) {
		return glassbox.Errorf(glassbox.EINVALID, "the release's binaries say they were built with Go %q, which is not a Go release version (go1.N, go1.N.P, go1.NrcK or go1.NbetaK); glassbox rebuilds only with released Go toolchains: give a recipe that names how to build it", v)
	}
	return nil
}
