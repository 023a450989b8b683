package exercise

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// What the program's own bytes say about its HTTP interface: the paths it
// routes and the custom headers it reads. A probe that only knew "/" would
// miss an authenticated API behind /api/…; these are candidates, each tried
// and kept only if the server treats it as a route.

var (
	routeRE  = regexp.MustCompile(`(?:^|[\s"'\x60(])(/[a-z][a-z0-9_\-]{1,30}(?:/[a-z0-9_\-]{1,30}){0,3}/?)`)
	headerXR = regexp.MustCompile(`\b(X-[A-Z][A-Za-z0-9]*(?:-[A-Z][A-Za-z0-9]*){0,4})`)
	printRun = regexp.MustCompile(`[\x20-\x7e]{4,}`)
)

// fsPrefixes are paths of the file system, not routes.
var fsPrefixes = []string{"/usr", "/etc", "/proc", "/dev", "/sys", "/tmp", "/bin", "/sbin", "/lib", "/var", "/run", "/home", "/root", "/opt", "/app", "/nix", "/go", "/src", "/debug/pprof", "/debug/vars"}

const (
	maxHarvest  = 64 << 20 // bytes of the executable read
	maxRoutes   = 40
	maxXHeaders = 12
)

// harvest reads the executable at p for route-like paths and X- headers.
func harvest(p string) (routes, headers []string) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxHarvest))
	if err != nil {
		return nil, nil
	}
	for _, run := range printRun.FindAll(b, -1) {
		for _, m := range routeRE.FindAllSubmatch(run, -1) {
			r := string(m[1])
			if len(routes) < maxRoutes && !slices.Contains(routes, r) && !fsPath(r) {
				routes = append(routes, r)
			}
		}
		for _, m := range headerXR.FindAll(run, -1) {
			h := string(m)
			if len(headers) < maxXHeaders && !slices.Contains(headers, h) {
				headers = append(headers, h)
			}
		}
	}
	slices.SortStableFunc(routes, func(a, b string) int { return len(a) - len(b) })
	return routes, headers
}

func fsPath(p string) bool {
	for _, x := range fsPrefixes {
		if p == x || strings.HasPrefix(p, x+"/") {
			return true
		}
	}
	return false
}
