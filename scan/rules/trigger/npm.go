package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"glassbox.dev"
	"glassbox.dev/scan"
	"glassbox.dev/scan/syntax"
)

// installHooks are the scripts npm runs on every install.
var installHooks = []string{"preinstall", "install", "postinstall"}

// installDroppers finds GB1403 in the npm packages of a set: each
// package.json's install hooks, and the script files they run.
func installDroppers(s *scan.FileSet) []glassbox.Finding {
	var out []glassbox.Finding
	for _, f := range s.Files {
		if path.Base(f.Path) == "package.json" {
			out = append(out, packageHooks(f, s.Layout)...)
		}
	}
	return out
}

// packageHooks judges the install hooks of the manifest f, reading the
// scripts they run from layout (nil: only what the hook line itself says).
func packageHooks(f *scan.File, layout *scan.Layout) []glassbox.Finding {
	if !bytes.Contains(f.Content, []byte("install")) {
		return nil
	}
	var m struct {
		Scripts map[string]any `json:"scripts"`
	}
	if err := json.Unmarshal(f.Content, &m); err != nil {
		return nil
	}
	var out []glassbox.Finding
	for _, hook := range installHooks {
		cmd, ok := m.Scripts[hook].(string)
		if !ok || strings.TrimSpace(cmd) == "" {
			continue
		}
		at := hookOffset(f.Content, hook)
		hookStep := glassbox.FlowStep{Path: f.Path, Message: fmt.Sprintf("npm runs the %s hook %q on every install", hook, cmd)}
		hookStep.Line, hookStep.Column = f.LineCol(at)
		// The hook line itself: a download piped into a shell or node.
		if v := judgeShell(cmd); v.download != "" && v.execute != "" {
			out = append(out, dropperFinding(f, at, hook, cmd, "the hook", v, glassbox.SeverityHigh, []glassbox.FlowStep{hookStep}))
			continue
		}
		for _, script := range hookScripts(cmd) {
			p := path.Join(path.Dir(f.Path), script)
			content, ok := layout.Read(p)
			if !ok {
				continue
			}
			sf := scan.NewFile(p, content)
			var v verdict
			var sev glassbox.Severity
			switch {
			case sf.Lang == "javascript":
				v, sev = judgeJS(sf)
			case sf.Lang == "shell" || strings.HasSuffix(p, ".sh"):
				v, sev = judgeShell(string(content)), glassbox.SeverityHigh
			}
			sf.Close()
			if v.download == "" || v.execute == "" {
				continue
			}
			flow := []glassbox.FlowStep{hookStep,
				{Path: p, Line: v.dlLine, Message: "downloads: " + v.download},
				{Path: p, Line: v.exLine, Message: "executes: " + v.execute}}
			out = append(out, dropperFinding(f, at, hook, cmd, p, v, sev, flow))
			break
		}
	}
	return out
}

// verdict is what a script does: where it downloads and where it
// executes, described.
type verdict struct {
	download, execute string
	dlLine, exLine    int
}

func dropperFinding(f *scan.File, at int, hook, cmd, where string, v verdict, sev glassbox.Severity, flow []glassbox.FlowStep) glassbox.Finding {
	msg := fmt.Sprintf("the %s hook %q runs %s, which downloads (%s) and executes (%s)", hook, cmd, where, v.download, v.execute)
	if sev != glassbox.SeverityHigh {
		msg += "; what it executes is a downloaded program, as installers of prebuilt binaries do, not downloaded code evaluated in place"
	}
	end := at + len(hook)
	return glassbox.Finding{
		RuleID:   RuleInstallDropper.ID,
		Severity: sev,
		Message:  msg,
		Region:   f.RegionOf(at, end),
		Snippet:  hook + ": " + cmd,
		Flow:     flow,
	}
}

// hookOffset is where the hook's key is in the manifest.
func hookOffset(b []byte, hook string) int {
	if i := bytes.Index(b, []byte(`"`+hook+`"`)); i >= 0 {
		return i
	}
	return 0
}

// hookScripts are the files a hook command runs: node x.js, sh x.sh, ./x.
var scriptArg = regexp.MustCompile(`(?:^|[;&|]\s*)(?:node|nodejs|sh|bash)?\s*((?:\./)?[\w./-]+\.(?:js|cjs|mjs|sh))\b`)

func hookScripts(cmd string) []string {
	var out []string
	for _, m := range scriptArg.FindAllStringSubmatch(cmd, 4) {
		p := path.Clean(m[1])
		if !strings.HasPrefix(p, "../") && !path.IsAbs(p) {
			out = append(out, p)
		}
	}
	return out
}

var (
	shDownload = regexp.MustCompile(`\b(curl|wget)\b[^\n]*|\bhttps?://[^\s'"]+`)
	shExecute  = regexp.MustCompile(`\|\s*(sudo\s+)?(sh|bash|zsh|node|python3?|perl)\b|\bchmod\s+\+?[0-7x]+[^\n]*|\beval\b[^\n]*|\bnode\s+-e\b[^\n]*|&&\s*\./[\w.-]+`)
)

// judgeShell reads a shell command or script.
func judgeShell(s string) verdict {
	var v verdict
	if m := shDownload.FindStringIndex(s); m != nil {
		v.download = strings.TrimSpace(s[m[0]:min(m[1], m[0]+120)])
		v.dlLine = 1 + strings.Count(s[:m[0]], "\n")
	}
	if m := shExecute.FindStringIndex(s); m != nil {
		v.execute = strings.TrimSpace(s[m[0]:min(m[1], m[0]+120)])
		v.exLine = 1 + strings.Count(s[:m[0]], "\n")
	}
	return v
}

// jsDownloadModules are modules whose calls fetch from the network.
var jsDownloadModules = regexp.MustCompile(`require\(\s*['"](https?|node-fetch|axios|got|request|undici)['"]\s*\)|from\s+['"](https?|node-fetch|axios|got|undici)['"]`)

// judgeJS reads an install script in JavaScript: it downloads if it
// fetches (fetch, http(s).get/request, a module that does, curl or wget
// through child_process), and executes downloaded code in place (eval,
// Function, vm) — high — or spawns a program — low: installers of
// prebuilt binaries download one and run it.
func judgeJS(f *scan.File) (verdict, glassbox.Severity) {
	var v verdict
	t, err := f.Tree()
	if err != nil {
		return v, ""
	}
	calls, err := t.Calls()
	if err != nil {
		return v, ""
	}
	netModule := jsDownloadModules.Match(f.Content)
	sev := glassbox.SeverityLow
	for _, c := range calls {
		text := c.Node.Text()
		short := strings.Join(strings.Fields(text[:min(len(text), 100)]), " ")
		line := c.Node.Line()
		switch {
		case v.download == "" && (c.Name == "fetch" || netModule && (c.Name == "get" || c.Name == "request" || c.Name == "axios" || c.Name == "got")):
			v.download, v.dlLine = short, line
		case v.download == "" && isChildProcess(c.Name) && argMentions(c, "curl", "wget"):
			v.download, v.dlLine = short, line
		}
		switch {
		case c.Name == "eval" || c.Name == "Function" || strings.HasPrefix(c.Name, "runIn") || c.Name == "compileFunction":
			if v.execute == "" || sev == glassbox.SeverityLow {
				v.execute, v.exLine, sev = short, line, glassbox.SeverityHigh
			}
		case v.execute == "" && isChildProcess(c.Name) && !argMentions(c, "curl", "wget"):
			v.execute, v.exLine = short, line
		case v.execute == "" && isChildProcess(c.Name) && argMentions(c, "| sh", "|sh", "| bash", "|bash"):
			v.execute, v.exLine, sev = short, line, glassbox.SeverityHigh
		}
	}
	return v, sev
}

func isChildProcess(name string) bool {
	switch name {
	case "exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork":
		return true
	}
	return false
}

func argMentions(c syntax.Call, words ...string) bool {
	for _, a := range c.Args {
		t := a.Text()
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}
