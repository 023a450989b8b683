// Package buildtamper finds build scripts that do more than build:
// download-and-execute one-liners, npm install hooks that run code or
// fetch it, configure-time code that extracts and runs something hidden in
// test data (the xz-utils 5.6.1 backdoor), and scripts that rewrite the
// build after configure has run.
//
// Only build files are read (Makefiles, configure scripts and their m4,
// shell scripts, CMake, Dockerfiles, package.json, setup.py, build.rs and
// GitHub workflows), and each rule runs its regular expressions only on
// the lines a bytes.Contains keyword test lets through.
package buildtamper

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// Family is the name of the rule family this package implements.
const Family = "buildtamper"

// The rules, in ID order. Their IDs are stable: suppressions key on them.
var (
	// RuleDownloadExec is GB0601: a build script that downloads and runs code.
	RuleDownloadExec = scan.Rule{
		ID:       "GB0601",
		Name:     "download-and-execute",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A build script pipes a download into a shell (curl … | sh) or downloads a file, makes it executable and runs it.",
		Explanation: "Whatever the server returns at build time runs with the builder's privileges and is in " +
			"no release, no review and no checksum; whoever controls the URL (as with Codecov's bash " +
			"uploader in 2021) controls every build.",
	}
	// RuleInstallScript is GB0602: an npm install hook that runs code.
	RuleInstallScript = scan.Rule{
		ID:       "GB0602",
		Name:     "install-script",
		Family:   Family,
		Severity: glassbox.SeverityMedium,
		Summary:  "package.json has a preinstall, install or postinstall script that runs node on a file or fetches something.",
		Explanation: "Install hooks run on every machine that installs the package, before anyone has used " +
			"it; they are how hijacked npm packages (ua-parser-js, coa, rc in 2021) dropped miners and " +
			"password stealers.",
	}
	// RuleTestDataExec is GB0603: build code that extracts and runs test data.
	RuleTestDataExec = scan.Rule{
		ID:       "GB0603",
		Name:     "test-data-extracted-and-run",
		Family:   Family,
		Severity: glassbox.SeverityCritical,
		Summary:  "Configure or make code reads a file from test data through tr/sed/head/tail/decompression into eval or a shell.",
		Explanation: "Build scripts have no reason to decode test files and execute the result; the xz-utils " +
			"5.6.1 backdoor (CVE-2024-3094) was hidden in tests/files/*.xz and extracted by a modified " +
			"build-to-host.m4 with sed, tr, xz -d and eval.",
	}
	// RuleModifyBuild is GB0604: a script that rewrites the build after configure.
	RuleModifyBuild = scan.Rule{
		ID:       "GB0604",
		Name:     "build-modified-after-configure",
		Family:   Family,
		Severity: glassbox.SeverityHigh,
		Summary:  "A configure-time script edits a generated Makefile in place or links prebuilt objects (ld -r) into the build.",
		Explanation: "Makefiles are generated from reviewed templates; editing them in place from configure, " +
			"or linking an object that came from test data, injects code the sources do not contain, as " +
			"the xz-utils backdoor did to liblzma's Makefile.",
	}
)

type analyzer struct{}

// New returns the build-tampering analyser. It holds no state and is safe
// for concurrent use.
func New() scan.Analyzer { return analyzer{} }

// Rules lists GB0601–GB0604.
func (analyzer) Rules() []scan.Rule {
	return []scan.Rule{RuleDownloadExec, RuleInstallScript, RuleTestDataExec, RuleModifyBuild}
}

// kind classifies a build file.
type kind int

const (
	notBuild  kind = iota
	configure      // configure, configure.ac, *.m4: runs at configure time
	makefile       // Makefile*, *.mk, CMake
	script         // shell scripts, Dockerfiles, workflows, setup.py, build.rs
	npm            // package.json
)

func classify(p string) kind {
	base := path.Base(p)
	lb := strings.ToLower(base)
	ext := strings.ToLower(path.Ext(base))
	switch {
	case base == "package.json":
		return npm
	case base == "configure" || base == "configure.ac" || base == "configure.in" || ext == ".m4":
		return configure
	case strings.HasPrefix(base, "Makefile") || strings.HasPrefix(base, "GNUmakefile") || base == "makefile" || ext == ".mk" ||
		base == "CMakeLists.txt" || ext == ".cmake":
		return makefile
	case ext == ".sh" || ext == ".bash" || strings.HasPrefix(lb, "dockerfile") || ext == ".dockerfile" ||
		base == "setup.py" || base == "build.rs" || base == "Containerfile" ||
		(strings.Contains(p, ".github/workflows/") && (ext == ".yml" || ext == ".yaml")):
		return script
	}
	return notBuild
}

// Analyze returns the build-tampering findings in f.
func (analyzer) Analyze(f *scan.File) []glassbox.Finding {
	if f == nil || len(f.Content) == 0 {
		return nil
	}
	k := classify(f.Path)
	if k == notBuild {
		return nil
	}
	c := &collector{f: f}
	if k == npm {
		// Any npm script can pipe a download into a shell; the install
		// hooks are worse, as everyone who installs the package runs them.
		c.npmScripts()
		c.downloadExec()
		return c.out
	}
	c.downloadExec()
	if k == configure || k == makefile || (k == script && strings.HasSuffix(f.Path, ".sh")) {
		c.testDataExec()
		c.modifyBuild(k)
	}
	return c.out
}

type collector struct {
	f   *scan.File
	out []glassbox.Finding
	// how the file's shell code is read, built on first need.
	shell    *shellContext
	shellErr bool
	makefile []makeLine
	readMake bool
	// lines already reported, so one line is explained by its worst rule.
	seen map[int]bool
}

func (c *collector) add(r scan.Rule, sev glassbox.Severity, start, end int, msg string) {
	if c.seen == nil {
		c.seen = map[int]bool{}
	}
	ls := bytes.LastIndexByte(c.f.Content[:start], '\n') + 1
	if c.seen[ls] {
		return
	}
	c.seen[ls] = true
	if c.f.Test {
		// Build scripts under tests/ build fixtures; still worth a look,
		// but they do not ship.
		sev = glassbox.SeverityLow
		msg += " in test code — a fixture?"
	}
	c.out = append(c.out, glassbox.Finding{
		RuleID:   r.ID,
		Rule:     r.Name,
		Family:   Family,
		Severity: sev,
		Message:  msg,
		Region:   c.f.RegionOf(start, end),
		Snippet:  snippet(c.f.Content, start, end),
	})
}

// snippet returns the matched text, cut to a readable length.
func snippet(b []byte, start, end int) string {
	s := string(b[start:end])
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "�"))
}

// forLines calls fn for each line of b that contains any of the keywords,
// with the line's bounds. Lines are found from the keyword hits, so a file
// without keywords costs only the bytes.Index calls.
func forLines(b []byte, keywords []string, fn func(start, end int)) {
	var starts []int
	for _, k := range keywords {
		kb := []byte(k)
		for i := 0; i < len(b); {
			j := bytes.Index(b[i:], kb)
			if j < 0 {
				break
			}
			at := i + j
			ls := bytes.LastIndexByte(b[:at], '\n') + 1
			starts = append(starts, ls)
			le := bytes.IndexByte(b[at:], '\n')
			if le < 0 {
				break
			}
			i = at + le + 1
		}
	}
	if len(starts) == 0 {
		return
	}
	done := map[int]bool{}
	for _, ls := range starts {
		if done[ls] {
			continue
		}
		done[ls] = true
		le := bytes.IndexByte(b[ls:], '\n')
		if le < 0 {
			le = len(b)
		} else {
			le += ls
		}
		fn(ls, le)
	}
}

var (
	// pipeToShell: curl/wget output piped into a shell or interpreter.
	pipeToShell = regexp.MustCompile(`\b(?:curl|wget)\b[^|;\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:/usr)?(?:/bin/)?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^|;\n]*\|\s*(?:sudo\s+)?(?:python3?|perl|ruby|node)\b`)
	// shellOfDownload: sh -c "$(curl …)", bash <(curl …), eval "$(wget …)".
	shellOfDownload = regexp.MustCompile(`\b(?:(?:ba|z)?sh\s+(?:-c\s+)?["']?\$\(|(?:ba|z)?sh\s+<\(|eval\s+["']?\$\(|source\s+<\(|\.\s+<\()\s*(?:curl|wget)\b`)
	// downloadTo: curl -o FILE / wget -O FILE, capturing the file.
	downloadTo = regexp.MustCompile(`\b(?:curl\b[^\n|;]*?\s(?:-o|--output)\s*|wget\b[^\n|;]*?\s(?:-O|--output-document(?:=|\s))\s*)["']?([^\s"';|&]+)`)
)

// downloadExec reports GB0601.
func (c *collector) downloadExec() {
	b := c.f.Content
	if !bytes.Contains(b, []byte("curl")) && !bytes.Contains(b, []byte("wget")) {
		return
	}
	var downloaded []string
	forLines(b, []string{"curl", "wget"}, func(ls, le int) {
		line := b[ls:le]
		if m := pipeToShell.FindIndex(line); m != nil {
			if ok, _ := c.runs(ls + m[0]); !ok {
				return
			}
			c.add(RuleDownloadExec, RuleDownloadExec.Severity, ls+m[0], ls+m[1], "a build script pipes a download straight into a shell")
			return
		}
		if m := shellOfDownload.FindIndex(line); m != nil {
			if ok, _ := c.runs(ls + m[0]); !ok {
				return
			}
			if c.shell != nil {
				if scalar, _ := c.shell.scalarOutput(ls + m[1] - 1); scalar {
					return
				}
			}
			c.add(RuleDownloadExec, RuleDownloadExec.Severity, ls+m[0], le, "a build script runs the output of a download as shell code")
			return
		}
		for _, m := range downloadTo.FindAllSubmatchIndex(line, -1) {
			if f := string(line[m[2]:m[3]]); f != "-" && f != "/dev/null" {
				if ok, _ := c.runs(ls + m[0]); ok {
					downloaded = append(downloaded, f)
				}
			}
		}
	})
	// Downloaded, then made executable: the file is about to be run.
	for _, name := range downloaded {
		base := path.Base(name)
		if len(base) < 2 {
			continue
		}
		forLines(b, []string{"chmod"}, func(ls, le int) {
			line := string(b[ls:le])
			i := strings.Index(line, "chmod")
			rest := line[i:]
			if (strings.Contains(rest, "+x") || strings.Contains(rest, "755") || strings.Contains(rest, "700") || strings.Contains(rest, "a+rx")) &&
				strings.Contains(rest, base) {
				if invoked(b, base) {
					c.add(RuleDownloadExec, RuleDownloadExec.Severity, ls+i, le, "a build script downloads “"+base+"”, makes it executable and runs it")
				} else {
					// Installed (a tool put in a container image's
					// /usr/bin), not run by this build: unverified, but
					// not code the build executes.
					c.add(RuleDownloadExec, glassbox.SeverityLow, ls+i, le, "a build script downloads “"+base+"” and makes it executable, but does not run it here (installed for later use?): pin it by digest")
				}
			}
		})
	}
}

// invoked reports whether the build file runs a program named base: the
// name, or a path ending in it, where a command starts (a line, a RUN, or
// after ;, &&, ||, |, a subshell, exec, sudo, then, do).
func invoked(b []byte, base string) bool {
	re, err := regexp.Compile(`(?m)(?:^|[;&|(]|\bRUN\b|\bexec\b|\bsudo\b|\bthen\b|\bdo\b)[ \t]*(?:[^\s;&|'"]*/)?` + regexp.QuoteMeta(base) + `(?:[\s;&|)]|$)`)
	return err == nil && re.Match(b)
}

// runs reports whether the text at off is run as shell code, or only shown
// (echoed, in a comment, in a here-document for cat, in a help message), by
// the file's syntax: a shell script's bash tree, a Makefile's lines and its
// recipes' trees. Other build files, and any that cannot be parsed, are
// taken as run.
func (c *collector) runs(off int) (bool, string) {
	switch {
	case isMakefile(c.f.Path):
		if !c.readMake {
			c.readMake, c.makefile = true, makeLines(c.f.Content)
		}
		return makeRuns(c.f.Content, c.makefile, off, 0)
	case c.f.Lang == "shell":
		if c.shell == nil && !c.shellErr {
			tree, err := c.f.Tree()
			if err != nil {
				c.shellErr = true
			} else {
				c.shell = newShellContext(tree)
			}
		}
		if c.shell != nil {
			return c.shell.executed(off)
		}
	}
	return true, ""
}

func isMakefile(p string) bool {
	base := path.Base(p)
	return strings.HasPrefix(base, "Makefile") || strings.HasPrefix(base, "GNUmakefile") || base == "makefile" ||
		strings.HasSuffix(base, ".mk") || strings.HasSuffix(base, ".make")
}

// testDataExec and modifyBuild are in xz.go.

func init() { scan.Register(New()) }
