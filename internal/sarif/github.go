package sarif

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// CheckGitHub returns the ways a SARIF log would fail GitHub code
// scanning's upload, as the SARIF Multitool's GitHub rules (rule kind
// Ghas) and GitHub's documentation state them: every rule has help in text
// and Markdown and a full description (GH2012), a numeric
// properties.security-severity and tags; every result a message and at
// least one location (GH1001) whose URI is relative to a uriBaseId the
// run's originalUriBaseIds defines (GH1005) and whose region starts at a
// line (GH1003); the tool a version that starts with a number (SARIF2005).
// The tests of every SARIF glassbox writes run it, so that a log fails in
// tests before it fails an upload.
func CheckGitHub(data []byte) []string {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name    string
					Version string
					Rules   []struct {
						ID               string
						ShortDescription *Text
						FullDescription  *Text
						Help             *Help
						Properties       map[string]any
					}
				}
			}
			OriginalURIBaseIDs map[string]ArtifactLocation `json:"originalUriBaseIds"`
			Results            []struct {
				RuleID    string
				Message   Text
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation ArtifactLocation
						Region           *Region
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		return []string{"not SARIF JSON: " + err.Error()}
	}
	var bad []string
	add := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	for i, run := range log.Runs {
		d := run.Tool.Driver
		if v := d.Version; v == "" || v[0] < '0' || v[0] > '9' || strings.Contains(v, "devel") {
			add("runs[%d].tool.driver.version %q does not start with a number (SARIF2005)", i, v)
		}
		for j, r := range d.Rules {
			at := fmt.Sprintf("runs[%d].tool.driver.rules[%d] (%s)", i, j, r.ID)
			if r.Help == nil || strings.TrimSpace(r.Help.Text) == "" || strings.TrimSpace(r.Help.Markdown) == "" {
				add("%s has no help text and markdown (GH2012)", at)
			}
			if r.FullDescription == nil || strings.TrimSpace(r.FullDescription.Text) == "" {
				add("%s has no fullDescription (GH2012)", at)
			}
			if r.ShortDescription == nil || strings.TrimSpace(r.ShortDescription.Text) == "" {
				add("%s has no shortDescription", at)
			}
			sev, ok := r.Properties["security-severity"].(string)
			if n, err := strconv.ParseFloat(sev, 64); !ok || err != nil || n < 0 || n > 10 {
				add("%s: properties.security-severity %v is not a number from 0 to 10 written as a string", at, r.Properties["security-severity"])
			}
			if tags, ok := r.Properties["tags"].([]any); !ok || len(tags) == 0 {
				add("%s has no properties.tags", at)
			}
		}
		for j, res := range run.Results {
			at := fmt.Sprintf("runs[%d].results[%d] (%s)", i, j, res.RuleID)
			if strings.TrimSpace(res.Message.Text) == "" {
				add("%s has no message text (GH1007)", at)
			}
			if len(res.Locations) == 0 {
				add("%s has no location (GH1001)", at)
			}
			for k, l := range res.Locations {
				p := l.PhysicalLocation
				if p == nil {
					add("%s.locations[%d] has no physicalLocation (GH1001)", at, k)
					continue
				}
				u, err := url.Parse(p.ArtifactLocation.URI)
				switch {
				case p.ArtifactLocation.URI == "" || err != nil || u.IsAbs() || strings.HasPrefix(u.Path, "/"):
					add("%s.locations[%d] URI %q is not a relative URI reference (GH1005)", at, k, p.ArtifactLocation.URI)
				case p.ArtifactLocation.URIBaseID == "":
					add("%s.locations[%d] URI %q has no uriBaseId", at, k, p.ArtifactLocation.URI)
				default:
					if _, ok := run.OriginalURIBaseIDs[p.ArtifactLocation.URIBaseID]; !ok {
						add("%s.locations[%d] uriBaseId %q is not in the run's originalUriBaseIds", at, k, p.ArtifactLocation.URIBaseID)
					}
				}
				if p.Region == nil || p.Region.StartLine < 1 {
					add("%s.locations[%d] has no region with a startLine (GH1003)", at, k)
				}
			}
		}
	}
	return bad
}
