package practice

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"glassbox.dev"
)

func (c *checker) noHistory() Result {
	if c.in.Unmatched != "" {
		return c.notAssessed("%s", c.in.Unmatched)
	}
	if c.in.Release.Manifest.Source.History == nil {
		return c.notAssessed("the release was not submitted from git, so the centre holds no history; submit it with --git REPO --ref TAG")
	}
	return c.notAssessed("the release's git history could not be read")
}

func checkHistory(c *checker) Result {
	h := c.in.History
	if h == nil {
		return c.noHistory()
	}
	if len(h.Commits) == 0 {
		return c.notAssessed("the history record holds no commit: its bound cut the first")
	}
	var bad []Location
	for _, cm := range h.Commits {
		if cm.Author == "" || cm.AuthorTime.IsZero() || cm.Committer == "" || cm.CommitTime.IsZero() {
			bad = append(bad, Location{Commit: cm.ID, Text: "no author, committer or time"})
		}
	}
	if len(bad) > 0 {
		return c.fail("%s no record of who made the change or when", plural(len(bad), "commit has", "commits have")).at(bad...)
	}
	span := ""
	if n := len(h.Commits); n > 0 {
		span = fmt.Sprintf(", from %s to %s", h.Commits[n-1].CommitTime.Format("2006-01-02"), h.Commits[0].CommitTime.Format("2006-01-02"))
	}
	more := ""
	if h.Truncated {
		more = fmt.Sprintf(" (the newest %d recorded; the history goes further back)", len(h.Commits))
	}
	return c.pass("the history of %s records who made each of %s and when%s%s", short(h.Commit), plural(len(h.Commits), "commit", "commits"), span, more)
}

func short(id string) string { return id[:min(len(id), 12)] }

func checkSignedOff(c *checker) Result {
	h := c.in.History
	if h == nil {
		return c.noHistory()
	}
	var missing []Location
	n := 0
	for _, cm := range h.Commits {
		if len(cm.Parents) > 1 {
			continue // a merge adds no code of its own
		}
		n++
		if len(cm.SignedOffBy) == 0 {
			missing = append(missing, Location{Commit: cm.ID, Text: clip(cm.Author + ": " + cm.Subject)})
		}
	}
	if n == 0 {
		return c.notAssessed("the recorded history has no commit other than merges")
	}
	if len(missing) > 0 {
		return c.fail("%d of %d commits carry no Signed-off-by trailer asserting the contributor's right to submit them, first %s", len(missing), n, short(missing[0].Commit)).at(missing...)
	}
	return c.pass("every one of %s in the recorded history carries a Signed-off-by trailer", plural(n, "non-merge commit", "non-merge commits"))
}

var (
	checksumNameRE = regexp.MustCompile(`(?i)(sha(256|512)sums?|checksums?)(\.txt)?$|\.sha(256|512)$`)
	signatureExts  = []string{".sig", ".asc", ".minisig", ".sigstore", ".bundle", ".intoto.jsonl", ".pem", ".sigstore.json"}
)

func signatureFor(name string, all []*file) *file {
	for _, f := range all {
		for _, ext := range signatureExts {
			if f.lower == name+ext {
				return f
			}
		}
	}
	return nil
}

// tags returns the tags of the release commit, nil without a history.
func (c *checker) tags() []glassbox.GitTag {
	if c.in.History == nil {
		return nil
	}
	return c.in.History.Tags
}

func checkSignedRelease(c *checker) Result {
	for _, t := range c.tags() {
		if t.Signature != "" {
			return c.pass("tag %s is signed (%s), by %s <%s>; the centre records the signature, it cannot know the signer's key", t.Name, t.Signature, t.Tagger, t.TaggerEmail).at(Location{Commit: c.in.History.Commit, Text: "tag " + t.Name})
		}
	}
	arts := c.t.artifacts
	for _, a := range arts {
		if checksumNameRE.MatchString(a.lower) {
			if s := signatureFor(a.lower, arts); s != nil {
				return c.pass("the release ships %s, listing its assets' digests, signed by %s", a.Path, s.Path).at(Location{Path: a.Path}, Location{Path: s.Path})
			}
		}
	}
	if len(arts) > 0 {
		all := true
		var where []Location
		for _, a := range arts {
			if isSignature(a.lower) {
				continue
			}
			s := signatureFor(a.lower, arts)
			if s == nil {
				all = false
				break
			}
			where = append(where, Location{Path: s.Path})
		}
		if all && len(where) > 0 {
			return c.pass("every asset of the release ships with a detached signature").at(where...)
		}
	}
	what := "the release was not submitted from git, so no tag signature is known"
	if c.in.History != nil {
		var names []string
		for _, t := range c.tags() {
			names = append(names, t.Name)
		}
		switch len(names) {
		case 0:
			what = "no tag points at its commit"
		default:
			what = "no tag pointing at its commit is signed (" + strings.Join(names, ", ") + ")"
		}
	}
	return c.fail("the release is not signed: %s, and it ships no signed checksum manifest or detached signatures", what)
}

func isSignature(name string) bool {
	for _, ext := range signatureExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// version is the release's version without a leading v.
func (c *checker) version() string {
	return strings.TrimPrefix(c.in.Release.Manifest.Version, "v")
}

func checkChangelog(c *checker) Result {
	v := c.version()
	vre := regexp.MustCompile(`(^|[^0-9A-Za-z.])v?` + regexp.QuoteMeta(v) + `($|[^0-9A-Za-z.]|\.($|\s))`)
	files := c.t.docsNamed(changelogStems...)
	for _, f := range files {
		if l, ok := whole(f).find(vre); ok {
			return c.pass("%s describes the changes of %s", f.Path, v).at(l)
		}
	}
	for _, t := range c.tags() {
		lines := 0
		for _, l := range strings.Split(t.Message, "\n") {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		if lines >= 3 {
			return c.pass("tag %s carries release notes (%d lines)", t.Name, lines).at(Location{Commit: c.in.History.Commit, Text: "tag " + t.Name})
		}
	}
	if len(files) > 0 {
		return c.fail("%s does not mention version %s, and the tag carries no release notes", files[0].Path, v)
	}
	return c.fail("no change log (CHANGELOG, CHANGES, NEWS, HISTORY, RELEASE-NOTES) and no release notes in an annotated tag")
}

func checkVersionUnique(c *checker) Result {
	v := c.version()
	names := regexp.MustCompile(`(^|[^0-9A-Za-z])v?` + regexp.QuoteMeta(v) + `$`)
	var others []string
	for _, t := range c.tags() {
		if names.MatchString(t.Name) {
			return c.pass("version %s is the release's unique identifier: the centre keeps one release per product and version, and tag %s of its commit names it", c.in.Release.Manifest.Version, t.Name).at(Location{Commit: c.in.History.Commit, Text: "tag " + t.Name})
		}
		others = append(others, t.Name)
	}
	if len(others) > 0 {
		return c.fail("the release is version %s but its commit is tagged %s, which names another version", c.in.Release.Manifest.Version, strings.Join(others, ", "))
	}
	return c.pass("version %s is the release's unique identifier: the centre keeps one release per product and version", c.in.Release.Manifest.Version)
}

var hexRE = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

func checkAssetsNamed(c *checker) Result {
	arts := c.t.artifacts
	if len(arts) == 0 {
		return c.notApplicable("the release ships no assets")
	}
	listed := map[string]bool{}
	for _, a := range arts {
		if checksumNameRE.MatchString(a.lower) && a.isText {
			for _, b := range arts {
				if strings.Contains(string(a.head), path.Base(b.Path)) {
					listed[b.Path] = true
				}
			}
		}
	}
	v := strings.ToLower(c.version())
	var bad []Location
	for _, a := range arts {
		if !strings.Contains(a.lower, v) && !listed[a.Path] && !isSignature(a.lower) && !checksumNameRE.MatchString(a.lower) {
			bad = append(bad, Location{Path: a.Path})
		}
	}
	if len(bad) > 0 {
		return c.fail("%s neither the version %s in its name nor an entry in a shipped checksum manifest, first %s", plural(len(bad), "asset has", "assets have"), v, bad[0].Path).at(bad...)
	}
	return c.pass("each of the %d assets names the version or is listed by digest in a shipped checksum manifest", len(arts))
}

func checkSBOMShipped(c *checker) Result {
	var compiled []Location
	for _, a := range c.t.artifacts {
		if a.exe != "" {
			compiled = append(compiled, Location{Path: a.Path, Text: a.exe})
		}
	}
	if len(compiled) == 0 {
		return c.notApplicable("the release ships no compiled asset")
	}
	if s := c.in.Release.Manifest.SBOM; s != nil {
		return c.pass("the release's %s with the vendor's SBOM %s", plural(len(compiled), "compiled asset comes", "compiled assets come"), s.Path).at(Location{Path: s.Path})
	}
	return c.fail("%s shipped without an SBOM, first %s; submit one with --sbom", plural(len(compiled), "compiled asset is", "compiled assets are"), compiled[0].Path).at(compiled...)
}

var vexRE = regexp.MustCompile(`openvex|"analysis"\s*:\s*\{|csaf_vex|"vex"`)

func checkVEXShipped(c *checker) Result {
	if c.in.Vulns == nil {
		return c.notAssessed("the vulnerability match did not run, so it is not known whether a vulnerability needs a VEX statement")
	}
	var vex []Location
	for _, a := range c.t.artifacts {
		if (strings.Contains(a.lower, "vex") || strings.HasSuffix(a.lower, ".json")) && vexRE.Match(a.head) {
			vex = append(vex, Location{Path: a.Path})
		}
	}
	if s := c.in.Release.Manifest.SBOM; s != nil && vexRE.Match(c.t.sbom) {
		vex = append(vex, Location{Path: s.Path, Text: "the vendor's SBOM carries vulnerability analyses"})
	}
	n := len(c.in.Vulns.NotAffecting)
	switch {
	case len(vex) > 0:
		return c.pass("the release ships a VEX document, %s", vex[0].Path).at(vex...)
	case n == 0:
		return c.pass("no vulnerability was matched that does not affect the release, so there is nothing a VEX document must account for")
	default:
		return c.fail("%s matched in components do not affect the release (%s), and the release ships no VEX document saying so", plural(n, "vulnerability", "vulnerabilities"), strings.Join(c.in.Vulns.NotAffecting[:min(n, 5)], ", "))
	}
}
