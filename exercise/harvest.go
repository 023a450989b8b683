package exercise

import (
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// What the program's own bytes say about its HTTP interface: the paths it
// routes and the custom headers it reads. A probe that only knew "/" would
// miss an authenticated API behind /api/…; these are candidates, each tried
// and kept only if the server treats it as a route.

// fsPrefixes are paths of the file system, not routes.
var fsPrefixes = []string{"/usr", "/etc", "/proc", "/dev", "/sys", "/tmp", "/bin", "/sbin", "/lib", "/var", "/run", "/home", "/root", "/opt", "/app", "/nix", "/go", "/src", "/debug/pprof", "/debug/vars"}

const (
	maxHarvest  = 64 << 20 // bytes of the executable read
	maxRoutes   = 40
	maxXHeaders = 12
)

// harvested reads an executable's routes and headers once, when a probe
// first needs them.
type harvested struct {
	path            string
	once            sync.Once
	routes, headers []string
}

func (h *harvested) get() ([]string, []string) {
	h.once.Do(func() { h.routes, h.headers = harvest(h.path) })
	return h.routes, h.headers
}

// harvest reads the executable at p for route-like paths ("/api/notes",
// after a space, a quote or a byte that is not text) and X- headers.
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
	for i := 0; i+2 < len(b); i++ {
		switch {
		case b[i] == '/' && isLower(b[i+1]) && (i == 0 || routeBoundary(b[i-1])):
			j := i + 1
			for j < len(b) && j-i < 80 && (isLower(b[j]) || isDigit(b[j]) || b[j] == '_' || b[j] == '-' || b[j] == '/') {
				j++
			}
			r := string(b[i:j])
			if len(routes) < maxRoutes && len(r) > 2 && !strings.Contains(r, "//") && !slices.Contains(routes, r) && !fsPath(r) {
				routes = append(routes, r)
			}
			i = j - 1
		case b[i] == 'X' && b[i+1] == '-' && isUpper(b[i+2]) && (i == 0 || !isAlnum(b[i-1])):
			j := i + 2
			for j < len(b) && j-i < 64 && (isAlnum(b[j]) || b[j] == '-' && j+1 < len(b) && isUpper(b[j+1])) {
				j++
			}
			h := string(b[i:j])
			if len(headers) < maxXHeaders && !slices.Contains(headers, h) {
				headers = append(headers, h)
			}
			i = j - 1
		}
	}
	slices.SortStableFunc(routes, func(a, b string) int { return len(a) - len(b) })
	return routes, headers
}

func routeBoundary(c byte) bool {
	return c == ' ' || c == '"' || c == '\'' || c == '`' || c == '(' || c < 0x20 || c > 0x7e
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }

func fsPath(p string) bool {
	for _, x := range fsPrefixes {
		if p == x || strings.HasPrefix(p, x+"/") {
			return true
		}
	}
	return false
}
