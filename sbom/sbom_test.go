package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/schemas"
)

// validateCDX holds a document to the official CycloneDX 1.6 schema.
func validateCDX(t testing.TB, doc []byte) {
	t.Helper()
	if err := schemas.Validate(schemas.CycloneDX, doc); err != nil {
		t.Fatalf("CycloneDX output: %v", err)
	}
}

// id is how tests name a component: ecosystem/name@version.
func id(c glassbox.Component) string { return c.Ecosystem + "/" + c.Name + "@" + c.Version }

func ids(cs []glassbox.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = id(c)
	}
	return out
}

func find(cs []glassbox.Component, ident string) (glassbox.Component, bool) {
	for _, c := range cs {
		if id(c) == ident {
			return c, true
		}
	}
	return glassbox.Component{}, false
}

func TestDeriveTree(t *testing.T) {
	cs, err := Derive(context.Background(), "testdata/tree")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/curl@7.74.0", "/expat@2.4.1", "/lzma@5.6.0", "/openssl@1.1.1k", "/zlib@1.2.11", "/zstd@1.4.4",
		"Go/example.com/internal/auth@", // replaced by ./auth: no published version
		"Go/github.com/gin-contrib/sse@v0.1.0",
		"Go/github.com/gin-gonic/gin@v1.6.0",
		"Go/github.com/golang/protobuf@v1.3.3",
		"Go/github.com/pkg/errors@v0.9.1", // replace v0.8.1 => v0.9.1
		"Go/golang.org/x/net@v0.0.0-20190620200207-3b0461eec859",
		"Go/golang.org/x/text@v0.3.0",
		"Maven/com.example.gateway:gateway-core@2.1.0", // ${project.version} from <parent>
		"Maven/com.fasterxml.jackson.core:jackson-databind@2.12.3",
		"Maven/junit:junit@4.13.1",
		"Maven/org.apache.commons:commons-text@1.9", // from <dependencyManagement>
		"Maven/org.apache.logging.log4j:log4j-core@2.14.1",
		"Maven/org.springframework:spring-core@", // ${spring.version} is not defined in the pom
		"PyPI/certifi@2023.7.22", "PyPI/coverage@7.3.2", "PyPI/django@3.2.4", "PyPI/flask-cors@3.0.9",
		"PyPI/idna@3.4", "PyPI/internal-lib@", "PyPI/jinja2@2.11.2", "PyPI/markupsafe@2.1.3",
		"PyPI/pytest@7.4.3", "PyPI/pyyaml@5.3.1", "PyPI/requests@2.25.1", "PyPI/six@", "PyPI/urllib3@",
		"PyPI/werkzeug@2.2.2", "PyPI/zope-interface@5.4.0",
		"crates.io/libc@0.2.80", "crates.io/smallvec@1.6.0", "crates.io/time@0.1.43",
		"npm/@babel/runtime@7.23.2", "npm/debug@2.6.9", "npm/jest@29.7.0", "npm/lodash@4.17.20",
		"npm/lodash@4.17.21", "npm/minimist@1.2.5", "npm/ms@2.0.0", "npm/ms@2.1.2", "npm/regenerator-runtime@0.14.0",
	}
	if got := ids(cs); !slices.Equal(got, want) {
		t.Errorf("Derive:\n got %q\nwant %q", got, want)
	}

	for _, tc := range []struct {
		id, purl, source string
		direct           bool
		hash             string
	}{
		{"Go/github.com/gin-gonic/gin@v1.6.0", "pkg:golang/github.com/gin-gonic/gin@v1.6.0", "go.mod", true, "h1:Lb3veSYoGaNck69fV2+Vf2juLSsHpMTf3Vk5+X+EDJg="},
		{"Go/github.com/gin-contrib/sse@v0.1.0", "pkg:golang/github.com/gin-contrib/sse@v0.1.0", "go.mod", false, "h1:Y/yl/+YNO8GZSjAhjMsSuLt29uWRFHdHYUb5lYOV9qE="},
		{"Go/github.com/pkg/errors@v0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1", "go.mod", false, "h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4="},
		{"npm/@babel/runtime@7.23.2", "pkg:npm/%40babel/runtime@7.23.2", "web/package-lock.json", true, "sha512-mM8eg4yl5D6i3lu2QKPuPH4FArvJ8KhTofbE7jwMUv9KX5mBvwPAqnV3MlyBNqdp9RyRKP6Yck8TrfYrPvX3bg=="},
		{"npm/regenerator-runtime@0.14.0", "pkg:npm/regenerator-runtime@0.14.0", "web/package-lock.json", false, ""},
		{"npm/lodash@4.17.21", "pkg:npm/lodash@4.17.21", "web/package-lock.json", false, ""}, // nested under jest
		{"npm/ms@2.0.0", "pkg:npm/ms@2.0.0", "legacy/package-lock.json", false, "sha1-VgiurfwAvmwpAd9fmGF4jeDVl8g="},
		{"PyPI/django@3.2.4", "pkg:pypi/django@3.2.4", "py/requirements.txt", true, "sha256:ea735cbbbb3b2fba6d4da4784a0043d84c67c92f1fdf15ad6db69900e792c10f"},
		{"PyPI/zope-interface@5.4.0", "pkg:pypi/zope-interface@5.4.0", "py/requirements.txt", true, ""},
		{"PyPI/certifi@2023.7.22", "pkg:pypi/certifi@2023.7.22", "poetry/poetry.lock", false, "sha256:92d6037539857d8206b8f6ae472e8b77db8058fec5937a1ef3f54304089edbb9"},
		{"crates.io/smallvec@1.6.0", "pkg:cargo/smallvec@1.6.0", "rust/Cargo.lock", false, "sha256:1a55ca5f3b68e41c979bf8c46a6f1da892ca4db8f94023ce0bd32407573b1ac0"},
		{"Maven/org.apache.logging.log4j:log4j-core@2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "java/pom.xml", true, ""},
		{"/openssl@1.1.1k", "pkg:generic/openssl@1.1.1k", "third_party/openssl/include/openssl/opensslv.h", false, ""},
	} {
		c, ok := find(cs, tc.id)
		if !ok {
			t.Errorf("%s not derived", tc.id)
			continue
		}
		if c.PURL != tc.purl || c.Source != tc.source || c.Direct != tc.direct {
			t.Errorf("%s: purl %q source %q direct %v, want %q %q %v", tc.id, c.PURL, c.Source, c.Direct, tc.purl, tc.source, tc.direct)
		}
		if tc.hash != "" && !slices.Contains(c.Hashes, tc.hash) {
			t.Errorf("%s: hashes %q lack %q", tc.id, c.Hashes, tc.hash)
		}
	}
}

// TestDeriveSkips checks that Derive reads neither .git, node_modules nor
// testdata, and does not follow a symbolic link out of the tree.
func TestDeriveSkips(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "requirements.txt"), "flask==2.0.1\n")
	write(filepath.Join(root, ".git", "requirements.txt"), "evil==6.6.6\n")
	write(filepath.Join(root, "node_modules", "x", "package-lock.json"), "{not json")
	write(filepath.Join(root, "pkg", "testdata", "requirements.txt"), "fixture==1.0\n")
	write(filepath.Join(outside, "requirements.txt"), "outside==1.0\n")
	write(filepath.Join(outside, "sub", "requirements.txt"), "outside-dir==1.0\n")
	if err := os.Symlink(filepath.Join(outside, "requirements.txt"), filepath.Join(root, "requirements-link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "sub"), filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	cs, err := Derive(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(cs), []string{"PyPI/flask@2.0.1"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A root that is itself a link is followed: it is what was asked for.
	link := filepath.Join(t.TempDir(), "tree")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	cs, err = Derive(context.Background(), link)
	if got, want := ids(cs), []string{"PyPI/flask@2.0.1"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("through a linked root: %q, %v; want %q", got, err, want)
	}
}

func TestDeriveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Derive(ctx, "testdata/tree"); err == nil {
		t.Fatal("Derive with a cancelled context succeeded")
	}
}

// TestMalformed checks that every parser refuses broken input with an
// error that names the file and says what is wrong.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		file, content string
		want          []string // substrings of the error
	}{
		{"go.mod", "module x\n\nrequire github.com/a/b\n", []string{"go.mod:3", "usage: require"}},
		{"go.mod", "module x\nrequire github.com/a/b v1.0.0\nbogus directive\n", []string{"go.mod:3", "unknown directive"}},
		{"go.mod", "module x\nrequire github.com/a/b 1.0\n", []string{"go.mod:2"}},
		{"package-lock.json", `{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": 1}}}`, []string{"package-lock.json", "cannot unmarshal"}},
		{"package-lock.json", `{"name": "x"}`, []string{"package-lock.json", "no lockfileVersion"}},
		{"package-lock.json", "{\n\"lockfileVersion\": 3,\n", []string{"package-lock.json", "line 3", "not a valid npm lock file"}},
		{"package-lock.json", `{"lockfileVersion": 3, "packages": {"node_modules/a": {}}}`, []string{"package-lock.json", `packages["node_modules/a"]`, "no version"}},
		{"package-lock.json", `{"lockfileVersion": 3, "packages": {"node_modules/../../etc": {"version": "1.0.0"}}}`, []string{"package-lock.json", "not an npm package name"}},
		{"npm-shrinkwrap.json", `{"lockfileVersion": 1, "dependencies": {"a": {"version": ""}}}`, []string{"npm-shrinkwrap.json", `["a"]`, "no version"}},
		{"package-lock.json", `{"lockfileVersion": 0}`, []string{"package-lock.json", "lockfileVersion 0"}},
		{"requirements.txt", "flask==2.0\n!!nonsense\n", []string{"requirements.txt", "line 2", "not a requirement"}},
		{"requirements-prod.txt", "flask==\n", []string{"requirements-prod.txt", "line 1", "not a version"}},
		{"requirements.txt", "flask 2.0\n", []string{"requirements.txt", "line 1", "not a version specifier"}},
		{"poetry.lock", "[[package]]\nname = \"a\"\nversion = \n", []string{"poetry.lock", "not a valid poetry.lock", "line 3"}},
		{"poetry.lock", "[[package]]\nname = \"requests\"\n", []string{"poetry.lock", `"requests"`, "no version"}},
		{"poetry.lock", "[[package]]\nname = \"bad name!\"\nversion = \"1\"\n", []string{"poetry.lock", "not a valid project name"}},
		{"Pipfile.lock", `{"default": {}}`, []string{"Pipfile.lock", "no _meta"}},
		{"Pipfile.lock", `{"_meta": {}, "default": {"idna": {"version": ">=3.4"}}}`, []string{"Pipfile.lock", "idna", "not ==VERSION"}},
		{"Pipfile.lock", `[1, 2]`, []string{"Pipfile.lock", "not a valid Pipfile.lock"}},
		{"Cargo.lock", "[[package]]\nname = \"serde\"\nsource = \"registry+x\"\n", []string{"Cargo.lock", `"serde"`, "no version"}},
		{"Cargo.lock", "version = 3\n[[package]\n", []string{"Cargo.lock", "not a valid Cargo.lock"}},
		{"pom.xml", "<project><dependencies><dependency><groupId>a</groupId></dependency>", []string{"pom.xml", "not a valid pom.xml"}},
		{"pom.xml", "<project><dependencies><dependency><groupId>a</groupId><version>1</version></dependency></dependencies></project>", []string{"pom.xml", "dependency 1", "artifactId"}},
	} {
		t.Run(tc.file+"/"+strings.Join(tc.want[1:], ","), func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, tc.file), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Derive(context.Background(), root)
			if err == nil {
				t.Fatalf("Derive accepted a malformed %s", tc.file)
			}
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Errorf("error code %q, want %q: %v", glassbox.ErrorCode(err), glassbox.EINVALID, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestMalformedGoSum(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\nrequire golang.org/x/text v0.3.0\n"), 0o644)
	os.WriteFile(filepath.Join(root, "go.sum"), []byte("golang.org/x/text v0.3.0 h1:abc=\ngolang.org/x/text\n"), 0o644)
	_, err := Derive(context.Background(), root)
	if err == nil || !strings.Contains(err.Error(), "go.sum: line 2") {
		t.Fatalf("got %v, want an error naming go.sum line 2", err)
	}
}

func TestCHeaderHeuristic(t *testing.T) {
	for _, tc := range []struct {
		path, text string
		want       []string
	}{
		{"vendor/sqlite/sqlite3.h", "#define SQLITE_VERSION        \"3.39.2\"\n#define SQLITE_VERSION_NUMBER 3039002\n", []string{"/sqlite@3.39.2"}},
		{"libpng/png.h", "#define PNG_LIBPNG_VER_STRING \"1.6.37\"\n#define PNG_HEADER_VERSION_STRING \\\n \" libpng version 1.6.37 - April 14, 2019\\n\"\n", []string{"/libpng@1.6.37"}},
		{"deps/openssl/include/openssl/opensslv.h", "# define OPENSSL_VERSION_MAJOR  3\n# define OPENSSL_VERSION_MINOR  0\n# define OPENSSL_VERSION_PATCH  2\n# define OPENSSL_VERSION_STR \"3.0.2\"\n# define OPENSSL_VERSION_TEXT \"OpenSSL 3.0.2 15 Mar 2022\"\n", []string{"/openssl@3.0.2"}},
		{"ext/pcre2/pcre2.h", "#define PCRE2_MAJOR           10\n#define PCRE2_MINOR           42\n", nil}, // no VERSION in the macro names: not claimed
		{"src/config.h", "#define API_VERSION \"2.0\"\n#define BUILD_VERSION \"9.9.9\"\n", nil},
		{"src/server.h", "#define REDIS_VERSION \"7.0.0\"\n", nil}, // the prefix is not in the path
		{"redis/src/version.h", "#define REDIS_VERSION \"7.0.11\"\n", []string{"/redis@7.0.11"}},
		{"x/mbedtls/build_info.h", "#define MBEDTLS_VERSION_MAJOR  2\n#define MBEDTLS_VERSION_MINOR  28\n#define MBEDTLS_VERSION_PATCH  0\n#define MBEDTLS_VERSION_STRING \"2.28.0\"\n", []string{"/mbedtls@2.28.0"}},
		{"third_party/libuv/include/uv/version.h", "#define UV_VERSION_MAJOR 1\n#define UV_VERSION_MINOR 44\n#define UV_VERSION_PATCH 2\n", []string{"/uv@1.44.2"}},
		{"a/zlib.h", "#define ZLIB_VERSION \"not a version\"\n", nil},
		{"include/gpg-error.h", "#define GPG_ERROR_VERSION \"1.46\"\n#define GPGRT_VERSION     \"1.46\"\n", []string{"/gpg-error@1.46"}},
		{"libxml2/libxml/parser.h", "#define XML_DEFAULT_VERSION\t\"1.0\"\n", nil}, // the XML version, not libxml's
		{"postgresql/pg_config.h", "#define PACKAGE_NAME \"PostgreSQL\"\n#define PACKAGE_TARNAME \"postgresql\"\n#define PACKAGE_VERSION \"15.20\"\n#define PG_VERSION \"15.20 (Debian 15.20-0+deb12u1)\"\n", []string{"/postgresql@15.20"}},
		{"vendor/linux/dm-ioctl.h", "#define DM_VERSION_MAJOR\t4\n#define DM_VERSION_MINOR\t47\n#define DM_VERSION_PATCHLEVEL\t0\n", nil}, // a kernel interface
		{"third_party/libpng/png.h", "#define PNG_LIBPNG_VER_STRING \"1.6.39\"\n#define PNG_HEADER_VERSION_STRING \" libpng version 1.6.39\\n\"\n", []string{"/libpng@1.6.39"}},
	} {
		got := ids(parseCHeader(tc.path, []byte(tc.text)))
		if len(got) == 0 {
			got = nil
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestCycloneDX(t *testing.T) {
	cs, err := Derive(context.Background(), "testdata/tree")
	if err != nil {
		t.Fatal(err)
	}
	subject := Subject{Name: "example.com/gateway", Version: "v1.4.0", PURL: "pkg:golang/example.com/gateway@v1.4.0",
		Hashes: []string{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}
	// A duplicate found in a second place must be listed once.
	dup := cs[len(cs)-1]
	dup.Source = "other/package-lock.json"
	doc, err := CycloneDX(subject, append(slices.Clone(cs), dup))
	if err != nil {
		t.Fatal(err)
	}
	validateCDX(t, doc)

	// Deterministic: the same components in another order give the same bytes.
	rev := slices.Clone(cs)
	slices.Reverse(rev)
	again, err := CycloneDX(subject, append(rev, dup))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, again) {
		t.Error("CycloneDX output depends on the order of its input")
	}
	other, _ := CycloneDX(subject, cs[1:])
	var d1, d2 struct {
		SerialNumber string `json:"serialNumber"`
		SpecVersion  string `json:"specVersion"`
		Metadata     struct {
			Component struct {
				Name string `json:"name"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			BOMRef     string `json:"bom-ref"`
			Group      string `json:"group"`
			Name       string `json:"name"`
			PURL       string `json:"purl"`
			Hashes     []struct{ Alg, Content string }
			Properties []struct{ Name, Value string }
		} `json:"components"`
	}
	json.Unmarshal(doc, &d1)
	json.Unmarshal(other, &d2)
	if d1.SerialNumber == d2.SerialNumber {
		t.Error("different content has the same serial number")
	}
	if d1.SpecVersion != "1.6" || d1.Metadata.Component.Name != "example.com/gateway" {
		t.Errorf("specVersion %q, subject %q", d1.SpecVersion, d1.Metadata.Component.Name)
	}
	if len(d1.Components) != len(cs) {
		t.Errorf("%d components for %d distinct purls", len(d1.Components), len(cs))
	}
	byRef := make(map[string]int)
	for i, c := range d1.Components {
		byRef[c.BOMRef] = i
	}
	gin := d1.Components[byRef["pkg:golang/github.com/gin-gonic/gin@v1.6.0"]]
	// h1:Lb3veSYo... is base64 of these 32 bytes.
	if len(gin.Hashes) != 1 || gin.Hashes[0].Alg != "SHA-256" || gin.Hashes[0].Content != "2dbdef79262819a35c93af5f576f957f68ee2d2b07a4c4dfdd5939f97f840c98" {
		t.Errorf("gin hashes %+v", gin.Hashes)
	}
	log4j := d1.Components[byRef["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]]
	if log4j.Group != "org.apache.logging.log4j" || log4j.Name != "log4j-core" {
		t.Errorf("maven component group %q name %q", log4j.Group, log4j.Name)
	}
	d := d1.Components[byRef[dup.PURL]]
	var sources []string
	for _, p := range d.Properties {
		if p.Name == sourceProperty {
			sources = append(sources, p.Value)
		}
	}
	if !slices.Equal(sources, []string{"other/package-lock.json", "web/package-lock.json"}) {
		t.Errorf("merged component's sources: %q", sources)
	}

	// What CycloneDX writes, Read reads back.
	back, err := Read(bytes.NewReader(doc), "out.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	if f := Compare(cs, back, "tree", "out.cdx.json"); len(f) != 0 {
		t.Errorf("a written SBOM differs from its input: %+v", f)
	}
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"gateway-1.4.cdx.json", []string{"/zlib@1.2.11", "Go/github.com/gin-gonic/gin@v1.6.0", "Go/golang.org/x/text@v0.3.2", "Go/stdlib@v1.22.3", "PyPI/flask-cors@3.0.9", "npm/@babel/runtime@7.23.2"}},
		{"nested-1.5.cdx.json", []string{"Maven/org.apache.logging.log4j:log4j-api@2.14.1", "Maven/org.apache.logging.log4j:log4j-core@2.14.1", "crates.io/smallvec@1.6.0"}},
		{"gateway.spdx.json", []string{"/openssl@1.1.1k", "Go/golang.org/x/net@v0.0.0-20190620200207-3b0461eec859", "npm/lodash@4.17.20"}},
	} {
		f, err := os.Open(filepath.Join("testdata/sboms", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := Read(f, tc.file)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := ids(cs); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.file, got, tc.want)
		}
		for _, c := range cs {
			if c.Source != tc.file || c.PURL == "" {
				t.Errorf("%s: %s has source %q purl %q", tc.file, id(c), c.Source, c.PURL)
			}
		}
	}
}

func TestReadMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      string
	}{
		{"a.json", "", "a.json: not JSON"},
		{"b.json", "{\n\"bomFormat\": \"CycloneDX\",\n,", "b.json: not JSON (line 3"},
		{"c.json", `{"name": "x"}`, "c.json: neither CycloneDX"},
		{"d.json", `{"bomFormat": "CycloneDX", "specVersion": "1.2"}`, `d.json: CycloneDX specVersion "1.2" is not supported`},
		{"e.json", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}}`, "e.json: CycloneDX 1.6: json: cannot unmarshal"},
		{"f.json", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "x", "purl": "npm/x@1"}]}`, `f.json: components[0] ("x"): package URL "npm/x@1" does not start with pkg:`},
		{"g.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "x", "components": [{"type": "library"}]}]}`, "g.json: components[0].components[0]"},
		{"h.json", `{"spdxVersion": "SPDX-3.0"}`, `h.json: spdxVersion "SPDX-3.0" is not supported`},
		{"i.json", `{"spdxVersion": "SPDX-2.3", "packages": [{"name": "x", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:"}]}]}`, `i.json: packages[0] ("x"): package URL "pkg:" has no type and name`},
		{"j.json", `{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-x"}]}`, "j.json: packages[0] has neither a purl nor a name"},
	} {
		_, err := Read(strings.NewReader(tc.doc), tc.name)
		if err == nil {
			t.Errorf("%s: Read accepted %q", tc.name, tc.doc)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || glassbox.ErrorCode(err) != glassbox.EINVALID {
			t.Errorf("%s: error %q (%s), want one containing %q", tc.name, err, glassbox.ErrorCode(err), tc.want)
		}
	}
}

func TestPURL(t *testing.T) {
	for _, tc := range []struct{ eco, name, version, purl string }{
		{"Go", "golang.org/x/text", "v0.3.0", "pkg:golang/golang.org/x/text@v0.3.0"},
		{"Go", "github.com/Azure/go-autorest", "v14.2.0+incompatible", "pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible"},
		{"npm", "@angular/core", "16.0.0", "pkg:npm/%40angular/core@16.0.0"},
		{"npm", "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"},
		{"PyPI", "Django_REST.framework", "3.14.0", "pkg:pypi/django-rest-framework@3.14.0"},
		{"crates.io", "serde", "1.0.188", "pkg:cargo/serde@1.0.188"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{"", "OpenSSL", "1.1.1k", "pkg:generic/openssl@1.1.1k"},
		{"Go", "stdlib", "v1.22.3", "pkg:golang/stdlib@v1.22.3"},
	} {
		if got := PURL(tc.eco, tc.name, tc.version); got != tc.purl {
			t.Errorf("PURL(%q, %q, %q) = %q, want %q", tc.eco, tc.name, tc.version, got, tc.purl)
		}
		eco, name, version, err := ParsePURL(tc.purl)
		wantName := tc.name
		switch tc.eco {
		case "PyPI":
			wantName = NormalizePyPI(tc.name)
		case "":
			wantName = strings.ToLower(tc.name)
		}
		if err != nil || eco != tc.eco || name != wantName || version != tc.version {
			t.Errorf("ParsePURL(%q) = %q %q %q %v", tc.purl, eco, name, version, err)
		}
	}
	for in, want := range map[string]string{
		"pkg:golang/std@go1.21.5":                   "v1.21.5",
		"pkg:golang/stdlib@1.20.0":                  "v1.20.0",
		"pkg:golang/golang.org/x/net@0.0.0-2019":    "v0.0.0-2019",
		"pkg:golang/golang.org/x/net@v0.17.0?x=y#z": "v0.17.0",
	} {
		if _, _, v, err := ParsePURL(in); err != nil || v != want {
			t.Errorf("ParsePURL(%q) version %q %v, want %q", in, v, err, want)
		}
	}
}

func TestGoToolchainVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.3":                      "v1.22.3",
		"go1.20":                        "v1.20.0",
		"go1.21rc2":                     "v1.21.0-rc.2",
		"go1.18beta1":                   "v1.18.0-beta.1",
		"go1.26.0 X:nocoverageredesign": "v1.26.0",
		"devel go1.23-abcdef":           "",
		"":                              "",
		"gofoo":                         "",
	} {
		if got := GoToolchainVersion(in); got != want {
			t.Errorf("GoToolchainVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	c := func(eco, name, version string) glassbox.Component {
		return glassbox.Component{Ecosystem: eco, Name: name, Version: version, Source: "src", PURL: PURL(eco, name, version)}
	}
	derived := []glassbox.Component{
		c("Go", "golang.org/x/text", "v0.3.0"),
		c("Go", "golang.org/x/net", "v0.0.0-20190620200207-3b0461eec859"),
		c("npm", "lodash", "4.17.20"),
		c("npm", "ms", "2.0.0"),
		c("npm", "ms", "2.1.2"),
		c("PyPI", "flask-cors", "3.0.9"),
		c("PyPI", "six", ""),
		c("", "zlib", "1.2.11"),
	}
	submitted := []glassbox.Component{
		c("Go", "golang.org/x/text", "v0.3.2"), // version differs
		c("npm", "lodash", "4.17.20"),          // same
		c("npm", "ms", "2.1.2"),                // one of the two versions
		c("PyPI", "Flask_Cors", "3.0.9"),       // same project, other spelling
		c("PyPI", "six", "1.16.0"),             // unpinned in the source: no mismatch
		c("", "ZLIB", "1.2.11"),                // same, other case
		c("crates.io", "smallvec", "1.6.0"),    // not in the source
		c("Go", "stdlib", "v1.22.3"),           // the source does not fix the toolchain
	}
	got := Compare(derived, submitted, "source", "vendor.cdx.json")
	var summary []string
	for _, f := range got {
		summary = append(summary, f.RuleID+" "+string(f.Severity)+" "+f.Message)
		if f.Path != "vendor.cdx.json" || f.Explanation == "" || len(f.Fingerprint) != 32 || f.Family != FindingFamily {
			t.Errorf("finding shape: %+v", f)
		}
	}
	want := []string{
		"GB1003 high vendor.cdx.json lists Go package golang.org/x/text at v0.3.2, but src has v0.3.0",
		"GB1001 medium vendor.cdx.json lists no Go package golang.org/x/net; src has it at v0.0.0-20190620200207-3b0461eec859",
		"GB1002 medium vendor.cdx.json lists crates.io package smallvec at 1.6.0, which source does not contain",
		"GB1001 medium vendor.cdx.json lists npm package ms at 2.1.2 but not at 2.0.0, which src also has",
	}
	slices.Sort(summary)
	slices.Sort(want)
	if !slices.Equal(summary, want) {
		t.Errorf("Compare:\n got %q\nwant %q", summary, want)
	}
	if f := Compare(derived, derived, "a", "b"); len(f) != 0 {
		t.Errorf("a list differs from itself: %+v", f)
	}
	// Fingerprints are stable across runs and distinct across findings.
	again := Compare(derived, submitted, "source", "vendor.cdx.json")
	seen := map[string]bool{}
	for i := range got {
		if got[i].Fingerprint != again[i].Fingerprint || seen[got[i].Fingerprint] {
			t.Errorf("fingerprint %s unstable or repeated", got[i].Fingerprint)
		}
		seen[got[i].Fingerprint] = true
	}
}

func TestCompareBinary(t *testing.T) {
	c := func(name, version string) glassbox.Component {
		return glassbox.Component{Ecosystem: "Go", Name: name, Version: version}
	}
	mod := []glassbox.Component{c("golang.org/x/text", "v0.3.0"), c("github.com/gin-gonic/gin", "v1.6.0"), c("github.com/stretchr/testify", "v1.4.0"), {Ecosystem: "npm", Name: "x", Version: "1"}}
	bin := []glassbox.Component{c("stdlib", "v1.22.3"), c("golang.org/x/text", "v0.3.0"), c("github.com/gin-gonic/gin", "v1.6.1"), c("github.com/evil/implant", "v0.0.1")}
	var got []string
	for _, f := range CompareBinary(mod, bin, "go.mod", "bin/server") {
		got = append(got, f.RuleID+" "+string(f.Severity)+" "+f.Message)
	}
	want := []string{
		"GB1004 high bin/server links Go package github.com/evil/implant at v0.0.1, which no go.mod in go.mod requires",
		"GB1005 high bin/server links Go package github.com/gin-gonic/gin at v1.6.1, but go.mod requires v1.6.0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("CompareBinary:\n got %q\nwant %q", got, want)
	}
}

// TestGoModBeforeGo117 checks that a go.mod older than Go 1.17, which
// names only direct requirements, gets its other modules from go.sum, and
// that a newer one does not.
func TestGoModBeforeGo117(t *testing.T) {
	sum := []byte(`github.com/gin-gonic/gin v1.6.0 h1:Lb3veSYoGaNck69fV2+Vf2juLSsHpMTf3Vk5+X+EDJg=
github.com/gin-gonic/gin v1.6.0/go.mod h1:75u5sXoLsGZoRN5Sgbi1eraJ4GU3++wFwWzhwvtwp4M=
github.com/gin-contrib/sse v0.1.0 h1:Y/yl/+YNO8GZSjAhjMsSuLt29uWRFHdHYUb5lYOV9qE=
github.com/gin-gonic/gin v1.5.0/go.mod h1:Nd6IXA8m5kNZdNEHMBd93KT+mdY3+bewLgRvmCsR2Do=
github.com/gin-gonic/gin v1.4.0 h1:3tMoCCfM7ppqsR0ptz/wi1impNpT7/9wQtMZ8lr1mCQ=
golang.org/x/sys v0.0.0-20200116001909-b77594299b42/go.mod h1:h1NjWce9XRLGQEsW7wpKNCjG9DtNlClVuFLEZdDNbEs=
`)
	for _, tc := range []struct {
		goLine string
		want   []string
	}{
		{"go 1.13", []string{"Go/github.com/gin-gonic/gin@v1.6.0", "Go/github.com/gin-contrib/sse@v0.1.0"}},
		{"", []string{"Go/github.com/gin-gonic/gin@v1.6.0", "Go/github.com/gin-contrib/sse@v0.1.0"}},
		{"go 1.17", []string{"Go/github.com/gin-gonic/gin@v1.6.0"}},
	} {
		cs, err := parseGoMod("go.mod", []byte("module example.com/old\n"+tc.goLine+"\nrequire github.com/gin-gonic/gin v1.6.0\n"), sum)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(cs); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.goLine, got, tc.want)
		}
	}
}
