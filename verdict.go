package glassbox

import (
	"context"
	"time"
)

// CheckStatus is the outcome of one automated check on a release.
type CheckStatus string

// Check outcomes.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	// CheckError means the check could not run to completion: it
	// establishes nothing either way.
	CheckError CheckStatus = "error"
	// CheckNotApplicable means the check does not apply to this release
	// (a provenance check on a release that names no git origin).
	CheckNotApplicable CheckStatus = "not-applicable"
)

// Valid reports whether s is one of the four outcomes.
func (s CheckStatus) Valid() bool {
	switch s {
	case CheckPass, CheckFail, CheckError, CheckNotApplicable:
		return true
	}
	return false
}

// The automated checks the evaluation runs, by stable id. The
// evidence-to-control mappings of package standard refer to these.
const (
	CheckArchiveMatchesSource = "provenance.archive-matches-source" // the release archive matches the tagged source
	CheckReproducible         = "rebuild.reproducible"              // every shipped artefact rebuilt and found identical or equivalent
	CheckNoBackdoorIndicators = "scan.no-backdoor-indicators"       // no unsuppressed analyser finding of medium severity or above
	CheckNoEmbeddedSecrets    = "scan.no-embedded-secrets"          // no unsuppressed secrets finding of medium or above
	CheckSBOMAvailable        = "sbom.available"                    // a CycloneDX SBOM of the release exists
	CheckSBOMConsistent       = "sbom.consistent"                   // submitted, source-derived and binary-derived SBOMs agree
	CheckNoKnownExploitable   = "vulns.no-known-exploitable"        // no known vulnerability reachable or of unknown reachability
	CheckSourceAvailable      = "release.source-available"          // the complete source is held by the centre
	CheckEvidenceSigned       = "attest.evidence-signed"            // every piece of evidence is signed and logged
	CheckNoRuntimeBackdoor    = "run.no-backdoor-behaviour"         // the shipped programs, run and probed in the sandbox, showed no backdoor behaviour of medium or above
	CheckExploitMitigations   = "binary.exploit-mitigations"        // every shipped ELF program has a non-executable stack and no writable and executable segment
)

// RepositoryChecks are the checks of how the project is run, decided from
// the release's source tree, its git history and what it ships (package
// practice, docs/practices.md): licence, security policy, documentation,
// CI workflows, signed and documented releases.
var RepositoryChecks = []string{
	"repo.licence-file",
	"repo.licence-osi",
	"repo.security-policy",
	"repo.private-reporting",
	"repo.disclosure-policy",
	"repo.support-scope",
	"repo.support-end",
	"repo.contributing",
	"repo.contribution-requirements",
	"repo.maintainers",
	"repo.governance-roles",
	"repo.discussion-channel",
	"repo.defect-reporting",
	"repo.user-guide",
	"repo.build-instructions",
	"repo.verify-instructions",
	"repo.signer-identity",
	"repo.dependency-policy",
	"repo.dependency-manifest",
	"repo.no-executables",
	"repo.no-unreviewable-binaries",
	"repo.ci-default-permissions",
	"repo.ci-least-privilege",
	"repo.ci-untrusted-input",
	"repo.ci-untrusted-checkout",
	"repo.ci-trusted-input",
	"repo.history",
	"repo.signed-off",
	"repo.signed-release",
	"repo.changelog",
	"repo.version-unique",
	"repo.assets-named",
	"repo.sbom-shipped",
	"repo.design-docs",
	"repo.interface-docs",
	"repo.secrets-policy",
	"repo.sca-policy",
	"repo.sast-policy",
	"repo.collaborator-policy",
	"repo.test-docs",
	"repo.test-policy",
	"repo.ci-tests",
	"repo.ci-sast",
	"repo.ci-dependency-scan",
	"repo.vex-shipped",
	"repo.https-channels",
}

// Checks lists the ids of every automated check: those above, in order,
// then the repository checks.
func Checks() []string {
	return append([]string{
		CheckArchiveMatchesSource, CheckReproducible, CheckNoBackdoorIndicators, CheckNoEmbeddedSecrets,
		CheckSBOMAvailable, CheckSBOMConsistent, CheckNoKnownExploitable, CheckSourceAvailable, CheckEvidenceSigned,
		CheckNoRuntimeBackdoor, CheckExploitMitigations,
	}, RepositoryChecks...)
}

// Evidence points at a stored document that supports a result.
type Evidence struct {
	Kind        string `json:"kind"`   // e.g. "scan/sarif", "rebuild/report"
	Digest      Digest `json:"digest"` // the document in the evidence store
	Description string `json:"description"`
}

// CheckResult is what one automated check established about a release.
type CheckResult struct {
	Check    string      `json:"check"` // one of Checks()
	Status   CheckStatus `json:"status"`
	Summary  string      `json:"summary"` // one sentence: what was established, or why it failed
	Evidence []Evidence  `json:"evidence,omitempty"`
	Findings []Finding   `json:"findings,omitempty"` // the findings that made it fail, if any
}

// Judgement is an evaluator's verdict on a control that needs a human.
// Judgements are only ever added: a newer one on the same control of the
// same release supersedes the older, which stays on record.
type Judgement struct {
	Release   Digest    `json:"release"`
	Catalog   string    `json:"catalog"` // e.g. "cra-annex-i"
	Control   string    `json:"control"` // the control's id in that catalog, e.g. "I.2.a"
	Satisfied bool      `json:"satisfied"`
	Note      string    `json:"note"`      // why: what the evaluator looked at
	Evaluator string    `json:"evaluator"` // who
	At        time.Time `json:"at"`        // when, in UTC
}

// Triage is an evaluator's decision on one finding of a release's scan:
// confirmed (it is what it looks like) or dismissed, with the reason.
// Decisions are only ever added; the newest on a finding is in force, and
// a dismissal in force suppresses the finding in the next evaluation.
type Triage struct {
	Release     Digest    `json:"release"`
	Fingerprint string    `json:"fingerprint"` // the finding's (Finding.Fingerprint)
	RuleID      string    `json:"rule_id"`
	Path        string    `json:"path"`
	Line        int       `json:"line"`
	Dismissed   bool      `json:"dismissed"`
	Reason      string    `json:"reason"`    // why: required to dismiss
	Evaluator   string    `json:"evaluator"` // who
	At          time.Time `json:"at"`        // when, in UTC
}

// TriageStore keeps evaluators' decisions on findings, append-only.
type TriageStore interface {
	// RecordTriage adds t; the release must exist (ENOTFOUND). A zero
	// t.At is the current time; on success t.At is as recorded, in UTC.
	RecordTriage(ctx context.Context, t *Triage) error
	// FindTriage returns every decision recorded about a release's
	// findings, oldest first, superseded ones included.
	FindTriage(ctx context.Context, release Digest) ([]*Triage, error)
}

// ReviewMark says an evaluator reviewed the changes to one file between
// two releases of a product (a differential review): the file's changed
// lines count as reviewed in the review's coverage. Marks are only added.
type ReviewMark struct {
	Release   Digest    `json:"release"` // the newer release, under review
	Base      Digest    `json:"base"`    // the release it is compared with
	Path      string    `json:"path"`
	Evaluator string    `json:"evaluator"`
	At        time.Time `json:"at"`
}

// ReviewStore keeps the marks of differential reviews, append-only.
type ReviewStore interface {
	// MarkReviewed adds m; both releases must exist (ENOTFOUND). A zero
	// m.At is the current time; on success m.At is as recorded, in UTC.
	MarkReviewed(ctx context.Context, m *ReviewMark) error
	// FindReviewMarks returns the marks of the review of release against
	// base, oldest first.
	FindReviewMarks(ctx context.Context, release, base Digest) ([]*ReviewMark, error)
}

// ControlStatus is where a control of a standard stands for a release.
type ControlStatus string

// Control outcomes.
const (
	ControlSatisfied    ControlStatus = "satisfied"
	ControlNotSatisfied ControlStatus = "not-satisfied"
	ControlNotAssessed  ControlStatus = "not-assessed"
)

// JudgementStore keeps evaluators' judgements, append-only.
type JudgementStore interface {
	// RecordJudgement adds j. The release must exist (ENOTFOUND). If j.At
	// is zero the current time is recorded; on success j.At is the
	// recorded time in UTC.
	RecordJudgement(ctx context.Context, j *Judgement) error
	// FindJudgements returns every judgement recorded about a release,
	// oldest first, superseded ones included.
	FindJudgements(ctx context.Context, release Digest) ([]*Judgement, error)
}
