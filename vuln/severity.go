package vuln

import (
	"encoding/json"
	"math"
	"strings"

	"glassbox.dev"
)

// Rating is a vulnerability's severity as its records give it.
type Rating struct {
	// Level is critical, high, medium or low; empty when no record rates
	// the vulnerability (the Go database never does).
	Level glassbox.Severity `json:"level,omitempty"`
	// Score is the CVSS v3 base score computed from Vector, or 0.
	Score  float64 `json:"score,omitempty"`
	Vector string  `json:"vector,omitempty"` // a CVSS vector, as the record writes it
	Type   string  `json:"type,omitempty"`   // CVSS_V3, CVSS_V4, ... or database_specific
}

// Known reports whether the rating has a level.
func (r Rating) Known() bool { return r.Level != "" }

func maxRating(a, b Rating) Rating {
	if b.Level.Rank() > a.Level.Rank() || b.Level.Rank() == a.Level.Rank() && b.Score > a.Score {
		return b
	}
	if !a.Known() && a.Vector == "" && b.Vector != "" {
		return b
	}
	return a
}

// recordRating is the highest rating a record gives, from its severity
// arrays (CVSS v3 vectors are scored; v2 and v4 vectors are kept without a
// score) and from database_specific.severity (GitHub's LOW, MODERATE,
// HIGH, CRITICAL).
func recordRating(r *Record) Rating {
	var best Rating
	consider := func(sevs []Severity) {
		for _, s := range sevs {
			rt := Rating{Vector: s.Score, Type: s.Type}
			if strings.HasPrefix(s.Type, "CVSS_V3") {
				if score, ok := cvss3Score(s.Score); ok {
					rt.Score, rt.Level = score, levelOf(score)
				}
			}
			best = maxRating(best, rt)
		}
	}
	consider(r.Severity)
	for _, a := range r.Affected {
		consider(a.Severity)
	}
	var ds struct {
		Severity string `json:"severity"`
	}
	if len(r.DatabaseSpecific) > 0 && json.Unmarshal(r.DatabaseSpecific, &ds) == nil {
		var l glassbox.Severity
		switch strings.ToUpper(ds.Severity) {
		case "CRITICAL":
			l = glassbox.SeverityCritical
		case "HIGH":
			l = glassbox.SeverityHigh
		case "MODERATE", "MEDIUM":
			l = glassbox.SeverityMedium
		case "LOW":
			l = glassbox.SeverityLow
		}
		if l != "" && l.Rank() > best.Level.Rank() {
			best.Level = l
			if best.Vector == "" {
				best.Type = "database_specific"
			}
		}
	}
	return best
}

// levelOf is CVSS v3's qualitative rating of a score.
func levelOf(score float64) glassbox.Severity {
	switch {
	case score >= 9:
		return glassbox.SeverityCritical
	case score >= 7:
		return glassbox.SeverityHigh
	case score >= 4:
		return glassbox.SeverityMedium
	case score > 0:
		return glassbox.SeverityLow
	}
	return glassbox.SeverityNote
}

// cvss3Score computes the CVSS v3.0/v3.1 base score of a vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), as the specification's
// formulas do.
func cvss3Score(vector string) (float64, bool) {
	parts := strings.Split(vector, "/")
	if len(parts) < 9 || !strings.HasPrefix(parts[0], "CVSS:3") {
		return 0, false
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok {
			return 0, false
		}
		m[k] = v
	}
	weights := map[string]map[string]float64{
		"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
		"AC": {"L": 0.77, "H": 0.44},
		"UI": {"N": 0.85, "R": 0.62},
		"C":  {"H": 0.56, "L": 0.22, "N": 0},
		"I":  {"H": 0.56, "L": 0.22, "N": 0},
		"A":  {"H": 0.56, "L": 0.22, "N": 0},
	}
	w := map[string]float64{}
	for k, table := range weights {
		x, ok := table[m[k]]
		if !ok {
			return 0, false
		}
		w[k] = x
	}
	changed := m["S"] == "C"
	if !changed && m["S"] != "U" {
		return 0, false
	}
	var pr float64
	switch m["PR"] {
	case "N":
		pr = 0.85
	case "L":
		pr = 0.62
		if changed {
			pr = 0.68
		}
	case "H":
		pr = 0.27
		if changed {
			pr = 0.5
		}
	default:
		return 0, false
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploit := 8.22 * w["AV"] * w["AC"] * pr * w["UI"]
	if impact <= 0 {
		return 0, true
	}
	if changed {
		return roundUp(math.Min(1.08*(impact+exploit), 10)), true
	}
	return roundUp(math.Min(impact+exploit, 10)), true
}

// roundUp is CVSS v3.1's Roundup: the smallest one-decimal number at or
// above x, computed on integers to avoid floating-point surprises.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
