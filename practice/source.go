package practice

import (
	"bytes"
	"path"
	"slices"
	"strings"
)

// ecosystems are the languages whose package managers have a standard
// dependency manifest, by source extension.
var ecosystems = []struct {
	lang      string
	exts      []string
	manifests []string // base names; a leading "*" matches a suffix
}{
	{"Go", []string{".go"}, []string{"go.mod"}},
	{"JavaScript/TypeScript", []string{".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"}, []string{"package.json"}},
	{"Rust", []string{".rs"}, []string{"cargo.toml"}},
	{"Python", []string{".py"}, []string{"pyproject.toml", "setup.py", "setup.cfg", "pipfile", "*requirements.txt", "*requirements.in"}},
	{"Java/Kotlin", []string{".java", ".kt"}, []string{"pom.xml", "build.gradle", "build.gradle.kts"}},
	{"Ruby", []string{".rb"}, []string{"gemfile", "*.gemspec"}},
	{"PHP", []string{".php"}, []string{"composer.json"}},
	{".NET", []string{".cs", ".fs", ".vb"}, []string{"*.csproj", "*.fsproj", "*.vbproj", "packages.config", "directory.packages.props"}},
	{"Swift", []string{".swift"}, []string{"package.swift"}},
	{"Dart", []string{".dart"}, []string{"pubspec.yaml"}},
	{"Elixir", []string{".ex", ".exs"}, []string{"mix.exs"}},
}

// vendored reports whether a lower-cased path is third-party or test code
// that does not make its language the project's.
func vendored(p string) bool {
	for _, d := range []string{"vendor/", "node_modules/", "third_party/", "third-party/", "testdata/", "examples/", "example/", "test/fixtures/", "fixtures/"} {
		if strings.HasPrefix(p, d) || strings.Contains(p, "/"+d) {
			return true
		}
	}
	return false
}

func matchManifest(name, pattern string) bool {
	if s, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(name, s)
	}
	return name == pattern
}

// languages returns the project's languages that have a standard
// manifest, with a file of each, and the manifests found per language.
func (c *checker) languages() (langs []string, example map[string]string, found map[string][]string) {
	example, found = map[string]string{}, map[string][]string{}
	for _, e := range ecosystems {
		for _, f := range c.t.files {
			base := path.Base(f.lower)
			if slices.ContainsFunc(e.manifests, func(m string) bool { return matchManifest(base, m) }) && !vendored(f.lower) {
				found[e.lang] = append(found[e.lang], f.Path)
			}
			if _, ok := example[e.lang]; !ok && slices.Contains(e.exts, path.Ext(base)) && !vendored(f.lower) && !strings.HasSuffix(base, ".d.ts") {
				example[e.lang] = f.Path
			}
		}
		if _, ok := example[e.lang]; ok {
			langs = append(langs, e.lang)
		}
	}
	return langs, example, found
}

// manifests returns every dependency manifest found.
func (c *checker) manifests() []string {
	_, _, found := c.languages()
	var out []string
	for _, m := range found {
		out = append(out, m...)
	}
	slices.Sort(out)
	return out
}

func checkDependencyManifest(c *checker) Result {
	langs, example, found := c.languages()
	if len(langs) == 0 {
		return c.notApplicable("no source in a language whose package manager has a standard dependency manifest (C, C++ and shell have none)")
	}
	var missing []string
	var where []Location
	for _, l := range langs {
		if len(found[l]) == 0 {
			missing = append(missing, l)
			where = append(where, Location{Path: example[l], Text: l + " source without a manifest"})
		} else {
			where = append(where, Location{Path: found[l][0], Line: 1, Text: l})
		}
	}
	if len(missing) > 0 {
		return c.fail("%s source without its standard dependency manifest", strings.Join(missing, ", ")).at(where...)
	}
	return c.pass("every language's dependencies are declared in its standard manifest: %s", strings.Join(langs, ", ")).at(where...)
}

// executableKind returns what compiled executable or object b starts
// with, or "".
func executableKind(name string, b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "ELF"
	case len(b) >= 0x40 && bytes.HasPrefix(b, []byte("MZ")):
		off := int(b[0x3c]) | int(b[0x3d])<<8 | int(b[0x3e])<<16 | int(b[0x3f])<<24
		if off >= 0 && off+4 <= len(b) && bytes.Equal(b[off:off+4], []byte("PE\x00\x00")) {
			return "PE"
		}
	case bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(b, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return "Mach-O"
	case bytes.HasPrefix(b, []byte{0xca, 0xfe, 0xba, 0xbe}):
		if strings.HasSuffix(name, ".class") || len(b) > 8 && b[7] >= 45 {
			return "Java class"
		}
		return "Mach-O universal"
	case bytes.HasPrefix(b, []byte("\x00asm")):
		return "WebAssembly"
	case bytes.HasPrefix(b, []byte("!<arch>\n")):
		return "static library"
	}
	ext := path.Ext(name)
	switch {
	case (ext == ".jar" || ext == ".war" || ext == ".ear" || ext == ".apk" || ext == ".aar") && bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "Java archive"
	case (ext == ".pyc" || ext == ".pyo") && len(b) >= 4 && b[2] == '\r' && b[3] == '\n':
		return "Python bytecode"
	}
	return ""
}

// media are binary formats people review with ordinary tools: images,
// sound, video, fonts, PDF. By extension and magic.
var media = []struct {
	exts  []string
	magic []string
}{
	{[]string{".png"}, []string{"\x89PNG"}},
	{[]string{".jpg", ".jpeg"}, []string{"\xff\xd8\xff"}},
	{[]string{".gif"}, []string{"GIF8"}},
	{[]string{".webp", ".wav", ".avi"}, []string{"RIFF"}},
	{[]string{".ico", ".cur"}, []string{"\x00\x00\x01\x00", "\x00\x00\x02\x00"}},
	{[]string{".bmp"}, []string{"BM"}},
	{[]string{".tif", ".tiff"}, []string{"II*\x00", "MM\x00*"}},
	{[]string{".pdf"}, []string{"%PDF"}},
	{[]string{".woff"}, []string{"wOFF"}},
	{[]string{".woff2"}, []string{"wOF2"}},
	{[]string{".ttf", ".otf"}, []string{"\x00\x01\x00\x00", "OTTO", "true"}},
	{[]string{".eot"}, []string{""}},
	{[]string{".mp3"}, []string{"ID3", "\xff\xfb", "\xff\xf3"}},
	{[]string{".ogg", ".oga", ".ogv"}, []string{"OggS"}},
	{[]string{".flac"}, []string{"fLaC"}},
	{[]string{".mp4", ".m4a", ".mov"}, []string{""}},
	{[]string{".webm", ".mkv"}, []string{"\x1a\x45\xdf\xa3"}},
	{[]string{".icns"}, []string{"icns"}},
	{[]string{".avif", ".heic"}, []string{""}},
}

func isMedia(name string, b []byte) bool {
	ext := path.Ext(name)
	for _, m := range media {
		if !slices.Contains(m.exts, ext) {
			continue
		}
		for _, magic := range m.magic {
			if bytes.HasPrefix(b, []byte(magic)) {
				return true
			}
		}
	}
	return false
}

func isFixture(p string) bool {
	return strings.Contains("/"+p, "/testdata/") || strings.Contains("/"+p, "/test/") || strings.Contains("/"+p, "/tests/") || strings.Contains("/"+p, "/fixtures/") || strings.Contains(p, "_test")
}

func checkNoExecutables(c *checker) Result {
	var where []Location
	for _, f := range c.t.files {
		if f.exe != "" {
			where = append(where, Location{Path: f.Path, Text: f.exe})
		}
	}
	if len(where) > 0 {
		return c.fail("%s in the source tree, first %s (%s)", plural(len(where), "compiled executable or object", "compiled executables or objects"), where[0].Path, where[0].Text).at(where...)
	}
	return c.pass("no compiled executable or object in the %d files of the source tree (ELF, PE, Mach-O, Java class and archive, Python bytecode, WebAssembly, static library)", len(c.t.files))
}

func checkNoUnreviewableBinaries(c *checker) Result {
	var fixtures, other []Location
	for _, f := range c.t.files {
		if f.Size == 0 || f.isText || f.media {
			continue
		}
		l := Location{Path: f.Path, Text: f.binKind}
		if isFixture(f.lower) {
			fixtures = append(fixtures, l)
		} else {
			other = append(other, l)
		}
	}
	all := append(other, fixtures...)
	if len(all) > 0 {
		return c.fail("%s that cannot be reviewed as text (%d outside test data, %d in it), first %s (%s)", plural(len(all), "binary file", "binary files"), len(other), len(fixtures), all[0].Path, all[0].Text).at(all...)
	}
	return c.pass("every file of the source tree is text or a recognised image, sound, video, font or PDF")
}

// binaryKind names a binary file's type for a report.
func binaryKind(name string, b []byte) string {
	if k := executableKind(name, b); k != "" {
		return k
	}
	for _, m := range []struct{ magic, kind string }{
		{"PK\x03\x04", "zip archive"}, {"\x1f\x8b", "gzip"}, {"\xfd7zXZ", "xz"}, {"BZh", "bzip2"},
		{"7z\xbc\xaf", "7-zip"}, {"\x28\xb5\x2f\xfd", "zstd"}, {"# v2 git bundle", "git bundle"}, {"# v3 git bundle", "git bundle"},
		{"SQLite format 3", "SQLite database"}, {"PACK", "git pack"},
	} {
		if bytes.HasPrefix(b, []byte(m.magic)) {
			return m.kind
		}
	}
	if len(b) > 262 && string(b[257:262]) == "ustar" {
		return "tar archive"
	}
	return "binary data"
}
