// Package dossier assembles the technical documentation of the EU Cyber
// Resilience Act (Regulation (EU) 2024/2847, Annex VII) for a release from
// the evidence the centre holds: a printable HTML document, a PDF printed
// from it by headless Chromium, and a machine-readable bundle.
//
// The dossier reads the newest evaluation of the release and the documents
// it rests on; it never evaluates. Every section says where its content
// comes from, by evidence digest, and says "not provided" or "not
// assessed" where the centre holds no evidence: nothing is filled in.
// Every digest the document prints resolves with `glassbox cat DIGEST`.
package dossier

import (
	"time"

	"glassbox.dev"
	"glassbox.dev/standard"
)

// Type is the _type of the machine-readable technical file (docs/dossier.md).
const Type = "https://glassbox.dev/technical-file/v1"

// The names of the files a dossier directory holds.
const (
	HTMLFile    = "technical-file.html"
	PDFFile     = "technical-file.pdf"
	JSONFile    = "technical-file.json"
	SumsFile    = "SHA256SUMS"
	EvidenceDir = "evidence"
)

// NotProvided and NotAssessed are what the document says where the centre
// holds no evidence.
const (
	NotProvided = "not provided"
	NotAssessed = "not assessed"
)

// TechnicalFile is the technical documentation of one release, section by
// section as Annex VII numbers it, with the verdict and its receipts. It is
// what technical-file.json holds and what the HTML document shows.
type TechnicalFile struct {
	Type        string     `json:"_type"`
	GeneratedAt time.Time  `json:"generated_at"`
	Generator   string     `json:"generator"` // glassbox and its version
	Release     Release    `json:"release"`
	Evaluation  Evaluation `json:"evaluation"`
	// Receipts are the signed verdicts of the evaluation, one per shipped
	// artefact, each logged in the centre's transparency log.
	Receipts []Receipt `json:"receipts"`
	Sections Sections  `json:"sections"`
	// Evidence lists every document the file refers to, once, in the
	// order first referred to; each is copied into the bundle.
	Evidence []*EvidenceRef `json:"evidence"`
}

// EvidenceRef is a document of the centre's evidence store, named by its
// digest, which `glassbox cat DIGEST` prints.
type EvidenceRef struct {
	Kind        string          `json:"kind"`
	Digest      glassbox.Digest `json:"digest"`
	Description string          `json:"description"`
	// File is where the bundle holds a copy: evidence/HEX.EXT.
	File string `json:"file,omitempty"`
}

// Release identifies the release the file documents.
type Release struct {
	ID          glassbox.Digest `json:"id"` // the digest of its manifest
	Product     string          `json:"product"`
	Version     string          `json:"version"`
	SubmittedAt time.Time       `json:"submitted_at"`
	Manifest    *EvidenceRef    `json:"manifest"`
}

// Evaluation is the newest evaluation of the release, which the file
// rests on.
type Evaluation struct {
	At        time.Time        `json:"at"`
	Verdict   standard.Verdict `json:"verdict"`
	Standards []string         `json:"standards"`
	// Passed names each standard passed, with its catalog version.
	Passed  []string `json:"passed,omitempty"`
	Policy  string   `json:"policy"` // the VSA policy URI
	Reasons []string `json:"reasons,omitempty"`
	// Record is the evaluation's record, AssessmentResults its OSCAL
	// assessment-results and Report its HTML report.
	Record            *EvidenceRef `json:"record"`
	AssessmentResults *EvidenceRef `json:"assessment_results"`
	Report            *EvidenceRef `json:"report,omitempty"`
}

// Receipt is the logged verdict on one shipped artefact: a SLSA
// Verification Summary Attestation in a DSSE envelope, with the C2SP
// tlog-proof of its inclusion in the centre's log.
type Receipt struct {
	Artifact       string           `json:"artifact"`
	ArtifactDigest glassbox.Digest  `json:"artifact_digest"`
	Verdict        standard.Verdict `json:"verdict"`
	// Receipt is the receipt document (envelope and proof), Envelope the
	// envelope alone: both are in the evidence store.
	Receipt  *EvidenceRef `json:"receipt"`
	Envelope *EvidenceRef `json:"envelope"`
	// The log entry: the log's origin (its name in checkpoints), the
	// entry's index, the SHA-256 leaf hash (RFC 6962: SHA-256 of 0x00 and
	// the leaf), and the checkpoint the proof is against: its tree size,
	// root hash (base64) and whole signed text.
	LogOrigin  string `json:"log_origin"`
	LogIndex   uint64 `json:"log_index"`
	LeafHash   string `json:"leaf_hash"`
	TreeSize   uint64 `json:"tree_size"`
	RootHash   string `json:"root_hash"`
	Checkpoint string `json:"checkpoint"`
}

// Ref is how the document cites the receipt: the log's origin and the
// entry's index.
func (r *Receipt) Ref() string {
	return r.LogOrigin + " #" + uitoa(r.LogIndex)
}

// Sections are the points of Annex VII, numbered as the regulation does.
type Sections struct {
	General     General          `json:"general_description"`
	Design      Design           `json:"design_development_production"`
	Risk        Risk             `json:"risk_assessment"`
	Support     Support          `json:"support_period"`
	Standards   StandardsApplied `json:"standards_applied"`
	Tests       TestReports      `json:"test_reports"`
	Declaration Declaration      `json:"declaration_of_conformity"`
	Bill        BillOfMaterials  `json:"software_bill_of_materials"`
}

// Point is a section's place in Annex VII.
type Point struct {
	Number string `json:"annex_vii_point"`
	Title  string `json:"title"`
}

// General is Annex VII point 1: the product, its intended purpose and the
// versions of software the file covers.
type General struct {
	Point
	Product string `json:"product"`
	Version string `json:"version"`
	// From the vendor's ICS, when one was submitted; empty otherwise.
	Model           string        `json:"model,omitempty"`
	Description     string        `json:"description,omitempty"`
	IntendedPurpose string        `json:"intended_purpose,omitempty"`
	Manufacturer    *Manufacturer `json:"manufacturer,omitempty"`
	ICS             *EvidenceRef  `json:"ics,omitempty"`
	Artifacts       []Artifact    `json:"artifacts"`
	Source          Source        `json:"source"`
	// Missing names the fields the centre holds no evidence for.
	Missing []string `json:"missing,omitempty"`
}

// Manufacturer is who places the product on the market, as the ICS says.
type Manufacturer struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Contact string `json:"contact,omitempty"`
}

// Artifact is a shipped file of the release.
type Artifact struct {
	Path   string          `json:"path"`
	Digest glassbox.Digest `json:"digest"`
	Size   int64           `json:"size"`
}

// Source is the release's source and where it came from.
type Source struct {
	Kind    string       `json:"kind"` // directory, archive or git
	Files   int          `json:"files"`
	Bytes   int64        `json:"bytes"`
	Archive *EvidenceRef `json:"archive,omitempty"`
	// GitRef and GitCommit are the git origin the source names, or the
	// commit it was taken from.
	GitRef    string `json:"git_ref,omitempty"`
	GitCommit string `json:"git_commit,omitempty"`
}

// Design is Annex VII point 2: how the shipped artefacts are produced, and
// the vulnerability handling of Annex I Part II.
type Design struct {
	Point
	Recipe  *EvidenceRef `json:"recipe,omitempty"` // the submitted recipe; nil for glassbox's default Go recipe
	Rebuild *Rebuild     `json:"rebuild,omitempty"`
	// Provenance is the check of the source against its git origin.
	Provenance *Check `json:"provenance,omitempty"`
	// SBOM is the centre's SBOM of the release (point 8 lists it).
	SBOM *EvidenceRef `json:"sbom,omitempty"`
	// VulnerabilityHandling holds Annex I Part II's requirements; empty
	// when the evaluation did not assess the CRA's Annex I.
	VulnerabilityHandling []Requirement `json:"vulnerability_handling"`
}

// Rebuild is the centre's rebuild of the shipped artefacts.
type Rebuild struct {
	Report     *EvidenceRef      `json:"report"`
	Log        *EvidenceRef      `json:"log,omitempty"`
	StartedOn  time.Time         `json:"started_on"`
	FinishedOn time.Time         `json:"finished_on"`
	Failure    string            `json:"failure,omitempty"`
	Artifacts  []RebuildArtifact `json:"artifacts"`
}

// RebuildArtifact is one shipped artefact against its rebuild.
type RebuildArtifact struct {
	Name    string          `json:"name"`
	Shipped glassbox.Digest `json:"shipped"`
	Rebuilt glassbox.Digest `json:"rebuilt,omitempty"`
	// Outcome is "identical", "equivalent", "different" or "not rebuilt".
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// Requirement is one control of a standard as the newest assessment left
// it: its status, why, and the evidence it rests on.
type Requirement struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Title    string `json:"title"`
	Coverage string `json:"coverage,omitempty"` // automated, supported or manual
	// Status is satisfied, not-satisfied or not-assessed.
	Status   string         `json:"status"`
	Reason   string         `json:"reason"`
	Checks   []string       `json:"checks,omitempty"`
	Evidence []*EvidenceRef `json:"evidence,omitempty"`
}

// Risk is Annex VII point 3: how Annex I Part I applies, requirement by
// requirement.
type Risk struct {
	Point
	// Assessed is false when the evaluation did not assess the CRA's
	// Annex I: Requirements is then empty.
	Assessed     bool          `json:"assessed"`
	Requirements []Requirement `json:"requirements"`
}

// Support is Annex VII point 4: the support period and where
// vulnerabilities are reported.
type Support struct {
	Point
	SupportUntil    string       `json:"support_until,omitempty"`
	SecurityContact string       `json:"security_contact,omitempty"`
	ICS             *EvidenceRef `json:"ics,omitempty"`
}

// StandardsApplied is Annex VII point 5: each standard assessed, with its
// result.
type StandardsApplied struct {
	Point
	Standards []StandardResult `json:"standards"`
	// Provisions is EN 303 645's provision table with the vendor's ICS
	// answers, when the evaluation assessed EN 303 645 or the vendor
	// submitted an ICS for it.
	Provisions *ProvisionTable `json:"en_303_645,omitempty"`
}

// StandardResult is the assessment against one standard.
type StandardResult struct {
	ID           string           `json:"id"`
	Title        string           `json:"title"`
	Catalog      string           `json:"catalog"`
	Version      string           `json:"version"`
	Verdict      standard.Verdict `json:"verdict"`
	Controls     int              `json:"controls"`
	Satisfied    int              `json:"satisfied"`
	NotSatisfied int              `json:"not_satisfied"`
	NotAssessed  int              `json:"not_assessed"`
	Requirements []Requirement    `json:"requirements"`
}

// ProvisionTable is EN 303 645 provision by provision: the assessment's
// status and the vendor's answer.
type ProvisionTable struct {
	Assessed   bool         `json:"assessed"` // whether the evaluation assessed EN 303 645
	ICS        *EvidenceRef `json:"ics,omitempty"`
	Provisions []Provision  `json:"provisions"`
}

// Provision is one provision of EN 303 645.
type Provision struct {
	Requirement
	// ICSSupport and ICSDetail are the vendor's answer: yes, no or
	// not-applicable, and how; empty when the ICS does not answer.
	ICSSupport string `json:"ics_support,omitempty"`
	ICSDetail  string `json:"ics_detail,omitempty"`
}

// TestReports is Annex VII point 6: the reports of the checks and what
// each established.
type TestReports struct {
	Point
	Checks    []Check        `json:"checks"`
	Documents []*EvidenceRef `json:"documents"`
}

// Check is one automated check's result in the newest evaluation.
type Check struct {
	ID       string         `json:"id"`
	Status   string         `json:"status"` // pass, fail, error or not-applicable
	Summary  string         `json:"summary"`
	Evidence []*EvidenceRef `json:"evidence,omitempty"`
}

// Declaration is Annex VII point 7: the EU declaration of conformity as
// Annex V lays it out, as a draft for the manufacturer to complete and
// sign. Place, date and signature are left blank.
type Declaration struct {
	Point
	Draft               bool     `json:"draft"`
	Product             string   `json:"product"`
	Version             string   `json:"version"`
	Model               string   `json:"model,omitempty"`
	ManufacturerName    string   `json:"manufacturer_name,omitempty"`
	ManufacturerAddress string   `json:"manufacturer_address,omitempty"`
	Responsibility      string   `json:"responsibility"`
	Statement           string   `json:"statement"`
	Standards           []string `json:"standards"`
	// Caveat says when the verdict does not support the declaration.
	Caveat    string `json:"caveat,omitempty"`
	Place     string `json:"place"`
	Date      string `json:"date"`
	Signature string `json:"signature"`
}

// BillOfMaterials is Annex VII point 8: the software bill of materials.
type BillOfMaterials struct {
	Point
	// Derived is the centre's CycloneDX SBOM of the release; Submitted
	// the vendor's, if any; Comparison where they disagree.
	Derived    *EvidenceRef `json:"derived,omitempty"`
	Submitted  *EvidenceRef `json:"submitted,omitempty"`
	Comparison *EvidenceRef `json:"comparison,omitempty"`
	Components []Component  `json:"components"`
}

// Component is one component the derived SBOM lists.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Type    string `json:"type,omitempty"`
	PURL    string `json:"purl,omitempty"`
}
