package practice

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// The project's documents, as the checks below decide from them (docs/practices.md).

var (
	emailRE     = re(`[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}`)
	httpsRE     = re(`https://[^\s)>\]"']+`)
	timeframeRE = re(`\b(\d+|one|two|three|four|five|six|seven|ten|fourteen|thirty|sixty|ninety)[\s-]+(business\s+|working\s+|calendar\s+)?(hours?|days?|weeks?|months?)\b`)
	securityRE  = re(`security|vulnerabilit`)
)

// securityPolicy returns the security policy: SECURITY files, security.txt,
// or a README section about security.
func (c *checker) securityPolicy() []section {
	secs := wholes(c.t.docsNamed("security"))
	if f := c.t.byPath[".well-known/security.txt"]; f != nil && f.text != "" {
		secs = append(secs, whole(f))
	}
	if r := c.t.readme(); r != nil {
		// Not the README's title: a security tool's README is all about
		// security, and is not its policy.
		for _, sec := range sectionsTitled([]*file{r}, re(`security|vulnerabilit`)) {
			if sec.level > 1 || re(`polic|report|vulnerab|disclos`).MatchString(sec.heading) {
				secs = append(secs, sec)
			}
		}
	}
	return secs
}

func checkSecurityPolicy(c *checker) Result {
	secs := c.securityPolicy()
	if len(secs) == 0 {
		return c.fail("no security policy: no SECURITY file at the root, in .github/ or docs/, no .well-known/security.txt, no Security section in the README")
	}
	for _, s := range secs {
		if l, ok := s.find(emailRE); ok {
			return c.pass("the security policy %s gives a contact address", s.f.Path).at(l)
		}
		if l, ok := s.find(httpsRE); ok {
			return c.pass("the security policy %s gives a contact URL", s.f.Path).at(l)
		}
		for _, l := range s.references() {
			if httpsRE.MatchString(l.Text) || emailRE.MatchString(l.Text) {
				return c.pass("the security policy %s links a contact", s.f.Path).at(l)
			}
		}
	}
	return c.fail("the security policy %s names no contact (no e-mail address or https URL)", secs[0].f.Path).at(Location{Path: secs[0].f.Path, Line: secs[0].line})
}

var privateRE = re(`security/advisories/new|private vulnerability report|privately report|report (a|the) vulnerability privately|security advisor(y|ies)/new|(private|confidential|embargoed)[^.\n]{0,60}(report|issue|tracker|channel|form|advisor)|(report|issue|tracker|form)[^.\n]{0,60}(private|confidential)`)

func checkPrivateReporting(c *checker) Result {
	secs := c.securityPolicy()
	if len(secs) == 0 {
		return c.fail("no security policy, so no private channel for reporting vulnerabilities")
	}
	for _, s := range secs {
		if l, ok := s.find(emailRE); ok {
			return c.pass("%s gives an e-mail address for private reports", s.f.Path).at(l)
		}
		if l, ok := s.find(privateRE); ok {
			return c.pass("%s gives a private reporting channel", s.f.Path).at(l)
		}
	}
	return c.fail("the security policy %s gives no private channel (no e-mail address, no private advisory or confidential report link); a public issue tracker is not one", secs[0].f.Path)
}

var disclosureRE = re(`disclos|embargo|coordinated|advisor(y|ies)`)

func checkDisclosurePolicy(c *checker) Result {
	secs := c.securityPolicy()
	if len(secs) == 0 {
		return c.fail("no security policy, so no coordinated disclosure policy")
	}
	if locs, ok := anywhere(secs, disclosureRE, timeframeRE); ok {
		return c.pass("%s describes coordinated disclosure with a time frame", locs[0].Path).at(locs...)
	}
	return c.fail("the security policy %s does not describe coordinated disclosure with a time frame (a number of hours, days, weeks or months)", secs[0].f.Path)
}

// supportDocs are where support statements are: the security policy,
// SUPPORT files, and README sections about support, versions or releases.
func (c *checker) supportDocs() []section {
	secs := c.securityPolicy()
	secs = append(secs, wholes(c.t.docsNamed("support", "release", "versioning", "lifecycle"))...)
	if r := c.t.readme(); r != nil {
		secs = append(secs, sectionsTitled([]*file{r}, re(`^\W*(supported versions|support( policy)?|versions?|versioning|releases?|release (policy|process)|maintenance|lifecycle|security)\W*$`))...)
	}
	return secs
}

var (
	supportScopeRE = re(`supported versions|supported releases|version support|support(ed)? (policy|period|lifecycle|window)|(security|bug) (updates|fixes|patches) (are|will be|will typically|will only)[a-z ]{0,20}(provided|released|issued|backported)|receive(s)? (security )?(updates|fixes|patches)|we (only )?support (the )?(latest|last|current|\d)|(versions?|releases?|branch(es)?)[^.\n]{0,40}(is|are) (supported|maintained)|maintained (release|version|branch)`)
	supportEndRE   = re(`only (be )?(released|provided|published|backported|issued) (for|to) the (latest|most recent|newest|current|last)|(only )?the (latest|newest|most recent|current|last) (minor |major |stable )?(release|version)s? (gets?|receives?|is supported|are supported)|end[- ]of[- ]life|\beol\b|no longer (be )?(supported|maintained|receive)|will not receive|stop(s)? receiving|unsupported|(supported|maintained|updates|fixes) until|only the (latest|most recent|current|last)`)
)

func checkSupportScope(c *checker) Result {
	if locs, ok := anywhere(c.supportDocs(), supportScopeRE); ok {
		return c.pass("%s states which versions are supported", locs[0].Path).at(locs...)
	}
	return c.fail("no document states which versions receive support or security fixes (looked in the security policy, SUPPORT and release documents, README sections about support and versions)")
}

func checkSupportEnd(c *checker) Result {
	if locs, ok := anywhere(c.supportDocs(), supportEndRE); ok {
		return c.pass("%s states when releases stop receiving security updates", locs[0].Path).at(locs...)
	}
	return c.fail("no document states when releases stop receiving security updates (end of life, \"no longer supported\", \"only the latest release\")")
}

// contributing returns the contribution guide: CONTRIBUTING files or a
// README section about contributing.
func (c *checker) contributing() []section {
	secs := wholes(c.t.docsNamed("contributing", "contribute", "hacking", "development"))
	if r := c.t.readme(); r != nil {
		for _, s := range sectionsTitled([]*file{r}, re(`contribut`)) {
			if len(strings.Fields(s.text)) > 20 {
				secs = append(secs, s)
			}
		}
	}
	return secs
}

func checkContributing(c *checker) Result {
	secs := c.contributing()
	if len(secs) == 0 {
		return c.fail("no contribution guide: no CONTRIBUTING file at the root, in .github/ or docs/, and no Contributing section of substance in the README")
	}
	return c.pass("the contribution process is explained in %s", secs[0].f.Path).at(Location{Path: secs[0].f.Path, Line: secs[0].line})
}

// requirementKinds are the kinds of requirement a contribution guide
// states for acceptable contributions.
var requirementKinds = []struct {
	name string
	re   *regexp.Regexp
}{
	{"tests", re(`(add|include|update|write|pass|run)[a-z]*\s+(the\s+|new\s+|unit\s+|all\s+)?tests?\b|tests? (must|should) pass|test coverage`)},
	{"code style", re(`gofmt|goimports|lint|code style|style guide|coding style|prettier|eslint|formatt(ed|ing)|clang-format|black\b|rustfmt`)},
	{"sign-off or licence agreement", re(`sign[- ]?off|signed-off-by|\bdco\b|developer certificate of origin|contributor licen[cs]e agreement|\bcla\b`)},
	{"review", re(`(code )?review(ed|s)? (by|from)|approv(al|ed) (by|from)|require[sd]? (a )?review|reviewers?`)},
	{"commit messages", re(`commit messages? (format|style|guideline|convention|should|must)|conventional commits|squash (your )?commits`)},
}

func checkContributionRequirements(c *checker) Result {
	secs := c.contributing()
	if len(secs) == 0 {
		return c.fail("no contribution guide, so no requirements for acceptable contributions")
	}
	var kinds []string
	var where []Location
	for _, k := range requirementKinds {
		if locs, ok := anywhere(secs, k.re); ok {
			kinds = append(kinds, k.name)
			where = append(where, locs...)
		}
	}
	if len(kinds) >= 2 {
		return c.pass("the contribution guide states requirements: %s", strings.Join(kinds, ", ")).at(where...)
	}
	return c.fail("the contribution guide %s states %d kind of requirement (%s); at least two of tests, code style, sign-off, review and commit messages are needed", secs[0].f.Path, len(kinds), strings.Join(kinds, "")).at(where...)
}

var personRE = re(`(^|[\s(\[|,])@[a-z0-9][a-z0-9-]*|[a-z0-9._%+-]+@[a-z0-9-]+\.[a-z]{2,}|github\.com/[a-z0-9-]+\b`)

func checkMaintainers(c *checker) Result {
	cands := c.t.docsNamed("maintainers", "owners", "governance", "codeowners", "authors")
	for _, f := range cands {
		for i, l := range strings.Split(f.text, "\n") {
			if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if personRE.MatchString(l) {
				return c.pass("%s names the project's members", f.Path).at(Location{Path: f.Path, Line: i + 1, Text: clip(strings.TrimSpace(l))})
			}
		}
	}
	if len(cands) > 0 {
		return c.fail("%s names no member (no handle, e-mail address or name)", cands[0].Path)
	}
	return c.fail("no list of members: no MAINTAINERS, CODEOWNERS, OWNERS or GOVERNANCE file at the root, in .github/ or docs/")
}

var (
	roleRE           = re(`\b(maintainers?|committers?|reviewers?|approvers?|owners?|admins?|administrators?)\b`)
	responsibilityRE = re(`responsib|\broles?\b|duties|privileges|expected to|are (in charge|accountable)`)
)

func checkGovernanceRoles(c *checker) Result {
	secs := wholes(c.t.docsNamed("governance", "maintainers", "roles", "owners"))
	secs = append(secs, c.contributing()...)
	if locs, ok := inOneParagraph(secs, roleRE, responsibilityRE); ok {
		return c.pass("%s describes the members' roles and responsibilities", locs[0].Path).at(locs...)
	}
	return c.fail("no document describes the roles and responsibilities of the project's members (looked in GOVERNANCE, MAINTAINERS, OWNERS and the contribution guide)")
}

// repoPaths returns the project's own repository paths ("github.com/o/n"),
// from its package manifests, to tell its issue tracker from others'.
func (c *checker) repoPaths() []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/"), ".git")
		s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "git+"), "https://"), "http://")
		if m := re(`^(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/[^/\s]+/[^/\s]+`).FindString(s); m != "" {
			out = append(out, strings.ToLower(m))
		}
	}
	if f := c.t.byPath["go.mod"]; f != nil {
		if m := re(`(?m)^module\s+(\S+)`).FindStringSubmatch(f.text); m != nil {
			add(m[1])
		}
	}
	if f := c.t.byPath["package.json"]; f != nil {
		for _, m := range re(`"(url|repository|homepage)"\s*:\s*"([^"]+)"`).FindAllStringSubmatch(f.text, -1) {
			s := m[2]
			if !strings.Contains(s, "/") {
				continue
			}
			if !strings.Contains(s, ".") { // "owner/name", npm's GitHub shorthand
				s = "github.com/" + strings.TrimPrefix(s, "github:")
			}
			add(s)
		}
	}
	return out
}

var chatRE = re(`mailing list|google groups|groups\.google\.com/(g|forum)/|github discussions|\bforums?\b|discourse|slack|discord|matrix\.(org|to)|gitter|\birc\b|libera\.chat|zulip|community (call|meeting)s?`)

func checkDiscussionChannel(c *checker) Result {
	docs := wholes(c.t.allDocs())
	if locs, ok := anywhere(docs, chatRE); ok {
		return c.pass("%s names a public channel for discussion", locs[0].Path).at(locs...)
	}
	for _, p := range c.repoPaths() {
		if locs, ok := anywhere(docs, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(p)+`/(issues|discussions)`)); ok {
			return c.pass("%s links the project's own issue tracker", locs[0].Path).at(locs...)
		}
	}
	return c.fail("no document names a public channel for discussing changes and usage (the project's issue tracker, discussions, a mailing list, forum or chat)")
}

var (
	bugReportRE = re(`report(ing)? (a |any )?(bugs?|defects?|issues?|problems?)|bug reports?|(file|open|submit|create|raise|log) (an? |new )?(issue|bug)`)
	placeRE     = re(`https?://|issue tracker|bug tracker|github issues|\bissues? (page|tab|section)|/issues\b|\]\(`)
)

func checkDefectReporting(c *checker) Result {
	for _, f := range c.t.files {
		if strings.HasPrefix(f.lower, ".github/issue_template/") || f.lower == ".github/issue_template.md" {
			return c.pass("the repository holds an issue template, %s", f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	if locs, ok := inOneParagraph(wholes(c.t.allDocs()), bugReportRE, placeRE); ok {
		return c.pass("%s explains where to report defects", locs[0].Path).at(locs...)
	}
	return c.fail("no document explains how and where to report defects, and there is no issue template")
}

var usageHeadingRE = re(`usage|getting started|quick ?start|examples?|tutorial|how to use|using|user guide|guide|documentation|\bdocs\b|overview|introduction`)

func checkUserGuide(c *checker) Result {
	r := c.t.readme()
	if r != nil {
		for _, s := range sections(r) {
			if usageHeadingRE.MatchString(s.heading) && len(strings.Fields(s.text)) > 15 {
				return c.pass("the README has a %q section", s.heading).at(Location{Path: r.Path, Line: s.line, Text: clip(s.heading)})
			}
		}
	}
	for _, f := range c.t.files {
		if (strings.HasPrefix(f.lower, "docs/") || strings.HasPrefix(f.lower, "doc/")) && isDoc(f.lower) && len(strings.Fields(f.text)) > 100 {
			return c.pass("the documentation in %s is a guide", f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	if r == nil {
		return c.fail("no README and no guide under docs/")
	}
	return c.fail("the README %s has no usage, getting-started or example section, and there is no guide under docs/", r.Path)
}

var (
	buildHeadingRE = re(`build|compil|install|from source|development|developing|hacking`)
	buildCmdRE     = re(`\bgo (build|install|generate)\b|(?m:(^[ \t]*(\$[ \t]*)?|` + "`" + `)(?-i:make)([ \t]+[a-z0-9_./=-]+){0,3}[ \t]*(` + "`" + `|$))|\bcmake\b|cargo (build|install)|\b(npm|pnpm) (install|ci|run build|i)\b|\byarn( install| build|$)|\bmvn\b|gradlew?\b|pip install|python3? -m (build|pip)|\bmeson\b|\bninja\b|\./configure|bazel build|dotnet build|swift build`)
)

func checkBuildInstructions(c *checker) Result {
	secs := wholes(c.t.docsNamed("building", "build", "install", "compil", "hacking", "development", "contributing"))
	if r := c.t.readme(); r != nil {
		secs = append(sectionsTitled([]*file{r}, buildHeadingRE), secs...)
	}
	if locs, ok := anywhere(secs, buildCmdRE); ok {
		return c.pass("%s gives build instructions", locs[0].Path).at(locs...)
	}
	return c.fail("no document gives build instructions (a build or install section with a build command, or BUILDING/INSTALL files)")
}

var (
	verifyRE = re(`sha(256|512)sum|shasum|checksums?\b|gpg2? --verify|gpgv|cosign verify|slsa-verifier|minisign|signify|gh attestation verify|verify(ing)? (the )?(signature|release|download|integrity|checksum|provenance)`)
	signerRE = re(`(fingerprint|key id|keyid|gpg key|pgp key|signing key|public key)[^\n]{0,80}\b[0-9a-f]{4}(\s?[0-9a-f]{4}){9}\b|\b[0-9A-F]{4}( [0-9A-F]{4}){4}  ?[0-9A-F]{4}( [0-9A-F]{4}){4}\b|--certificate-identity|--certificate-oidc-issuer|--source-uri|gh attestation verify[^\n]*--(owner|repo)|signing key fingerprint|key fingerprint`)
)

func checkVerifyInstructions(c *checker) Result {
	if locs, ok := anywhere(wholes(c.t.allDocs()), verifyRE); ok {
		return c.pass("%s tells how to verify release assets", locs[0].Path).at(locs...)
	}
	return c.fail("no document tells how to verify the integrity and authenticity of release assets (checksums, gpg --verify, cosign verify, slsa-verifier…)")
}

func checkSignerIdentity(c *checker) Result {
	if f := c.t.byPath["keys"]; f != nil {
		return c.pass("the KEYS file lists the release signing keys").at(Location{Path: f.Path, Line: 1})
	}
	if locs, ok := anywhere(wholes(c.t.allDocs()), signerRE); ok {
		return c.pass("%s names the expected signer of releases", locs[0].Path).at(locs...)
	}
	return c.fail("no document names the expected signer of releases (a key fingerprint, a KEYS file, cosign --certificate-identity, slsa-verifier --source-uri)")
}

var (
	depPolicyRE   = re(`(select|choos|evaluat|vet|review|approv|add)(e|es|ed|ing)? (new |our |all |the |any )?(third[- ]party )?dependenc|dependenc[a-z]* (are|is|must be|should be) (selected|chosen|reviewed|vetted|pinned|updated|tracked|vendored|audited|kept)|(updat|track|pin|vendor|audit)[a-z]* (our |all |the |its )?dependenc|dependency (management|policy|selection|updates)`)
	depUpdateTool = []string{".github/dependabot.yml", ".github/dependabot.yaml", "renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".github/renovate.json"}
)

func checkDependencyPolicy(c *checker) Result {
	if locs, ok := anywhere(wholes(c.t.allDocs()), depPolicyRE); ok {
		return c.pass("%s describes how dependencies are selected and tracked", locs[0].Path).at(locs...)
	}
	for _, p := range depUpdateTool {
		if f := c.t.byPath[p]; f != nil && len(c.manifests()) > 0 {
			return c.pass("dependencies are declared in %s and tracked by %s", strings.Join(c.manifests(), ", "), f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	return c.fail("no document describes how dependencies are selected, obtained and tracked, and no dependency-update tool is configured")
}

// docPolicy is a check that a document states a policy: two patterns in
// one paragraph of the named or all documents.
func docPolicy(what string, stems []string, res ...*regexp.Regexp) func(*checker) Result {
	return func(c *checker) Result {
		secs := wholes(c.t.allDocs())
		if len(stems) > 0 {
			secs = append(wholes(c.t.docsNamed(stems...)), c.contributing()...)
		}
		if locs, ok := inOneParagraph(secs, res...); ok {
			return c.pass("%s states %s", locs[0].Path, what).at(locs...)
		}
		where := "any project document"
		if len(stems) > 0 {
			where = "the " + strings.ToUpper(strings.Join(stems, ", ")) + " documents and the contribution guide"
		}
		return c.fail("no document states %s (looked in %s)", what, where)
	}
}

var (
	checkSecretsPolicy = docPolicy("a policy for the project's secrets and credentials", nil,
		re(`\b(secrets?|credentials?|tokens?|api keys?|signing keys?|private keys?)\b`), re(`\b(stor(e|ed|age)|rotat|revok|access(ed)? (to|by|is)|vault|kept in|managed (by|in|with))`), re(`polic|must|should|only|never`))
	checkSCAPolicy = docPolicy("a threshold for remediating vulnerable or badly licensed dependencies", nil,
		re(`dependenc|third[- ]party (code|librar|component|package)|\bsca\b|software composition|upstream (component|librar|package)`), re(`vulnerab|\bcves?\b|advisor|licen[cs]e`),
		re(`remediat|\bfix|patch|upgrad|update|address`), re(`within \d|\d+ (days|weeks)|before (a |the |each |any )?release|threshold|severity|critical|high`))
	checkSASTPolicy = docPolicy("a threshold for remediating static analysis findings", nil,
		re(`static analy|\bsast\b|linter|codeql|gosec|semgrep|code scanning`), re(`remediat|\bfix|address|resolv|block`), re(`within \d|\d+ (days|weeks)|before (a |the )?(merge|release)|threshold|severity|critical|high|must`))
	checkCollaboratorPolicy = docPolicy("how collaborators are reviewed before they get elevated access", []string{"governance", "maintainers", "contributing", "community"},
		re(`maintainer|committer|commit (access|rights)|write access|admin|approver|owner`), re(`nominat|\bvote|approv|sponsor|consensus|promot|review(ed)? (by|before)|granted`))
	testCmdRE     = re(`\bgo test\b|\bmake\s+[\w-]*(test|check)[\w-]*\b|\b(npm|yarn|pnpm)( run)? test\b|\bpytest\b|\btox\b|cargo test|\bctest\b|mvn[^\n]*\btest\b|gradlew?[^\n]*\btest\b|\bjest\b|\bvitest\b|\bmocha\b|bundle exec (rake|rspec)|\bphpunit\b|dotnet test|swift test`)
	checkTestDocs = func(c *checker) Result {
		if locs, ok := anywhere(wholes(c.t.allDocs()), testCmdRE); ok {
			return c.pass("%s says how the tests are run", locs[0].Path).at(locs...)
		}
		return c.fail("no document says how the tests are run (a test command in the README, contribution guide or docs)")
	}
	checkTestPolicy = func(c *checker) Result {
		if locs, ok := inOneParagraph(c.contributing(), re(`(add|include|update|write|provide|accompan)[a-z]*\b[^.\n]{0,40}\btests?\b|\btests? (are|is) (required|expected|needed)|with(out)? (unit )?tests`), re(`change|feature|fix|pull request|\bprs?\b|patch|contribution|functionality|code`)); ok {
			return c.pass("%s requires tests with changes", locs[0].Path).at(locs...)
		}
		return c.fail("the contribution guide does not require changes to add or update tests")
	}
)

var designNameRE = re(`^(architecture|design|internals|overview|how[-_ ]?it[-_ ]?works)`)

func checkDesignDocs(c *checker) Result {
	for _, f := range c.t.allDocs() {
		name := strings.TrimSuffix(path.Base(f.lower), path.Ext(f.lower))
		if designNameRE.MatchString(name) && len(strings.Fields(f.text)) >= 200 {
			return c.pass("%s documents the design", f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	for _, f := range c.t.files {
		if strings.HasPrefix(f.lower, "docs/design/") || strings.HasPrefix(f.lower, "docs/architecture/") || strings.HasPrefix(f.lower, "design/") {
			if len(strings.Fields(f.text)) >= 200 {
				return c.pass("%s documents the design", f.Path).at(Location{Path: f.Path, Line: 1})
			}
		}
	}
	return c.fail("no design documentation: no ARCHITECTURE, DESIGN, INTERNALS or OVERVIEW document of at least 200 words at the root or under docs/")
}

var interfaceHeadingRE = re(`\bapi\b|usage|commands?|reference|options|flags|endpoints?|interface|configuration|cli\b|functions`)

func checkInterfaceDocs(c *checker) Result {
	for _, f := range c.t.files {
		base := path.Base(f.lower)
		switch {
		case strings.Contains(base, "openapi") || strings.Contains(base, "swagger"),
			strings.HasSuffix(base, ".proto"), strings.HasSuffix(base, ".graphql"),
			strings.HasPrefix(f.lower, "man/") || strings.Contains(f.lower, "/man/") && re(`\.[1-8]$`).MatchString(base),
			strings.HasPrefix(f.lower, "docs/api") || strings.HasPrefix(f.lower, "docs/reference") || strings.HasPrefix(f.lower, "docs/cli"):
			return c.pass("%s describes an external interface", f.Path).at(Location{Path: f.Path, Line: 1})
		}
	}
	if r := c.t.readme(); r != nil {
		for _, s := range sections(r) {
			if interfaceHeadingRE.MatchString(s.heading) && len(strings.Fields(s.text)) > 15 {
				return c.pass("the README's %q section describes the interface", s.heading).at(Location{Path: r.Path, Line: s.line, Text: clip(s.heading)})
			}
		}
	}
	return c.fail("no description of the external interfaces: no API, usage, commands or reference section in the README, no API description file (OpenAPI, protobuf, man pages), no docs/api or docs/reference")
}

// checkHTTPSChannels: the URLs the package metadata and the README's
// install lines give as official channels use an encrypted transport.
func checkHTTPSChannels(c *checker) Result {
	plain := re(`\b(http|git|ftp)://[^\s"')>\]]+`)
	var bad []Location
	for _, p := range []string{"package.json", "cargo.toml", "pyproject.toml", "setup.py", "setup.cfg"} {
		f := c.t.byPath[p]
		if f == nil {
			continue
		}
		for i, l := range strings.Split(f.text, "\n") {
			if m := plain.FindString(l); m != "" && !localURL(m) && re(`url|homepage|repository|bugs|documentation|download|source`).MatchString(l) {
				bad = append(bad, Location{Path: f.Path, Line: i + 1, Text: clip(strings.TrimSpace(l))})
			}
		}
	}
	if r := c.t.readme(); r != nil {
		for i, l := range strings.Split(r.text, "\n") {
			if m := plain.FindString(l); m != "" && !localURL(m) && re(`\b(install|curl|wget|download|go get|clone|add-apt-repository|apt-key|deb )`).MatchString(l) {
				bad = append(bad, Location{Path: r.Path, Line: i + 1, Text: clip(strings.TrimSpace(l))})
			}
		}
	}
	if len(bad) > 0 {
		return c.fail("%d official channel URLs use an unencrypted transport, first %s:%d", len(bad), bad[0].Path, bad[0].Line).at(bad...)
	}
	return c.pass("every project and distribution URL in the package metadata and the README's install lines uses https or ssh")
}

func localURL(u string) bool {
	return re(`^\w+://(localhost|127\.|0\.0\.0\.0|\[::1\]|example\.(com|org))`).MatchString(u)
}

func checkLicenceFile(c *checker) Result {
	if f := c.licenceFiles(); len(f) > 0 {
		return c.pass("the licence is in %s", f[0].Path).at(Location{Path: f[0].Path, Line: 1})
	}
	return c.fail("no LICENSE, LICENCE or COPYING file and no LICENSES/ or LICENSE/ directory at the root")
}

// licenceFiles returns the licence files at the root or in LICENSES/ or
// LICENSE/.
func (c *checker) licenceFiles() []*file {
	var out []*file
	for _, f := range c.t.files {
		dir, name := path.Split(f.lower)
		switch {
		case dir == "" && (strings.HasPrefix(name, "license") || strings.HasPrefix(name, "licence") || strings.HasPrefix(name, "copying") || strings.HasPrefix(name, "unlicense")),
			dir == "licenses/" || dir == "license/" || dir == "licences/":
			out = append(out, f)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
