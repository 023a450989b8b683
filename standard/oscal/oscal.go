// Package oscal holds Go types for the parts of NIST's OSCAL 1.0.6 catalog
// and assessment-results models that glassbox reads and writes, and the
// content-derived UUIDs its documents use.
package oscal

// The parts of the OSCAL 1.0.6 catalog and assessment-results models that
// glassbox reads and writes. No OSCAL library for Go is maintained where we
// can get it, and the models are large; these types carry only the fields
// used, with omitempty wherever the schema wants an array to have at least
// one item. Every document written from them is validated against NIST's
// JSON schema in the tests.

// Version is the OSCAL model version glassbox writes.
const Version = "1.0.6"

// Namespace is the OSCAL namespace of the props and part names glassbox
// defines, so that they are not mistaken for NIST's own.
const Namespace = "https://glassbox.dev/ns/oscal"

// CatalogDocument is an OSCAL catalog file: {"catalog": …}.
type CatalogDocument struct {
	Schema  string   `json:"$schema,omitempty"`
	Catalog *Catalog `json:"catalog"`
}

// Catalog is an OSCAL catalog.
type Catalog struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	Groups     []Group     `json:"groups,omitempty"`
	Controls   []Control   `json:"controls,omitempty"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// Metadata is the metadata of an OSCAL document.
type Metadata struct {
	Title        string   `json:"title"`
	Published    string   `json:"published,omitempty"`
	LastModified string   `json:"last-modified"`
	Version      string   `json:"version"`
	OSCALVersion string   `json:"oscal-version"`
	Props        []Prop   `json:"props,omitempty"`
	Links        []Link   `json:"links,omitempty"`
	Roles        []Role   `json:"roles,omitempty"`
	Parties      []Party  `json:"parties,omitempty"`
	Responsible  []RespPt `json:"responsible-parties,omitempty"`
	Remarks      string   `json:"remarks,omitempty"`
}

// Role is a role a party plays.
type Role struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Party is a person or organisation.
type Party struct {
	UUID string `json:"uuid"`
	Type string `json:"type"` // "person" or "organization"
	Name string `json:"name,omitempty"`
}

// RespPt says which parties hold a role.
type RespPt struct {
	RoleID     string   `json:"role-id"`
	PartyUUIDs []string `json:"party-uuids"`
}

// Group is a group of controls in a catalog.
type Group struct {
	ID       string    `json:"id,omitempty"`
	Class    string    `json:"class,omitempty"`
	Title    string    `json:"title"`
	Props    []Prop    `json:"props,omitempty"`
	Links    []Link    `json:"links,omitempty"`
	Parts    []Part    `json:"parts,omitempty"`
	Groups   []Group   `json:"groups,omitempty"`
	Controls []Control `json:"controls,omitempty"`
}

// Control is a control of a catalog, possibly with sub-controls (the
// OSPS Baseline's assessment requirements are sub-controls of its
// controls).
type Control struct {
	ID       string    `json:"id"`
	Class    string    `json:"class,omitempty"`
	Title    string    `json:"title"`
	Props    []Prop    `json:"props,omitempty"`
	Links    []Link    `json:"links,omitempty"`
	Parts    []Part    `json:"parts,omitempty"`
	Controls []Control `json:"controls,omitempty"`
}

// Part is a piece of a control's text: its statement, guidance, objective.
type Part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Class string `json:"class,omitempty"`
	Title string `json:"title,omitempty"`
	Props []Prop `json:"props,omitempty"`
	Prose string `json:"prose,omitempty"`
	Parts []Part `json:"parts,omitempty"`
	Links []Link `json:"links,omitempty"`
}

// Prop is a name-value property.
type Prop struct {
	Name    string `json:"name"`
	NS      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Class   string `json:"class,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// Link points at a resource or another document.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel,omitempty"`
	MediaType string `json:"media-type,omitempty"`
	Text      string `json:"text,omitempty"`
}

// BackMatter holds resources a document refers to.
type BackMatter struct {
	Resources []Resource `json:"resources,omitempty"`
}

// Resource is a document or thing referred to from elsewhere.
type Resource struct {
	UUID        string    `json:"uuid"`
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	Props       []Prop    `json:"props,omitempty"`
	Citation    *Citation `json:"citation,omitempty"`
	RLinks      []RLink   `json:"rlinks,omitempty"`
	Remarks     string    `json:"remarks,omitempty"`
}

// Citation is a bibliographic citation.
type Citation struct {
	Text string `json:"text"`
}

// RLink is where a resource can be found.
type RLink struct {
	Href      string `json:"href"`
	MediaType string `json:"media-type,omitempty"`
}

// ResultsDocument is an OSCAL assessment-results file.
type ResultsDocument struct {
	AssessmentResults *AssessmentResults `json:"assessment-results"`
}

// AssessmentResults is an OSCAL assessment-results document.
type AssessmentResults struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	ImportAP   ImportAP    `json:"import-ap"`
	Results    []Result    `json:"results"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// ImportAP names the assessment plan the results follow.
type ImportAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

// Result is the result of one assessment: here, of one standard.
type Result struct {
	UUID             string           `json:"uuid"`
	Title            string           `json:"title"`
	Description      string           `json:"description"`
	Start            string           `json:"start"`
	End              string           `json:"end,omitempty"`
	Props            []Prop           `json:"props,omitempty"`
	Links            []Link           `json:"links,omitempty"`
	ReviewedControls ReviewedControls `json:"reviewed-controls"`
	Observations     []Observation    `json:"observations,omitempty"`
	Findings         []Finding        `json:"findings,omitempty"`
	Remarks          string           `json:"remarks,omitempty"`
}

// ReviewedControls lists the controls an assessment covered.
type ReviewedControls struct {
	Description       string             `json:"description,omitempty"`
	Props             []Prop             `json:"props,omitempty"`
	ControlSelections []ControlSelection `json:"control-selections"`
	Remarks           string             `json:"remarks,omitempty"`
}

// ControlSelection selects controls by id.
type ControlSelection struct {
	Description     string          `json:"description,omitempty"`
	Props           []Prop          `json:"props,omitempty"`
	IncludeControls []SelectControl `json:"include-controls,omitempty"`
}

// SelectControl names one control.
type SelectControl struct {
	ControlID string `json:"control-id"`
}

// Observation is something the assessment observed: a check's result or
// an evaluator's judgement.
type Observation struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description"`
	Props            []Prop             `json:"props,omitempty"`
	Links            []Link             `json:"links,omitempty"`
	Methods          []string           `json:"methods"`
	Types            []string           `json:"types,omitempty"`
	Origins          []Origin           `json:"origins,omitempty"`
	Subjects         []SubjectReference `json:"subjects,omitempty"`
	RelevantEvidence []RelevantEvidence `json:"relevant-evidence,omitempty"`
	Collected        string             `json:"collected"`
	Remarks          string             `json:"remarks,omitempty"`
}

// Origin says who or what made an observation or finding.
type Origin struct {
	Actors []OriginActor `json:"actors"`
}

// OriginActor is one maker of an observation.
type OriginActor struct {
	Type      string `json:"type"` // "tool", "assessment-platform" or "party"
	ActorUUID string `json:"actor-uuid"`
}

// SubjectReference points at what was observed.
type SubjectReference struct {
	SubjectUUID string `json:"subject-uuid"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
}

// RelevantEvidence points at evidence of an observation.
type RelevantEvidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description"`
	Props       []Prop `json:"props,omitempty"`
}

// Finding is the assessment's conclusion about one control.
type Finding struct {
	UUID                string               `json:"uuid"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Props               []Prop               `json:"props,omitempty"`
	Target              FindingTarget        `json:"target"`
	RelatedObservations []RelatedObservation `json:"related-observations,omitempty"`
	Remarks             string               `json:"remarks,omitempty"`
}

// FindingTarget is the control a finding is about and its status.
type FindingTarget struct {
	Type        string          `json:"type"` // "objective-id"
	TargetID    string          `json:"target-id"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	Status      ObjectiveStatus `json:"status"`
}

// ObjectiveStatus is "satisfied" or "not-satisfied", with a reason.
type ObjectiveStatus struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"` // "pass", "fail" or "other"
	Remarks string `json:"remarks,omitempty"`
}

// RelatedObservation points at an observation by its UUID.
type RelatedObservation struct {
	ObservationUUID string `json:"observation-uuid"`
}
