package buildtamper

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"

	"glassbox.dev"
)

// installHooks are the npm lifecycle scripts that run on `npm install`.
var installHooks = []string{"preinstall", "install", "postinstall"}

var (
	// fetches: the script downloads something.
	fetches = regexp.MustCompile(`\b(?:curl|wget|Invoke-WebRequest|iwr|certutil\s+-urlcache|bitsadmin)\b|https?://|require\(\s*['"]https?['"]\s*\)|\bfetch\(`)
	// runsNode: the script runs node on a file or on inline code.
	runsNode = regexp.MustCompile(`\bnode\s+(?:-e\b|--eval\b|-p\b|[^\s&|;]+\.(?:c|m)?js\b|\.\S*)|\bnode\s+[\w./-]+`)
	// harmless: install steps that are building, not fetching or running
	// the package's own code: native addons and git hooks.
	harmless = regexp.MustCompile(`^\s*(?:node-gyp(?:-build)?\s+rebuild|node-gyp-build|prebuild-install(?:\s+\|\|\s+node-gyp\s+rebuild)?|husky(?:\s+install)?|patch-package|ngcc|tsc|npm run build|opencollective-postinstall|echo\b[^&|;]*)\s*$`)
)

// npmScripts reports GB0602.
func (c *collector) npmScripts() {
	b := c.f.Content
	if !bytes.Contains(b, []byte("install\"")) {
		return
	}
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return
	}
	for _, hook := range installHooks {
		v, ok := pkg.Scripts[hook].(string)
		if !ok || harmless.MatchString(v) {
			continue
		}
		start, end := locate(b, hook)
		switch {
		case fetches.MatchString(v):
			c.add(RuleInstallScript, glassbox.SeverityHigh, start, end, "the npm "+hook+" script downloads something at install time")
		case runsNode.MatchString(v):
			c.add(RuleInstallScript, RuleInstallScript.Severity, start, end, "the npm "+hook+" script runs node at install time")
		}
	}
}

// locate finds the "hook": "value" pair in the raw JSON for the region:
// from the key's opening quote to the value's closing quote.
func locate(b []byte, hook string) (int, int) {
	key := []byte(strconv.Quote(hook))
	from := max(bytes.Index(b, []byte(`"scripts"`)), 0)
	i := bytes.Index(b[from:], key)
	if i < 0 {
		return 0, min(len(b), 1)
	}
	i += from
	k := i + len(key)
	for k < len(b) && b[k] != '"' { // the colon and blanks before the value
		k++
	}
	for k++; k < len(b); k++ {
		switch b[k] {
		case '\\':
			k++
		case '"':
			return i, k + 1
		}
	}
	return i, i + len(key)
}
