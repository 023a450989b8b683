package practice

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"glassbox.dev"
)

// ciSystem names the CI system a lower-cased path configures, other than
// GitHub Actions, or "".
func ciSystem(p string) string {
	switch {
	case p == ".gitlab-ci.yml":
		return "GitLab CI"
	case strings.HasPrefix(p, ".circleci/") && path.Ext(p) == ".yml":
		return "CircleCI"
	case p == "jenkinsfile":
		return "Jenkins"
	case p == ".travis.yml":
		return "Travis CI"
	case p == "azure-pipelines.yml" || p == ".azure-pipelines.yml":
		return "Azure Pipelines"
	case p == "appveyor.yml" || p == ".appveyor.yml":
		return "AppVeyor"
	case p == ".drone.yml" || p == ".woodpecker.yml" || strings.HasPrefix(p, ".woodpecker/"):
		return "Drone/Woodpecker"
	case p == "bitbucket-pipelines.yml":
		return "Bitbucket Pipelines"
	case strings.HasPrefix(p, ".buildkite/"):
		return "Buildkite"
	case p == ".cirrus.yml":
		return "Cirrus CI"
	}
	return ""
}

// workflow is a GitHub Actions workflow, parsed.
type workflow struct {
	f    *file
	root *yaml.Node // the mapping at the top, nil when it does not parse
	err  string
}

// workflows returns the GitHub Actions workflows, parsed once.
func (c *checker) workflows() []workflow {
	if c.wfs != nil {
		return *c.wfs
	}
	out := []workflow{}
	defer func() { c.wfs = &out }()
	for _, f := range c.t.files {
		if !strings.HasPrefix(f.lower, ".github/workflows/") || strings.Count(f.lower, "/") != 2 || !(strings.HasSuffix(f.lower, ".yml") || strings.HasSuffix(f.lower, ".yaml")) {
			continue
		}
		w := workflow{f: f}
		var doc yaml.Node
		if f.text == "" {
			w.err = "not read as text (binary, or over the bound on configuration read)"
		} else if f.cut {
			w.err = fmt.Sprintf("longer than the %d KiB read of it", maxText>>10)
		} else if err := yaml.Unmarshal([]byte(f.text), &doc); err != nil {
			w.err = err.Error()
		} else if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
			w.root = doc.Content[0]
		} else {
			w.err = "not a mapping"
		}
		out = append(out, w)
	}
	return out
}

// otherCI returns the other CI systems' files, whose contents these checks
// do not read.
func (c *checker) otherCI() []Location {
	var out []Location
	for _, f := range c.t.files {
		if s := ciSystem(f.lower); s != "" {
			out = append(out, Location{Path: f.Path, Text: s})
		}
	}
	return out
}

// get returns the value of key in a mapping node, aliases followed.
func get(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// deref follows a YAML alias to the node it names (a bounded number of
// times: yaml.v3 refuses alias cycles).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// jobs returns a workflow's jobs: name and mapping.
func (w workflow) jobs() [][2]*yaml.Node {
	j := get(w.root, "jobs")
	var out [][2]*yaml.Node
	if j != nil && j.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(j.Content); i += 2 {
			out = append(out, [2]*yaml.Node{j.Content[i], deref(j.Content[i+1])})
		}
	}
	return out
}

// triggers returns the events a workflow runs on.
func (w workflow) triggers() []string {
	on := get(w.root, "on")
	if on == nil {
		on = get(w.root, "true") // YAML 1.1 reads a bare on as true
	}
	if on == nil {
		return nil
	}
	switch on.Kind {
	case yaml.ScalarNode:
		return []string{on.Value}
	case yaml.SequenceNode:
		var out []string
		for _, n := range on.Content {
			out = append(out, n.Value)
		}
		return out
	case yaml.MappingNode:
		var out []string
		for i := 0; i < len(on.Content); i += 2 {
			out = append(out, on.Content[i].Value)
		}
		return out
	}
	return nil
}

// step is a step of a job.
type step struct {
	job  string
	node *yaml.Node
}

func (w workflow) steps() []step {
	var out []step
	for _, j := range w.jobs() {
		if s := get(j[1], "steps"); s != nil && s.Kind == yaml.SequenceNode {
			for _, n := range s.Content {
				out = append(out, step{j[0].Value, deref(n)})
			}
		}
	}
	return out
}

// scripts returns the shell scripts and github-script scripts of a
// workflow's steps, with their nodes for line numbers.
func (w workflow) scripts() []*yaml.Node {
	var out []*yaml.Node
	for _, s := range w.steps() {
		if r := get(s.node, "run"); r != nil {
			out = append(out, r)
		}
		if u := get(s.node, "uses"); u != nil && strings.HasPrefix(u.Value, "actions/github-script") {
			if sc := get(get(s.node, "with"), "script"); sc != nil {
				out = append(out, sc)
			}
		}
	}
	return out
}

func (w workflow) loc(n *yaml.Node, text string) Location {
	return Location{Path: w.f.Path, Line: n.Line, Text: clip(text)}
}

// ciPrecondition returns the result when the CI checks cannot run: no
// workflow, one that does not parse or was not read whole; ok false
// otherwise.
func (c *checker) ciPrecondition() (Result, []workflow, bool) {
	ws := c.workflows()
	other := c.otherCI()
	if len(c.t.unreadConfig) > 0 {
		return c.notAssessed("%d configuration files were not read, over the bound of %d files and %d MiB, first %s", len(c.t.unreadConfig), maxConfigs, maxConfigText>>20, c.t.unreadConfig[0]), nil, true
	}
	if len(ws) == 0 && len(other) == 0 {
		return c.notApplicable("the source has no CI configuration"), nil, true
	}
	for _, w := range ws {
		if w.root == nil {
			return c.notAssessed("workflow %s does not parse (%s)", w.f.Path, w.err).at(Location{Path: w.f.Path}), nil, true
		}
	}
	return Result{}, ws, false
}

// otherCIGap is the result when only GitHub workflows were read but other
// CI systems are configured too.
func (c *checker) otherCIGap(what string) (Result, bool) {
	if other := c.otherCI(); len(other) > 0 {
		return c.notAssessed("%s in the GitHub workflows, but %s (%s) is configured too and its %s are not read", what, other[0].Text, other[0].Path, "pipelines").at(other...), true
	}
	return Result{}, false
}

func checkCIDefaultPermissions(c *checker) Result {
	ws := c.workflows()
	if len(ws) == 0 && len(c.t.unreadConfig) == 0 {
		return c.notApplicable("the source has no GitHub Actions workflow")
	}
	if res, _, done := c.ciPrecondition(); done && res.Status == glassbox.CheckError {
		return res
	}
	var relying []Location
	for _, w := range ws {
		if p := get(w.root, "permissions"); p != nil {
			continue
		}
		all := len(w.jobs()) > 0
		for _, j := range w.jobs() {
			if get(j[1], "permissions") == nil && get(j[1], "uses") == nil {
				all = false
				relying = append(relying, w.loc(j[0], "job "+j[0].Value+" declares no permissions"))
			}
		}
		_ = all
	}
	if len(relying) > 0 {
		return c.notAssessed("%s rely on the repository's default token permissions, a setting the source does not show, first %s:%d", plural(len(relying), "job", "jobs"), relying[0].Path, relying[0].Line).at(relying...)
	}
	return c.pass("every workflow (%d) declares its token permissions, so the repository's default does not apply", len(ws))
}

// writeScopes are the permissions that let a job change the repository or
// what it publishes.
var writeScopes = []string{"contents", "packages", "actions", "deployments", "pull-requests", "issues", "checks", "statuses", "security-events", "id-token", "pages", "repository-projects", "discussions", "attestations"}

func checkCILeastPrivilege(c *checker) Result {
	if res, ws, done := c.ciPrecondition(); done {
		return res
	} else if len(ws) == 0 {
		r, _ := c.otherCIGap("no token permission could be read")
		return r
	} else {
		var bad, jobWrites, unknown []Location
		for _, w := range ws {
			if p := get(w.root, "permissions"); p != nil {
				bad = append(bad, topWrites(w, p)...)
			} else {
				for _, j := range w.jobs() {
					if get(j[1], "permissions") == nil && get(j[1], "uses") == nil {
						unknown = append(unknown, w.loc(j[0], "job "+j[0].Value+" declares no permissions"))
					}
				}
			}
			for _, j := range w.jobs() {
				if p := get(j[1], "permissions"); p != nil {
					if p.Kind == yaml.ScalarNode && p.Value == "write-all" {
						bad = append(bad, w.loc(p, "job "+j[0].Value+": permissions: write-all"))
					} else if p.Kind == yaml.MappingNode {
						for i := 0; i+1 < len(p.Content); i += 2 {
							if p.Content[i+1].Value == "write" {
								jobWrites = append(jobWrites, w.loc(p.Content[i], "job "+j[0].Value+": "+p.Content[i].Value+": write"))
							}
						}
					}
				}
			}
		}
		if len(bad) > 0 {
			return c.fail("%s grant write access to every job, first %s:%d (%s); grant write only to the jobs that need it", plural(len(bad), "workflow permission", "workflow permissions"), bad[0].Path, bad[0].Line, bad[0].Text).at(append(bad, jobWrites...)...)
		}
		if len(unknown) > 0 {
			return c.notAssessed("%s the repository's default token permissions, a setting the source does not show, first %s:%d", plural(len(unknown), "job gets", "jobs get"), unknown[0].Path, unknown[0].Line).at(append(unknown, jobWrites...)...)
		}
		if r, gap := c.otherCIGap("no workflow grants write access at the top level"); gap {
			return r
		}
		return c.pass("no workflow grants write access at the top level or write-all to a job; %s", plural(len(jobWrites), "job-level write scope is granted where needed", "job-level write scopes are granted where needed")).at(jobWrites...)
	}
}

func topWrites(w workflow, p *yaml.Node) []Location {
	var out []Location
	switch p.Kind {
	case yaml.ScalarNode:
		if p.Value == "write-all" {
			out = append(out, w.loc(p, "permissions: write-all"))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(p.Content); i += 2 {
			if p.Content[i+1].Value == "write" && slices.Contains(writeScopes, p.Content[i].Value) {
				out = append(out, w.loc(p.Content[i], "top-level "+p.Content[i].Value+": write"))
			}
		}
	}
	return out
}

// untrustedRE are the event fields anyone who opens an issue or pull
// request controls (Scorecard's Dangerous-Workflow list).
var untrustedRE = regexp.MustCompile(`\$\{\{(?:[^}]|\}[^}])*?\b(github\.event\.(issue\.(title|body)|pull_request\.(title|body|head\.(ref|label|repo\.default_branch))|comment\.body|review\.body|review_comment\.body|discussion\.(title|body)|pages\.[^}]*\.page_name|commits\.[^}]*\.(message|author\.(email|name))|head_commit\.(message|author\.(email|name))|workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name))|pull_requests\.[^}]*\.head\.ref))|github\.head_ref)\b(?:[^}]|\}[^}])*\}\}`)

var trustedInputRE = regexp.MustCompile(`\$\{\{(?:[^}]|\}[^}])*?\b(inputs|github\.event\.inputs|github\.event\.client_payload)\.(?:[^}]|\}[^}])*\}\}`)

// injections returns where scripts interpolate what re matches.
func injections(ws []workflow, re *regexp.Regexp) []Location {
	var out []Location
	for _, w := range ws {
		for _, s := range w.scripts() {
			lines := strings.Split(s.Value, "\n")
			for i, l := range lines {
				if m := re.FindString(l); m != "" {
					line := s.Line + i
					if s.Style == yaml.LiteralStyle || s.Style == yaml.FoldedStyle {
						line++ // the block starts on the line after "run: |"
					}
					out = append(out, Location{Path: w.f.Path, Line: line, Text: clip(m)})
				}
			}
		}
	}
	return out
}

// interpolationCheck is a check that no workflow script interpolates what
// re matches: what is found (for the failure), what to do instead, and
// what is absent (for the pass).
func interpolationCheck(re *regexp.Regexp, found, instead, absent string) func(*checker) Result {
	return func(c *checker) Result {
		res, ws, done := c.ciPrecondition()
		if done {
			return res
		}
		if bad := injections(ws, re); len(bad) > 0 {
			return c.fail("%s %s straight into a script, first %s:%d: %s; %s", plural(len(bad), "workflow step interpolates", "workflow steps interpolate"), found, bad[0].Path, bad[0].Line, bad[0].Text, instead).at(bad...)
		}
		if r, gap := c.otherCIGap("no script interpolates " + absent); gap {
			return r
		}
		return c.pass("no workflow script interpolates %s (%s read)", absent, plural(len(ws), "workflow", "workflows"))
	}
}

var (
	checkCIUntrustedInput = interpolationCheck(untrustedRE, "data anyone can set (issue, pull request, comment fields)",
		"pass it through an environment variable", "untrusted event data")
	checkCITrustedInput = interpolationCheck(trustedInputRE, "collaborators' inputs without validation",
		"pass them through an environment variable and validate them", "workflow_dispatch or workflow_call inputs")
)

var headRefRE = regexp.MustCompile(`github\.event\.pull_request\.(head\.(sha|ref|repo)|merge_commit_sha|number)|github\.head_ref|github\.event\.workflow_run\.(head_(sha|branch|repository)|head_commit\.id)|github\.event\.number|refs/pull/`)

func checkCIUntrustedCheckout(c *checker) Result {
	res, ws, done := c.ciPrecondition()
	if done {
		return res
	}
	var bad []Location
	for _, w := range ws {
		trig := w.triggers()
		if !slices.Contains(trig, "pull_request_target") && !slices.Contains(trig, "workflow_run") {
			continue
		}
		for _, s := range w.steps() {
			u := get(s.node, "uses")
			if u == nil || !strings.HasPrefix(u.Value, "actions/checkout") {
				continue
			}
			if r := get(get(s.node, "with"), "ref"); r != nil && headRefRE.MatchString(r.Value) {
				bad = append(bad, w.loc(r, "job "+s.job+" checks out "+r.Value))
			}
		}
	}
	if len(bad) > 0 {
		return c.fail("%s untrusted pull request code in a privileged workflow (pull_request_target or workflow_run), first %s:%d", plural(len(bad), "step checks out", "steps check out"), bad[0].Path, bad[0].Line).at(bad...)
	}
	if r, gap := c.otherCIGap("no privileged workflow checks out untrusted code"); gap {
		return r
	}
	return c.pass("no workflow triggered by pull_request_target or workflow_run checks out the pull request's code")
}

// ciText returns every CI configuration's text with its path.
func (c *checker) ciText() []*file {
	var out []*file
	for _, f := range c.t.files {
		if (strings.HasPrefix(f.lower, ".github/workflows/") || ciSystem(f.lower) != "") && f.text != "" {
			out = append(out, f)
		}
	}
	return out
}

// travisDefaults are the test commands Travis CI runs for a language when
// the configuration gives no script.
var travisDefaults = map[string]string{"go": "go test", "node_js": "npm test", "python": "", "rust": "cargo test", "ruby": "rake"}

func (c *checker) ciRuns(what string, cmd *regexp.Regexp) Result {
	files := c.ciText()
	if len(files) == 0 {
		return c.fail("no CI configuration, so nothing runs %s on changes", what)
	}
	for _, f := range files {
		if l, ok := whole(f).find(cmd); ok {
			return c.pass("%s runs %s", f.Path, what).at(l)
		}
	}
	if f := c.t.byPath[".travis.yml"]; f != nil && what == "the tests" {
		if m := regexp.MustCompile(`(?m)^language:\s*(\S+)`).FindStringSubmatch(f.text); m != nil && !regexp.MustCompile(`(?m)^script:`).MatchString(f.text) {
			if d := travisDefaults[m[1]]; d != "" {
				return c.pass("%s runs Travis CI's default test command for %s (%s)", f.Path, m[1], d).at(Location{Path: f.Path, Text: "language: " + m[1]})
			}
		}
	}
	return c.fail("no CI configuration runs %s (%s read)", what, plural(len(files), "file", "files"))
}

func checkCITests(c *checker) Result { return c.ciRuns("the tests", testCmdRE) }

var sastRE = re(`codeql|gosec|semgrep|golangci-lint|staticcheck|\bgo vet\b|\beslint\b|\bbandit\b|clippy|sonar|\bflawfinder\b|\bcppcheck\b|scan-build|\bbrakeman\b|\bpsalm\b|\bphpstan\b`)

func checkCISAST(c *checker) Result { return c.ciRuns("a static analyser", sastRE) }

var scaRE = re(`govulncheck|osv-scanner|dependency-review-action|npm audit|yarn audit|pnpm audit|pip-audit|cargo audit|cargo deny|trivy|grype|snyk|safety check|bundler-audit|owasp dependency-check`)

func checkCIDependencyScan(c *checker) Result {
	for _, p := range depUpdateTool {
		if f := c.t.byPath[p]; f != nil {
			return c.pass("%s keeps dependencies updated and reports vulnerable ones", f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	return c.ciRuns("a dependency vulnerability scanner", scaRE)
}
