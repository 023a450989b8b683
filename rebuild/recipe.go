// Package rebuild rebuilds a release's artefacts from its source in a
// hermetic bubblewrap sandbox: no network, a pinned environment, bounded
// time, memory, processes and disk.
//
// A build is described by a recipe (docs/recipe.md); Materialise writes the
// source tree, Run runs the recipe, and Collect finds what it produced.
package rebuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"glassbox.dev/internal/input"

	"glassbox.dev"
)

// Toolchains a recipe may ask for.
const (
	ToolchainNone = "none" // only what the host's /usr provides
	ToolchainGo   = "go"   // the host's Go toolchain, read-only, GOTOOLCHAIN=local
)

// MaxRecipeSize bounds a recipe file; real recipes are a few hundred bytes.
const MaxRecipeSize = 1 << 20

// Recipe says how to rebuild a release's artefacts from its source. Its YAML
// form is documented in docs/recipe.md.
type Recipe struct {
	// Toolchain is ToolchainNone or ToolchainGo; Parse turns "" into none.
	Toolchain string `yaml:"toolchain"`
	// Build lists shell commands run in order with /bin/sh -c in the
	// source directory; the first that fails ends the build.
	Build []string `yaml:"build"`
	// Env is extra environment. The variables glassbox pins (PinnedEnv)
	// cannot be set here.
	Env map[string]string `yaml:"env"`
	// Artifacts maps the name of a shipped artefact to the path, relative
	// to the source directory, where the build leaves it.
	Artifacts map[string]string `yaml:"artifacts"`
	// Inputs are read-only directories fetched before the build (a module
	// cache, say), mounted into the sandbox.
	Inputs []Input `yaml:"inputs"`
	// Limits bound the build; zero fields take DefaultLimits.
	Limits Limits `yaml:"limits"`
	// Stabilisers are the differences between a rebuilt and a shipped
	// artefact that the vendor declares meaningless. A match found through
	// them is reported as such, naming the ones it needed.
	Stabilisers []Stabiliser `yaml:"stabilisers"`
	// Run says how the run stage starts shipped executables: arguments,
	// environment, configuration files, the ports each is expected to
	// listen on and how long to let it run. Executables it does not name
	// are run with the defaults (--help, --version, no arguments).
	Run []RunSpec `yaml:"run"`
}

// RunSpec is one run of a shipped executable in the run stage.
type RunSpec struct {
	Artifact string            `yaml:"artifact"` // the artefact's name, as in Artifacts
	Args     []string          `yaml:"args"`
	Env      map[string]string `yaml:"env"`
	// Files are configuration files written before the run, by their
	// absolute path inside the sandbox (under /etc, /srv, /opt, /var…).
	Files map[string]string `yaml:"files"`
	// Ports are the TCP ports the program is expected to listen on; a
	// listener on all interfaces elsewhere is a finding.
	Ports []int `yaml:"ports"`
	// Duration is how long the program runs before it is stopped (its
	// probes included); zero means DefaultRunDuration.
	Duration Duration `yaml:"duration"`
	Stdin    string   `yaml:"stdin"`
}

// Bounds of a recipe's run section.
const (
	DefaultRunDuration = Duration(5 * time.Second)
	MaxRunDuration     = Duration(5 * time.Minute)
	maxRunFiles        = 1 << 20 // bytes of configuration files, all runs together
)

// Input is a read-only directory prepared outside the sandbox. Path is a
// host path and is only mounted when it lies inside one of the directories
// the caller allows (Spec.InputRoots): a recipe comes from the vendor and
// must not be able to name /root or /etc/shadow.
type Input struct {
	Name   string          `yaml:"name"`
	Path   string          `yaml:"path"`   // absolute host path
	Mount  string          `yaml:"mount"`  // absolute path inside the sandbox
	Digest glassbox.Digest `yaml:"digest"` // TreeDigest of the directory: the input is pinned
}

// Limits bound one build. Zero fields mean "not set here": the defaults, or
// what the recipe says, apply.
type Limits struct {
	Wall      Duration `yaml:"wall"`      // wall-clock time of the whole build
	Memory    Size     `yaml:"memory"`    // memory of all the build's processes together
	Disk      Size     `yaml:"disk"`      // bytes the build writes, in its work directory and /tmp together
	Processes int      `yaml:"processes"` // processes and threads alive at once
	Inodes    int      `yaml:"inodes"`    // files, directories and links the build creates
}

// DefaultLimits fit the build of a large Go program on one worker.
func DefaultLimits() Limits {
	return Limits{
		Wall:      Duration(10 * time.Minute),
		Memory:    2 << 30,
		Disk:      4 << 30,
		Processes: 256,
		Inodes:    1_000_000,
	}
}

// Override returns l with every non-zero field of o replacing l's.
func (l Limits) Override(o Limits) Limits {
	if o.Wall != 0 {
		l.Wall = o.Wall
	}
	if o.Memory != 0 {
		l.Memory = o.Memory
	}
	if o.Disk != 0 {
		l.Disk = o.Disk
	}
	if o.Inodes != 0 {
		l.Inodes = o.Inodes
	}
	if o.Processes != 0 {
		l.Processes = o.Processes
	}
	return l
}

// PinnedEnv lists the variables glassbox sets in every build. A recipe that
// tries to set one is refused rather than silently overridden, so its author
// learns that the value is not theirs to choose.
var PinnedEnv = []string{
	"SOURCE_DATE_EPOCH", "TZ", "LANG", "LC_ALL", "HOME", "TMPDIR", "PATH",
	"USER", "LOGNAME",
	// With the Go toolchain: which toolchain runs, and where modules come from.
	"GOTOOLCHAIN", "GOROOT", "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB",
	"GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOCACHE", "GOMODCACHE", "GOPATH",
	"GOENV", "GOTELEMETRY",
}

// reservedMounts are sandbox paths glassbox itself mounts; an input may not
// cover or sit beneath one of them.
var reservedMounts = []string{"/", "/bin", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt/go", "/proc", "/sbin", "/src", "/tmp", "/usr"}

var (
	envNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	inputNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
)

// Load reads and parses the recipe file at path.
func Load(ctx context.Context, path string) (*Recipe, error) {
	data, err := input.ReadFile(ctx, path, "recipe", MaxRecipeSize)
	if err != nil {
		return nil, err
	}
	r, err := Parse(data)
	if err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "%s: %w", path, err)
	}
	return r, nil
}

// Parse parses and validates a recipe. Unknown fields are errors, and errors
// name the line they are about.
func Parse(data []byte) (*Recipe, error) {
	fail := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "recipe: "+format, args...)
	}
	if len(data) > MaxRecipeSize {
		return nil, fail("larger than %d bytes", MaxRecipeSize)
	}
	var r Recipe
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail("empty; a recipe needs at least build and artifacts")
		}
		return nil, fail("%s", yamlError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail("more than one YAML document; put the whole recipe in one")
	}
	// A second pass keeps the node tree, so that validation errors can name
	// the line of the value they refuse.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fail("%s", yamlError(err))
	}
	if err := r.validate(&root); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks a recipe built in code, such as DefaultGoRecipe's.
func (r *Recipe) Validate() error { return r.validate(nil) }

func (r *Recipe) validate(root *yaml.Node) error {
	fail := func(keys []string, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if line := lineOf(root, keys...); line > 0 {
			return glassbox.Errorf(glassbox.EINVALID, "recipe: line %d: %s", line, msg)
		}
		return glassbox.Errorf(glassbox.EINVALID, "recipe: %s", msg)
	}
	switch r.Toolchain {
	case "":
		r.Toolchain = ToolchainNone
	case ToolchainNone, ToolchainGo:
	default:
		return fail([]string{"toolchain"}, "toolchain %q is not known; want %s or %s", r.Toolchain, ToolchainGo, ToolchainNone)
	}
	if len(r.Build) == 0 {
		return fail([]string{"build"}, "no build commands; build lists the shell commands that produce the artefacts")
	}
	for i, c := range r.Build {
		if strings.TrimSpace(c) == "" {
			return fail([]string{"build", strconv.Itoa(i)}, "build command %d is empty", i+1)
		}
		if strings.IndexByte(c, 0) >= 0 {
			return fail([]string{"build", strconv.Itoa(i)}, "build command %d contains a NUL byte", i+1)
		}
	}
	for _, k := range sortedKeys(r.Env) {
		if !envNameRE.MatchString(k) {
			return fail([]string{"env", k}, "environment variable name %q is not allowed; use letters, digits and _", k)
		}
		for _, p := range PinnedEnv {
			if k == p {
				return fail([]string{"env", k}, "%s is pinned by glassbox and cannot be set by a recipe (pinned: %s)", k, strings.Join(PinnedEnv, ", "))
			}
		}
		if strings.IndexByte(r.Env[k], 0) >= 0 {
			return fail([]string{"env", k}, "the value of %s contains a NUL byte", k)
		}
	}
	if len(r.Artifacts) == 0 {
		return fail([]string{"artifacts"}, "no artifacts; name each shipped artefact and where the build leaves it")
	}
	for _, name := range sortedKeys(r.Artifacts) {
		if err := validateArtifactName(name); err != nil {
			return fail([]string{"artifacts", name}, "%v", err)
		}
		p := r.Artifacts[name]
		if err := glassbox.ValidatePath(p); err != nil {
			return fail([]string{"artifacts", name}, "artifact %q: output path must be relative to the source directory, clean and without ..: %v", name, err)
		}
	}
	names := map[string]bool{}
	for i, in := range r.Inputs {
		keys := []string{"inputs", strconv.Itoa(i)}
		if !inputNameRE.MatchString(in.Name) {
			return fail(keys, "input %d: name %q is not allowed; use lower-case letters, digits and . _ -", i+1, in.Name)
		}
		if names[in.Name] {
			return fail(keys, "input %q is declared twice", in.Name)
		}
		names[in.Name] = true
		if !path.IsAbs(in.Path) || path.Clean(in.Path) != in.Path {
			return fail(keys, "input %q: path %q must be an absolute, clean host path", in.Name, in.Path)
		}
		if !path.IsAbs(in.Mount) || path.Clean(in.Mount) != in.Mount {
			return fail(keys, "input %q: mount %q must be an absolute, clean path inside the sandbox", in.Name, in.Mount)
		}
		for _, m := range reservedMounts {
			if in.Mount == m || (m != "/" && strings.HasPrefix(in.Mount, m+"/")) {
				return fail(keys, "input %q: mount %q is at or under %s, which glassbox mounts itself; choose a new top-level directory such as /inputs/%s", in.Name, in.Mount, m, in.Name)
			}
		}
		if err := in.Digest.Validate(); err != nil {
			return fail(keys, "input %q must be pinned by its tree digest (digest: sha256:…, as 'glassbox digest DIR' prints): %v", in.Name, err)
		}
		for _, other := range r.Inputs[:i] {
			if in.Mount == other.Mount || strings.HasPrefix(in.Mount, other.Mount+"/") || strings.HasPrefix(other.Mount, in.Mount+"/") {
				return fail(keys, "input %q: mount %q overlaps input %q at %q", in.Name, in.Mount, other.Name, other.Mount)
			}
		}
	}
	seenStab := map[Stabiliser]bool{}
	for i, st := range r.Stabilisers {
		if _, err := ParseStabiliser(string(st)); err != nil {
			return fail([]string{"stabilisers", strconv.Itoa(i)}, "%v", err)
		}
		if seenStab[st] {
			return fail([]string{"stabilisers", strconv.Itoa(i)}, "stabiliser %q is declared twice", st)
		}
		seenStab[st] = true
	}
	if err := r.validateRuns(fail); err != nil {
		return err
	}
	if r.Limits.Wall < 0 || r.Limits.Memory < 0 || r.Limits.Disk < 0 || r.Limits.Processes < 0 || r.Limits.Inodes < 0 {
		return fail([]string{"limits"}, "limits must not be negative")
	}
	return nil
}

// validateArtifactName checks that an artefact name is one file name, since
// it becomes a file name in dist/ for default recipes and in reports.
func validateArtifactName(name string) error {
	if err := glassbox.ValidatePath(name); err != nil || strings.Contains(name, "/") {
		return fmt.Errorf("artifact name %q must be a single file name", name)
	}
	return nil
}

// DefaultGoRecipe is the recipe for a Go module submitted without one. It
// assumes the usual layout: with one artefact, the main package is at the
// module root; with several, each artefact NAME is the main package in
// ./cmd/NAME. With no artefact names, the one artefact is named after the
// last element of the module path. Each is built with
// "go build -trimpath -o dist/NAME PKG", the host's Go toolchain and no
// network; the module's dependencies must be vendored or provided as an
// input named gomodcache.
func DefaultGoRecipe(module string, artifacts []string) (*Recipe, error) {
	if len(artifacts) == 0 {
		base := path.Base(module)
		// A major-version suffix (example.com/tool/v2) is not the program's name.
		if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
			base = path.Base(path.Dir(module))
		}
		artifacts = []string{base}
	}
	r := &Recipe{Toolchain: ToolchainGo, Artifacts: map[string]string{}}
	for _, a := range artifacts {
		if err := validateArtifactName(a); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "default Go recipe for %s: %w", module, err)
		}
		pkg := "."
		if len(artifacts) > 1 {
			pkg = "./cmd/" + a
		}
		r.Build = append(r.Build, fmt.Sprintf("go build -trimpath -o %s %s", shellQuote("dist/"+a), shellQuote(pkg)))
		r.Artifacts[a] = "dist/" + a
	}
	if err := r.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "default Go recipe for %s: %w", module, err)
	}
	return r, nil
}

// shellQuote quotes s for /bin/sh when it holds anything but safe characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Duration is a time.Duration written in YAML as Go writes durations: "90s",
// "10m", "1h30m".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v <= 0 {
		return fmt.Errorf("line %d: %q is not a duration; write it like 90s, 10m or 1h30m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// String writes d without zero units: "10m", not "10m0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Size is a number of bytes written in YAML with a unit: "512MiB", "2GiB",
// "4GB", or a plain number of bytes.
type Size int64

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseSize parses a size such as "2GiB".
func ParseSize(s string) (Size, error) {
	num, factor := s, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/factor {
		return 0, fmt.Errorf("%q is not a size; write it like 512MiB, 2GiB or 4GB", s)
	}
	return Size(n * factor), nil
}

// UnmarshalYAML parses a size with ParseSize.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: %q is not a size; write it like 512MiB, 2GiB or 4GB", n.Line, n.Value)
	}
	*s = v
	return nil
}

// String writes s in the largest binary unit that divides it.
func (s Size) String() string {
	for _, u := range []struct {
		suffix string
		factor int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.factor == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.factor, u.suffix)
		}
	}
	return fmt.Sprintf("%d bytes", int64(s))
}

// lineOf returns the line of the value found by following keys (mapping
// keys, or decimal indexes into sequences) from root, or of the deepest node
// found on the way; 0 when root is nil or the first key is missing.
func lineOf(root *yaml.Node, keys ...string) int {
	if root == nil {
		return 0
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0 // a missing top-level key has no line to point at
	for _, k := range keys {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					next = n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// yamlErrorNames turns the Go type names yaml.v3 puts in its messages into
// the words a recipe's author knows.
var yamlErrorNames = strings.NewReplacer(
	"in type rebuild.Recipe", "at the top level (want toolchain, build, env, artifacts, inputs, limits, stabilisers)",
	"in type rebuild.Input", "in an input (want name, path, mount)",
	"in type rebuild.Limits", "in limits (want wall, memory, disk, processes)",
	"yaml: ", "",
	"unmarshal errors:\n  ", "",
	"\n  ", "; ",
)

func yamlError(err error) string {
	return yamlErrorNames.Replace(err.Error())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hostPathWithin reports whether the host path p, with symbolic links
// resolved, lies inside one of roots.
func hostPathWithin(p string, roots []string) (string, bool) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", false
	}
	for _, root := range roots {
		rr, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(rr, real); err == nil && (rel == "." || filepath.IsLocal(rel)) {
			return real, true
		}
	}
	return "", false
}

// checkInputRoots refuses input roots that hold the centre's data
// directory or lie inside it: a recipe could otherwise mount the centre's
// keys, evidence or database into the build.
func checkInputRoots(roots []string, dataDir string) error {
	if len(roots) == 0 {
		return nil
	}
	if dataDir == "" {
		return glassbox.Errorf(glassbox.EINTERNAL, "sandbox: input roots are allowed but the centre's data directory is not known, so it cannot be kept out of them")
	}
	for _, root := range roots {
		rr, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue // a root that does not exist allows nothing
		}
		if overlaps(rr, dataDir) {
			return glassbox.Errorf(glassbox.EINVALID, "sandbox: input root %s holds or lies inside the centre's data directory %s; an input root must be apart from it (use a directory of its own for build inputs)", root, dataDir)
		}
	}
	return nil
}

// overlaps reports whether the resolved host path p is the data
// directory, lies inside it, or holds it.
func overlaps(p, dataDir string) bool {
	if dataDir == "" {
		return false
	}
	abs := func(q string) string {
		if r, err := filepath.EvalSymlinks(q); err == nil {
			q = r
		}
		if a, err := filepath.Abs(q); err == nil {
			return a
		}
		return filepath.Clean(q)
	}
	data := abs(dataDir)
	p = abs(p)
	within := func(dir, q string) bool {
		rel, err := filepath.Rel(dir, q)
		return err == nil && (rel == "." || filepath.IsLocal(rel))
	}
	return within(data, p) || within(p, data)
}

func (r *Recipe) validateRuns(fail func(keys []string, format string, args ...any) error) error {
	total := 0
	for i, run := range r.Run {
		keys := []string{"run", strconv.Itoa(i)}
		if _, ok := r.Artifacts[run.Artifact]; !ok {
			return fail(keys, "run %d: artifact %q is not one of the recipe's artifacts", i+1, run.Artifact)
		}
		for _, a := range run.Args {
			if strings.IndexByte(a, 0) >= 0 {
				return fail(keys, "run %d: an argument contains a NUL byte", i+1)
			}
		}
		for _, k := range sortedKeys(run.Env) {
			if !envNameRE.MatchString(k) || strings.IndexByte(run.Env[k], 0) >= 0 {
				return fail(keys, "run %d: environment variable %q is not allowed; use letters, digits and _ and no NUL in the value", i+1, k)
			}
			if k == "RES_OPTIONS" || k == "LOCALDOMAIN" || k == "HOSTALIASES" || k == "LD_PRELOAD" || k == "LD_LIBRARY_PATH" || k == "LD_AUDIT" {
				return fail(keys, "run %d: %s is glassbox's to leave unset: it changes how names are looked up or what the program loads", i+1, k)
			}
		}
		for _, p := range sortedKeys(run.Files) {
			if err := CheckBoxPath(p); err != nil {
				return fail(keys, "run %d: file %v; put configuration under /etc, /srv, /opt or /var", i+1, err)
			}
			total += len(run.Files[p])
		}
		for _, p := range run.Ports {
			if p < 1 || p > 65535 {
				return fail(keys, "run %d: port %d is not a TCP port (1-65535)", i+1, p)
			}
		}
		if run.Duration < 0 || run.Duration > MaxRunDuration {
			return fail(keys, "run %d: duration %s must be between 0 (the default, %s) and %s", i+1, run.Duration, DefaultRunDuration, MaxRunDuration)
		}
	}
	if total > maxRunFiles {
		return fail([]string{"run"}, "the run section's files hold %d bytes; at most %d", total, maxRunFiles)
	}
	return nil
}
