package sbom

import (
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"glassbox.dev"
)

// maxHeaderScan is how much of a header is read for version macros:
// libraries define them near the top (sqlite3.h, the largest common case,
// within its first 200 lines).
const maxHeaderScan = 256 << 10

func isCHeader(name string) bool {
	switch path.Ext(name) {
	case ".h", ".hh", ".hpp", ".hxx":
		return true
	}
	return false
}

var (
	// stringVersionMacro matches "#define FOO_VERSION "1.2.3"" and its
	// spellings: _VERSION_STRING, _VERSION_TEXT, _VERSION_STR, _VER_STRING.
	stringVersionMacro = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z][A-Za-z0-9_]*?)_(?:VERSION|VERSION_STRING|VERSION_TEXT|VERSION_STR|VER_STRING|VERSION_S)[ \t]+"([^"\n]{1,128})"`)
	// numberVersionMacro matches "#define FOO_VERSION_MAJOR 1" and the
	// MINOR, PATCH, MICRO, RELEASE and REVISION parts.
	numberVersionMacro = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z][A-Za-z0-9_]*?)_(?:VERSION|VER)_(MAJOR|MINOR|PATCH|MICRO|RELEASE|REVISION)[ \t]+\(?([0-9]{1,6})U?\)?[ \t]*(?:$|/[/*])`)
	// packageMacro matches autoconf's "#define PACKAGE_NAME "zstd"".
	packageMacro = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+PACKAGE_(NAME|TARNAME|VERSION)[ \t]+"([^"\n]{1,128})"`)
	// versionToken is the version inside a macro's text, e.g. "1.1.1k" in
	// "OpenSSL 1.1.1k  25 Mar 2021".
	versionToken = regexp.MustCompile(`\b([0-9]+(?:\.[0-9]+)+[a-z]?)\b`)
)

// genericPrefixes are words of macro prefixes that name an interface, a
// default or a build property, not a library: "#define API_VERSION "2.0""
// says nothing about which vendored code is there.
var genericPrefixes = map[string]bool{
	"api": true, "abi": true, "app": true, "lib": true, "so": true, "dll": true, "lt": true,
	"file": true, "format": true, "protocol": true, "proto": true, "min": true, "max": true,
	"build": true, "product": true, "version": true, "release": true, "current": true,
	"package": true, "project": true, "plugin": true, "module": true, "schema": true,
	"config": true, "header": true, "compat": true, "ver": true, "src": true, "include": true,
	"default": true, "unicode": true, "interface": true, "kernel": true, "driver": true,
	"device": true, "ioctl": true, "library": true, "builtins": true, "major": true, "minor": true,
}

// deriveCHeader finds vendored C/C++ libraries by the version macros their
// public headers define. The heuristic: a macro named PREFIX_VERSION (or
// _VERSION_STRING, _VERSION_TEXT, _VER_STRING, or _VERSION_MAJOR/_MINOR/
// _PATCH numbers) whose text holds a dotted version, where a word of
// PREFIX (with or without a leading "lib") also appears in the header's
// path — zlib/zlib.h defines ZLIB_VERSION, openssl/opensslv.h
// OPENSSL_VERSION_TEXT, curl/curlver.h LIBCURL_VERSION, sqlite3.h
// SQLITE_VERSION. That last condition keeps a project's own unrelated
// version macros out. An autoconf config.h's PACKAGE_NAME and
// PACKAGE_VERSION name the library directly.
func deriveCHeader(p, rel string) ([]glassbox.Component, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", rel, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHeaderScan))
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "%s: %w", rel, err)
	}
	return parseCHeader(rel, data), nil
}

// parseCHeader is deriveCHeader on a header's content. A header is not a
// manifest: text it does not understand is no error, it only finds
// nothing.
func parseCHeader(rel string, data []byte) []glassbox.Component {
	if !strings.Contains(string(data), "define") {
		return nil
	}
	lowerPath := strings.ToLower(rel)
	for _, seg := range strings.Split(path.Dir(lowerPath), "/") {
		if kernelInterfaceDirs[seg] {
			return nil
		}
	}
	var out []glassbox.Component
	// A header names one library: a second macro with the same version
	// (PNG_HEADER_VERSION_STRING beside PNG_LIBPNG_VER_STRING, autoconf's
	// PACKAGE_VERSION beside PG_VERSION) is the same library by another
	// name, and the first name found wins.
	seen := make(map[string]bool) // library names and versions already found in this header
	add := func(name, version string) {
		if name == "" || version == "" || seen[name] || seen["@"+version] {
			return
		}
		seen[name], seen["@"+version] = true, true
		c := glassbox.Component{Ecosystem: EcosystemC, Name: name, Version: version, Source: rel}
		c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		out = append(out, c)
	}

	pkg := make(map[string]string)
	for _, m := range packageMacro.FindAllStringSubmatch(string(data), -1) {
		if _, ok := pkg[m[1]]; !ok {
			pkg[m[1]] = m[2]
		}
	}
	if v := versionToken.FindString(pkg["VERSION"]); v != "" {
		name := firstNonEmpty(pkg["TARNAME"], pkg["NAME"])
		add(cLibraryName(strings.ToLower(strings.ReplaceAll(name, " ", "-"))), v)
	}

	for _, m := range stringVersionMacro.FindAllStringSubmatch(string(data), -1) {
		name := libraryFromPrefix(m[1], lowerPath)
		if v := versionToken.FindString(m[2]); name != "" && v != "" {
			add(name, v)
		}
	}

	parts := make(map[string]map[string]string) // prefix → MAJOR/MINOR/... → number
	var order []string
	for _, m := range numberVersionMacro.FindAllStringSubmatch(string(data), -1) {
		if parts[m[1]] == nil {
			parts[m[1]] = make(map[string]string)
			order = append(order, m[1])
		}
		if _, ok := parts[m[1]][m[2]]; !ok {
			parts[m[1]][m[2]] = m[3]
		}
	}
	for _, prefix := range order {
		ps := parts[prefix]
		major, minor := ps["MAJOR"], ps["MINOR"]
		if major == "" || minor == "" {
			continue
		}
		v := major + "." + minor
		if patch := firstNonEmpty(ps["PATCH"], ps["MICRO"], ps["RELEASE"], ps["REVISION"]); patch != "" {
			v += "." + patch
		}
		if name := libraryFromPrefix(prefix, lowerPath); name != "" {
			add(name, v)
		}
	}
	return out
}

// libraryFromPrefix names the library a macro prefix belongs to, or ""
// when no part of the prefix appears in the header's path. The parts
// tried are runs of the prefix's words joined by "-", "_" or nothing,
// each also without a leading "lib"; the longest that appears names the
// library: "GPG_ERROR" in gpg-error.h is "gpg-error", "PNG_LIBPNG" in
// libpng/png.h "libpng", "LIBCURL" in curl/curlver.h "curl".
func libraryFromPrefix(prefix, lowerPath string) string {
	words := strings.Split(strings.ToLower(prefix), "_")
	// A qualifier anywhere in the prefix says the macro versions
	// something other than the library: XML_DEFAULT_VERSION is the XML
	// version a document gets, PNG_HEADER_VERSION_STRING a banner.
	for _, w := range words {
		if genericPrefixes[w] {
			return ""
		}
	}
	best := ""
	try := func(cand string) {
		if len(cand) < 2 || genericPrefixes[cand] || len(cand) <= len(best) {
			return
		}
		if strings.Contains(lowerPath, cand) {
			best = cand
		}
	}
	for i := range words {
		for j := i + 1; j <= len(words); j++ {
			run := words[i:j]
			if slices.Contains(run, "") {
				continue
			}
			for _, sep := range []string{"-", "_", ""} {
				cand := strings.Join(run, sep)
				try(cand)
				if s := strings.TrimPrefix(cand, "lib"); s != cand {
					try(s)
				}
			}
		}
	}
	return cLibraryName(best)
}

// kernelInterfaceDirs hold operating-system interface headers, whose
// version macros version an ioctl or a protocol, not vendored code.
var kernelInterfaceDirs = map[string]bool{"linux": true, "uapi": true, "asm": true, "asm-generic": true}

// cLibraryName cleans a library name for a generic purl.
func cLibraryName(name string) string {
	name = strings.Trim(name, "-_. ")
	if name == "" || genericPrefixes[name] {
		return ""
	}
	return name
}

// mergeCHeaders keeps one component per C library name and version: a
// library's version is often defined in several of its headers.
func mergeCHeaders(cs []glassbox.Component) []glassbox.Component {
	Sort(cs)
	seen := make(map[string]bool)
	out := cs[:0]
	for _, c := range cs {
		if c.Ecosystem == EcosystemC {
			k := c.Name + "@" + c.Version
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, c)
	}
	return out
}
