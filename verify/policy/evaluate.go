package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"glassbox.dev"
)

// Input is what a policy judges. Everything in it must already be
// verified: signatures, log inclusion, that the subjects are the artefact.
// The policy trusts it.
type Input struct {
	// Now is the time of verification; rules judge the age of evidence
	// against it. The caller supplies it so that a decision can be
	// reproduced (and tested).
	Now time.Time `json:"now"`
	// Artifact is the artefact about to be deployed.
	Artifact Subject `json:"artifact"`
	// Attestations are the verified attestations about it.
	Attestations []Attestation `json:"attestations"`
}

// Attestation is one verified in-toto statement, as the policy sees it.
type Attestation struct {
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate,omitempty"` // absent from CEL when empty
	Subjects      []Subject       `json:"subjects"`
	KeyID         string          `json:"keyId"` // hex SHA-256 of the signer's public key
	LogIndex      uint64          `json:"logIndex"`
	LoggedAt      time.Time       `json:"loggedAt,omitzero"` // absent from CEL when zero
}

// Subject names an artefact: its name and its digest ("sha256:…").
type Subject struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

// Decision is the outcome of a policy. It allows only if every rule passed.
type Decision struct {
	Allow bool         `json:"allow"`
	Rules []RuleResult `json:"rules"`
}

// RuleResult is the outcome of one rule.
type RuleResult struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Reason says why the rule passed or failed, in words for an operator:
	// how many attestations were considered, which matched, and for the
	// others which condition was false or which evaluation failed.
	Reason string `json:"reason"`
	// Matched are the log indexes of the attestations that matched. For
	// require: none they are the ones that made the rule fail.
	Matched []uint64 `json:"matched,omitempty"`
}

// Reasons returns one line per failed rule, `rule "name": reason`, in the
// policy's order: every reason a deployment was denied.
func (d *Decision) Reasons() []string {
	var out []string
	for _, r := range d.Rules {
		if !r.Passed {
			out = append(out, fmt.Sprintf("rule %q: %s", r.Name, r.Reason))
		}
	}
	return out
}

// maxDetails is how many attestations a reason describes one by one; a
// reason is read by a person, and a hundred lines of it are not.
const maxDetails = 5

// Evaluate judges in against every rule. It returns an error only when it
// cannot judge at all (no time given, a predicate that is not JSON), never
// because a rule failed or an expression could not be evaluated: those are
// a deny, with the reason.
func (p *Policy) Evaluate(in Input) (*Decision, error) {
	if in.Now.IsZero() {
		return nil, glassbox.Errorf(glassbox.EINVALID, "policy %s: no verification time given", p.Name)
	}
	for _, r := range p.Rules {
		// Only Parse compiles; a Rule written as a literal has no program.
		if r.match == nil {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "policy %s: rule %q was not compiled; make policies with Load or Parse", p.Name, r.Name)
		}
	}
	atts := make([]ref.Val, len(in.Attestations))
	for i, a := range in.Attestations {
		v, err := attValue(a)
		if err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "policy %s: attestation #%d: %w", p.Name, a.LogIndex, err)
		}
		atts[i] = v
	}
	base := map[string]any{
		"now":          types.Timestamp{Time: in.Now.UTC()},
		"artifact":     map[string]string{"name": in.Artifact.Name, "digest": in.Artifact.Digest},
		"attestations": types.DefaultTypeAdapter.NativeToValue(atts),
	}
	perAtt := make([]map[string]any, len(atts))
	for i, v := range atts {
		vars := maps.Clone(base)
		vars["att"] = v
		perAtt[i] = vars
	}

	budget := uint64(MaxTotalCost)
	d := &Decision{Allow: true, Rules: make([]RuleResult, 0, len(p.Rules))}
	for i := range p.Rules {
		r := &p.Rules[i]
		var res RuleResult
		if r.Require == RequireExpr {
			res = r.evaluateSet(base, &budget)
		} else {
			res = r.evaluateEach(in.Attestations, perAtt, &budget)
		}
		d.Allow = d.Allow && res.Passed
		d.Rules = append(d.Rules, res)
	}
	return d, nil
}

// attValue is an attestation as a CEL map. JSON numbers become double, as
// CEL's own JSON mapping (google.protobuf.Value) has them.
func attValue(a Attestation) (ref.Val, error) {
	if a.LogIndex > math.MaxInt64 {
		return nil, fmt.Errorf("log index %d does not fit CEL's int", a.LogIndex)
	}
	subjects := make([]any, len(a.Subjects))
	for i, s := range a.Subjects {
		subjects[i] = map[string]any{"name": s.Name, "digest": s.Digest}
	}
	m := map[string]any{
		"predicateType": a.PredicateType,
		"subjects":      subjects,
		"keyId":         a.KeyID,
		"logIndex":      int64(a.LogIndex),
	}
	if len(a.Predicate) > 0 {
		var pred any
		if err := json.Unmarshal(a.Predicate, &pred); err != nil {
			return nil, fmt.Errorf("predicate is not JSON: %w", err)
		}
		m["predicate"] = pred
	}
	if !a.LoggedAt.IsZero() {
		m["loggedAt"] = a.LoggedAt.UTC()
	}
	return types.DefaultTypeAdapter.NativeToValue(m), nil
}

// evaluateSet judges a require: expr rule: match once, over everything.
func (r *Rule) evaluateSet(vars map[string]any, budget *uint64) RuleResult {
	res := RuleResult{Name: r.Name}
	ok, err := r.match.eval(vars, budget)
	switch {
	case err != nil:
		res.Reason = "match could not be evaluated: " + err.Error()
	case ok:
		res.Passed = true
		res.Reason = "match is true"
	default:
		res.Reason = "match is false"
		if why := r.match.explain(vars, budget); why != "" {
			res.Reason += ": " + why
		}
	}
	return res
}

// evaluateEach judges a rule that looks at one attestation at a time.
func (r *Rule) evaluateEach(atts []Attestation, perAtt []map[string]any, budget *uint64) RuleResult {
	res := RuleResult{Name: r.Name}
	var (
		considered int
		notes      []note // why considered attestations did not match, in log order
		errs       []note // the notes about evaluation errors
	)
	for i, vars := range perAtt {
		idx := atts[i].LogIndex
		if r.applies != nil {
			ok, err := r.applies.eval(vars, budget)
			if err != nil {
				// It might have applied, so it is considered, and as
				// it cannot be judged it cannot help the rule pass.
				considered++
				n := note{idx, "applies: " + err.Error()}
				notes, errs = append(notes, n), append(errs, n)
				continue
			}
			if !ok {
				continue
			}
		}
		considered++
		ok, err := r.match.eval(vars, budget)
		switch {
		case err != nil:
			n := note{idx, err.Error()}
			notes, errs = append(notes, n), append(errs, n)
		case ok:
			res.Matched = append(res.Matched, idx)
		default:
			why := "did not match"
			if r.Require != RequireNone {
				// Explaining a non-match is worth its cost only when
				// the non-match is the problem.
				if w := r.match.explain(vars, budget); w != "" {
					why = w
				}
			}
			notes = append(notes, note{idx, why})
		}
	}

	total := len(atts)
	counted := countConsidered(considered, total, r.applies != nil)
	switch r.Require {
	case RequireAny:
		if len(res.Matched) > 0 {
			res.Passed = true
			res.Reason = fmt.Sprintf("matched %s (%s)", indexes(res.Matched), counted)
			return res
		}
		res.Reason = "no attestation matched (" + counted + details(notes) + ")"
	case RequireAll:
		switch {
		case considered == 0:
			res.Reason = fmt.Sprintf("no attestation to check (%s); require: all needs at least one", counted)
		case len(notes) == 0:
			res.Passed = true
			res.Reason = fmt.Sprintf("all matched (%s)", counted)
		default:
			res.Reason = fmt.Sprintf("%d did not match (%s%s)", len(notes), counted, details(notes))
		}
	case RequireNone:
		switch {
		case len(res.Matched) == 0 && len(errs) == 0:
			res.Passed = true
			res.Reason = fmt.Sprintf("none matched (%s)", counted)
		case len(res.Matched) > 0:
			res.Reason = fmt.Sprintf("%s matched, which require: none forbids (%s%s)", indexes(res.Matched), counted, details(errs))
		default:
			res.Reason = fmt.Sprintf("%d could not be evaluated, so they may match, which require: none forbids (%s%s)", len(errs), counted, details(errs))
		}
	}
	return res
}

// countConsidered says how many attestations a rule looked at: "2
// considered", or with applies "2 of 5 applied".
func countConsidered(considered, total int, filtered bool) string {
	switch {
	case total == 0:
		return "no attestations given"
	case !filtered:
		return fmt.Sprintf("%d considered", considered)
	case considered == 0:
		return fmt.Sprintf("none of %d applied", total)
	default:
		return fmt.Sprintf("%d of %d applied", considered, total)
	}
}

// note says why one considered attestation did not match.
type note struct {
	index uint64
	why   string
}

// details lists why attestations did not match, after a colon: the same
// reason once for all the attestations it applies to ("#4, #5: … is
// false"), in the order the reasons first appear, the first few only.
func details(notes []note) string {
	if len(notes) == 0 {
		return ""
	}
	var whys []string
	byWhy := map[string][]uint64{}
	for _, n := range notes {
		if _, ok := byWhy[n.why]; !ok {
			whys = append(whys, n.why)
		}
		byWhy[n.why] = append(byWhy[n.why], n.index)
	}
	var b strings.Builder
	b.WriteString(": ")
	for i, why := range whys {
		if i == maxDetails {
			fmt.Fprintf(&b, "; and %d other reasons", len(whys)-maxDetails)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(indexes(byWhy[why]))
		b.WriteString(": ")
		b.WriteString(why)
	}
	return b.String()
}

// indexes lists log indexes as "#4, #9", the first few only.
func indexes(idx []uint64) string {
	var parts []string
	for i, x := range idx {
		if i == maxDetails {
			parts = append(parts, fmt.Sprintf("and %d more", len(idx)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("#%d", x))
	}
	return strings.Join(parts, ", ")
}
