package rebuild

import (
	"debug/buildinfo"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"glassbox.dev"
)

// goEnvSettings are the build settings a Go binary records (go version -m)
// that are environment variables of the build.
var goEnvSettings = []string{"CGO_ENABLED", "GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM", "GOEXPERIMENT"}

// GoRecipe is the default recipe for a Go module without one. For each
// shipped artefact that is a Go binary it rebuilds the main package the
// binary names with the settings the binary records (CGO_ENABLED, GOOS,
// GOARCH…, -tags, -ldflags, -gcflags, -trimpath), as Go's own gorebuild
// does: the vendor's build is described by the binary itself. Artefacts
// that are not Go binaries get "go build -trimpath" of the module's root
// package, as DefaultGoRecipe. dir is where go.mod lies in the source.
func GoRecipe(module, dir string, artifacts map[string]io.ReaderAt) (*Recipe, error) {
	var plain []string
	r := &Recipe{Toolchain: ToolchainGo, Artifacts: map[string]string{}, Env: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(artifacts)) {
		bi, err := buildinfo.Read(artifacts[name])
		if err != nil || bi.Main.Path != module && !strings.HasPrefix(bi.Path, module+"/") && bi.Path != module {
			plain = append(plain, name)
			continue
		}
		args := []string{"go", "build"}
		env := map[string]string{}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "-buildmode" && s.Value == "exe":
				// The default for a main package, recorded always; passing it
				// explicitly changes the build ID.
			case s.Key == "-trimpath" && s.Value == "true":
				args = append(args, "-trimpath")
			case s.Key == "-tags", s.Key == "-ldflags", s.Key == "-gcflags", s.Key == "-asmflags", s.Key == "-buildmode":
				args = append(args, s.Key+"="+s.Value)
			case slices.Contains(goEnvSettings, s.Key):
				env[s.Key] = s.Value
			}
		}
		pkg := "."
		if rel, ok := strings.CutPrefix(bi.Path, module+"/"); ok {
			pkg = "./" + rel
		}
		out := "dist/" + name
		args = append(args, "-o", out, pkg)
		cmd := ""
		for _, k := range sortedKeys(env) {
			cmd += k + "=" + shellQuote(env[k]) + " "
		}
		for i, a := range args {
			if i > 0 {
				cmd += " "
			}
			cmd += shellQuote(a)
		}
		r.Build = append(r.Build, cmd)
		r.Artifacts[name] = out
	}
	if len(plain) > 0 {
		def, err := DefaultGoRecipe(module, plain)
		if err != nil {
			return nil, err
		}
		r.Build = append(r.Build, def.Build...)
		for k, v := range def.Artifacts {
			r.Artifacts[k] = v
		}
	}
	if dir != "." && dir != "" {
		for i, b := range r.Build {
			r.Build[i] = "cd " + shellQuote(dir) + " && " + b
		}
		for name, p := range r.Artifacts {
			r.Artifacts[name] = path.Join(dir, p)
		}
	}
	if err := r.Validate(); err != nil {
		return nil, glassbox.Errorf(glassbox.EINVALID, "default Go recipe for %s: %w", module, err)
	}
	return r, nil
}

// GoVersions returns the Go toolchain versions (go1.26.8) the Go binaries
// among artifacts were built with.
func GoVersions(artifacts map[string]io.ReaderAt) []string {
	var out []string
	for _, ra := range artifacts {
		if bi, err := buildinfo.Read(ra); err == nil && !slices.Contains(out, bi.GoVersion) {
			out = append(out, bi.GoVersion)
		}
	}
	slices.Sort(out)
	return out
}
