package dossier

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/evaluate"
	"glassbox.dev/rebuild"
	"glassbox.dev/standard"
	"glassbox.dev/standard/oscal"
	"glassbox.dev/tlog"
)

// EvidenceFinder lists the evidence of a kind recorded about a release,
// oldest first.
type EvidenceFinder interface {
	FindEvidence(ctx context.Context, release glassbox.Digest, kind string) ([]glassbox.Digest, error)
}

// Sources are where the dossier reads the centre's evidence: the blob
// store, the index of evidence by release and kind, and the catalogs
// (for the controls' labels and titles and the mappings' checks).
type Sources struct {
	Blobs    glassbox.BlobStore
	Evidence EvidenceFinder
	Library  *standard.Library
}

// maxDocument bounds a document the dossier reads into memory to describe
// it (the assessment, a report, an SBOM); copies into the bundle stream.
const maxDocument = 64 << 20

// Gather builds the technical file of rel from the newest evaluation of the
// release and the documents it rests on. A release never evaluated is
// refused (ENOTFOUND): the file documents an evaluation, it does not make
// one. now is when the file is made.
func Gather(ctx context.Context, src Sources, rel *glassbox.Release, now time.Time) (*TechnicalFile, error) {
	g := &gatherer{src: src, rel: rel, refs: map[glassbox.Digest]*EvidenceRef{}}
	return g.gather(ctx, now)
}

type gatherer struct {
	src  Sources
	rel  *glassbox.Release
	tf   *TechnicalFile
	refs map[glassbox.Digest]*EvidenceRef // every document referred to, by digest
	// From the assessment-results: each observation's check and evidence,
	// each piece of evidence by kind.
	byKind map[string]*EvidenceRef
}

func (g *gatherer) gather(ctx context.Context, now time.Time) (*TechnicalFile, error) {
	rel, m := g.rel, &g.rel.Manifest
	rec, recDigest, err := g.newestEvaluation(ctx)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, glassbox.Errorf(glassbox.ENOTFOUND, "release %s (%s) was never evaluated: the technical file documents an evaluation; run 'glassbox evaluate %s' first", rel.ID, m.String(), rel.ID)
	}
	tf := &TechnicalFile{
		Type:        Type,
		GeneratedAt: now.UTC(),
		Generator:   "glassbox " + glassbox.Version(),
		Receipts:    []Receipt{},
		Evidence:    []*EvidenceRef{},
	}
	g.tf = tf
	tf.Release = Release{
		ID: rel.ID, Product: m.Product, Version: m.Version, SubmittedAt: rel.SubmittedAt.UTC(),
		Manifest: g.ref("release/manifest", rel.ID, "The release manifest in canonical JSON: every file of the release by digest; its digest is the release id."),
	}
	tf.Evaluation = Evaluation{
		At: rec.At.UTC(), Verdict: rec.Verdict, Standards: rec.Standards, Passed: rec.Passed, Policy: rec.Policy, Reasons: rec.Reasons,
		Record: g.ref(evaluate.KindEvaluation, recDigest, "The record of the newest evaluation: its verdict, checks, standards and signed verdicts."),
	}
	if rec.AssessmentResults == "" {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the evaluation record %s of release %s names no assessment results", recDigest, rel.ID)
	}
	tf.Evaluation.AssessmentResults = g.ref(evaluate.KindAssessmentResults, rec.AssessmentResults, "The OSCAL 1.0.6 assessment-results of the evaluation: every control's status, the observations and the evidence they rest on.")
	if rec.Report != "" {
		tf.Evaluation.Report = g.ref(evaluate.KindReport, rec.Report, "The evaluation's HTML report.")
	}
	ar, err := g.assessment(ctx, rec.AssessmentResults)
	if err != nil {
		return nil, err
	}
	ics, icsRef, err := g.ics(ctx)
	if err != nil {
		return nil, err
	}
	standards := g.standards(ar)

	s := &tf.Sections
	g.general(&s.General, ics, icsRef)
	if err := g.design(ctx, &s.Design, standards); err != nil {
		return nil, err
	}
	s.Risk = Risk{Point: Point{"3", "Cybersecurity risk assessment"}, Requirements: []Requirement{}}
	if cra := findStandard(standards, standard.CRA); cra != nil {
		s.Risk.Assessed = true
		for _, r := range cra.Requirements {
			if !strings.HasPrefix(r.ID, "II.") {
				s.Risk.Requirements = append(s.Risk.Requirements, r)
			}
		}
	}
	s.Support = Support{Point: Point{"4", "Support period"}}
	if ics != nil {
		s.Support.SupportUntil, s.Support.SecurityContact, s.Support.ICS = ics.Product.SupportUntil, ics.Product.SecurityContact, icsRef
	}
	s.Standards = StandardsApplied{Point: Point{"5", "Harmonised standards and common specifications applied"}, Standards: standards}
	s.Standards.Provisions = g.provisions(standards, ics, icsRef)
	g.tests(ar, rec)
	g.declaration(&s.Declaration, ics, standards)
	if err := g.bill(ctx, &s.Bill); err != nil {
		return nil, err
	}
	if err := g.receipts(ctx, rec); err != nil {
		return nil, err
	}
	g.sanitise(ctx)
	return tf, nil
}

// newestEvaluation returns the newest evaluation record of the release and
// its digest, or nil when there is none. As evaluate.History orders them:
// by time, and of records made at the same instant the last recorded.
func (g *gatherer) newestEvaluation(ctx context.Context) (*evaluate.Record, glassbox.Digest, error) {
	ds, err := g.src.Evidence.FindEvidence(ctx, g.rel.ID, evaluate.KindEvaluation)
	if err != nil {
		return nil, "", err
	}
	var best *evaluate.Record
	var bestDigest glassbox.Digest
	for _, d := range ds {
		b, err := g.read(ctx, d, 4<<20)
		if err != nil {
			return nil, "", err
		}
		var rec evaluate.Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, "", glassbox.Errorf(glassbox.ECORRUPT, "the evaluation record %s of release %s is not a record: %v", d, g.rel.ID, err)
		}
		if best == nil || !rec.At.Before(best.At) {
			best, bestDigest = &rec, d
		}
	}
	return best, bestDigest, nil
}

// read reads a whole stored document of at most limit bytes.
func (g *gatherer) read(ctx context.Context, d glassbox.Digest, limit int64) ([]byte, error) {
	rc, err := g.src.Blobs.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, glassbox.Errorf(glassbox.EINVALID, "evidence %s is larger than the %d bytes the technical file reads", d, limit)
	}
	return b, nil
}

// ref records that the file refers to the document d and returns its one
// reference; the first description given stays.
func (g *gatherer) ref(kind string, d glassbox.Digest, description string) *EvidenceRef {
	if d == "" {
		return nil
	}
	if r, ok := g.refs[d]; ok {
		return r
	}
	r := &EvidenceRef{Kind: kind, Digest: d, Description: description}
	g.refs[d] = r
	g.tf.Evidence = append(g.tf.Evidence, r)
	return r
}

// evidenceHref reads the digest out of "glassbox:evidence/sha256:…".
func evidenceHref(href string) (glassbox.Digest, bool) {
	s, ok := strings.CutPrefix(href, "glassbox:evidence/")
	if !ok {
		return "", false
	}
	d, err := glassbox.ParseDigest(s)
	return d, err == nil
}

func prop(ps []oscal.Prop, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// assessmentView is the OSCAL assessment-results as the file reads it.
type assessmentView struct {
	doc *oscal.AssessmentResults
	// checks are the automated checks' observations: status, summary and
	// evidence, by check id, in the order the results list them.
	checks    map[string]*Check
	checkList []string
}

func (g *gatherer) assessment(ctx context.Context, d glassbox.Digest) (*assessmentView, error) {
	b, err := g.read(ctx, d, maxDocument)
	if err != nil {
		return nil, err
	}
	var doc oscal.ResultsDocument
	if err := json.Unmarshal(b, &doc); err != nil || doc.AssessmentResults == nil {
		return nil, glassbox.Errorf(glassbox.ECORRUPT, "the assessment results %s of release %s are not an OSCAL assessment-results document", d, g.rel.ID)
	}
	ar := &assessmentView{doc: doc.AssessmentResults, checks: map[string]*Check{}}
	g.byKind = map[string]*EvidenceRef{}
	// The back matter lists each piece of evidence once, with its kind
	// and description.
	if bm := ar.doc.BackMatter; bm != nil {
		for _, r := range bm.Resources {
			kind := prop(r.Props, "evidence-kind")
			if kind == "" {
				continue
			}
			for _, l := range r.RLinks {
				if ed, ok := evidenceHref(l.Href); ok {
					ref := g.ref(kind, ed, r.Description)
					if _, seen := g.byKind[kind]; !seen {
						g.byKind[kind] = ref
					}
				}
			}
		}
	}
	for _, res := range ar.doc.Results {
		for _, o := range res.Observations {
			id := prop(o.Props, "check")
			if id == "" || ar.checks[id] != nil {
				continue
			}
			c := &Check{ID: id, Status: prop(o.Props, "check-status"), Summary: checkSummary(o.Description, id)}
			for _, e := range o.RelevantEvidence {
				if ed, ok := evidenceHref(e.Href); ok {
					c.Evidence = append(c.Evidence, g.ref(prop(e.Props, "evidence-kind"), ed, e.Description))
				}
			}
			ar.checks[id] = c
			ar.checkList = append(ar.checkList, id)
		}
	}
	return ar, nil
}

// checkSummary takes the summary out of an observation's description,
// "CHECK: STATUS. SUMMARY".
func checkSummary(desc, id string) string {
	if _, rest, ok := strings.Cut(desc, ". "); ok && strings.HasPrefix(desc, id+":") {
		return rest
	}
	return desc
}

// standards reads each standard's result and every control's status from
// the assessment-results, in the catalog's order.
func (g *gatherer) standards(ar *assessmentView) []StandardResult {
	out := []StandardResult{}
	lib := g.src.Library
	for _, res := range ar.doc.Results {
		sr := StandardResult{
			ID: prop(res.Props, "standard"), Title: res.Title, Catalog: prop(res.Props, "catalog"), Version: prop(res.Props, "catalog-version"),
			Verdict: standard.Verdict(prop(res.Props, "verdict")), Requirements: []Requirement{},
		}
		sr.Satisfied, _ = strconv.Atoi(prop(res.Props, "satisfied"))
		sr.NotSatisfied, _ = strconv.Atoi(prop(res.Props, "not-satisfied"))
		sr.NotAssessed, _ = strconv.Atoi(prop(res.Props, "not-assessed"))
		var cat *standard.Catalog
		var mapping *standard.Mapping
		if lib != nil {
			if c, ok := lib.Catalog(sr.Catalog); ok && c.Version == sr.Version {
				cat, mapping = c, lib.Mapping(sr.Catalog)
			}
		}
		findings := map[string]*oscal.Finding{}
		for i := range res.Findings {
			findings[res.Findings[i].Target.TargetID] = &res.Findings[i]
		}
		notAssessed := map[string]string{}
		for _, p := range res.Props {
			if p.Name == "not-assessed-control" {
				notAssessed[p.Value] = p.Remarks
			}
		}
		checkOf := map[string]string{} // observation UUID → check id
		for _, o := range res.Observations {
			if id := prop(o.Props, "check"); id != "" {
				checkOf[o.UUID] = id
			}
		}
		for _, sel := range res.ReviewedControls.ControlSelections {
			for _, ic := range sel.IncludeControls {
				r := Requirement{ID: ic.ControlID, Label: ic.ControlID}
				if cat != nil {
					if c, ok := catalogControl(cat, ic.ControlID); ok {
						r.Label, r.Title = c.Label, c.Title
					}
				}
				if f := findings[ic.ControlID]; f != nil {
					r.Status, r.Reason, r.Coverage = f.Target.Status.State, f.Description, prop(f.Props, "coverage")
					if r.Title == "" {
						r.Title = f.Target.Title
					}
					for _, ro := range f.RelatedObservations {
						if id, ok := checkOf[ro.ObservationUUID]; ok {
							r.Checks = append(r.Checks, id)
						}
					}
				} else {
					r.Status, r.Reason = string(glassbox.ControlNotAssessed), notAssessed[ic.ControlID]
					// A control not assessed names no observations in the
					// results; the mapping says which checks bear on it.
					if mapping != nil {
						for _, cm := range mapping.Controls {
							if cm.Control == ic.ControlID || (cat != nil && cm.Control == r.Label) {
								r.Coverage = string(cm.Coverage)
								for _, ch := range cm.Checks {
									if ar.checks[ch.Check] != nil {
										r.Checks = append(r.Checks, ch.Check)
									}
								}
							}
						}
					}
				}
				if r.Reason == "" {
					r.Reason = NotProvided
				}
				seen := map[glassbox.Digest]bool{}
				for _, id := range r.Checks {
					for _, e := range ar.checks[id].Evidence {
						if !seen[e.Digest] {
							seen[e.Digest] = true
							r.Evidence = append(r.Evidence, e)
						}
					}
				}
				sr.Requirements = append(sr.Requirements, r)
			}
		}
		sr.Controls = len(sr.Requirements)
		out = append(out, sr)
	}
	return out
}

// catalogControl finds a control of a catalog by its id.
func catalogControl(c *standard.Catalog, id string) (*standard.Control, bool) {
	for _, ctl := range c.Controls {
		if ctl.ID == id {
			return ctl, true
		}
	}
	return nil, false
}

func findStandard(ss []StandardResult, id string) *StandardResult {
	for i := range ss {
		if ss[i].ID == id || ss[i].Catalog == id {
			return &ss[i]
		}
	}
	return nil
}

// ics returns the vendor's ICS: the one the evaluation names as evidence
// if it does, else the newest recorded; nil when there is none.
func (g *gatherer) ics(ctx context.Context) (*standard.ICS, *EvidenceRef, error) {
	var d glassbox.Digest
	if r := g.byKind[standard.KindICS]; r != nil {
		d = r.Digest
	} else {
		ds, err := g.src.Evidence.FindEvidence(ctx, g.rel.ID, standard.KindICS)
		if err != nil {
			return nil, nil, err
		}
		if len(ds) == 0 {
			return nil, nil, nil
		}
		d = ds[len(ds)-1]
	}
	b, err := g.read(ctx, d, standard.MaxICSSize)
	if err != nil {
		return nil, nil, err
	}
	var ics standard.ICS
	if err := json.Unmarshal(b, &ics); err != nil {
		return nil, nil, glassbox.Errorf(glassbox.ECORRUPT, "the ICS %s of release %s is not an ICS: %v", d, g.rel.ID, err)
	}
	return &ics, g.ref(standard.KindICS, d, "The vendor's implementation conformance statement (ICS): the product, its manufacturer, its support period and the vendor's answer to each provision."), nil
}

func (g *gatherer) general(s *General, ics *standard.ICS, icsRef *EvidenceRef) {
	m := &g.rel.Manifest
	*s = General{Point: Point{"1", "General description of the product"}, Product: m.Product, Version: m.Version, Artifacts: []Artifact{}}
	if ics != nil {
		p := &ics.Product
		s.Model, s.Description, s.IntendedPurpose, s.ICS = p.Model, p.Description, p.IntendedUse, icsRef
		if p.Manufacturer.Name != "" || p.Manufacturer.Address != "" {
			s.Manufacturer = &Manufacturer{Name: p.Manufacturer.Name, Address: p.Manufacturer.Address, Contact: p.Manufacturer.Contact}
		}
		if p.Name != "" && p.Name != m.Product {
			s.Product = p.Name
		}
	}
	for _, f := range []struct {
		name  string
		empty bool
	}{{"description", s.Description == ""}, {"intended_purpose", s.IntendedPurpose == ""}, {"manufacturer", s.Manufacturer == nil}} {
		if f.empty {
			s.Missing = append(s.Missing, f.name)
		}
	}
	for _, a := range m.Artifacts {
		s.Artifacts = append(s.Artifacts, Artifact{Path: a.Path, Digest: a.Digest, Size: a.Size})
	}
	src := Source{Kind: m.Source.Kind, Files: len(m.Source.Files), GitCommit: m.Source.Commit}
	for _, f := range m.Source.Files {
		src.Bytes += f.Size
	}
	if a := m.Source.Archive; a != nil {
		src.Archive = g.ref("release/archive", a.Digest, "The source archive "+a.Path+" exactly as submitted.")
	}
	if gitOrigin := m.Source.Git; gitOrigin != nil {
		src.GitRef, src.GitCommit = gitOrigin.Ref, gitOrigin.Commit
	}
	s.Source = src
}

func (g *gatherer) design(ctx context.Context, s *Design, standards []StandardResult) error {
	m := &g.rel.Manifest
	*s = Design{Point: Point{"2", "Design, development and production; vulnerability handling"}, VulnerabilityHandling: []Requirement{}}
	if m.Recipe != nil {
		s.Recipe = g.ref("release/recipe", m.Recipe.Digest, "The build recipe "+m.Recipe.Path+" the vendor submitted.")
	}
	if r := g.byKind[evaluate.KindRebuildReport]; r != nil {
		b, err := g.read(ctx, r.Digest, maxDocument)
		if err != nil {
			return err
		}
		var rep rebuild.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			return glassbox.Errorf(glassbox.ECORRUPT, "the rebuild report %s of release %s is not a rebuild report: %v", r.Digest, g.rel.ID, err)
		}
		rb := &Rebuild{Report: r, StartedOn: rep.StartedOn.UTC(), FinishedOn: rep.FinishedOn.UTC(), Failure: rep.Failure, Artifacts: []RebuildArtifact{}}
		if rep.Log != "" {
			rb.Log = g.ref("rebuild/log", rep.Log, "The sandboxed build's log.")
		}
		for _, a := range rep.Artifacts {
			ra := RebuildArtifact{Name: a.Name, Shipped: a.Shipped, Rebuilt: a.Rebuilt}
			switch a.Verdict {
			case rebuild.Equivalent:
				ra.Outcome = "identical"
			case rebuild.EquivalentAfter:
				ra.Outcome = "equivalent"
				var names []string
				for _, st := range a.Stabilisers {
					names = append(names, fmt.Sprint(st))
				}
				ra.Detail = "after the declared normalisations " + strings.Join(names, ", ")
			case rebuild.Different:
				ra.Outcome = "different"
				ra.Detail = strings.Join(a.Differences, "; ")
			default:
				ra.Outcome, ra.Detail = "not rebuilt", a.Reason
			}
			// A rebuilt artefact is not kept under its own digest when
			// it differs; only print digests the store resolves.
			if ra.Rebuilt != "" && ra.Rebuilt != ra.Shipped {
				if _, err := g.src.Blobs.Stat(ctx, ra.Rebuilt); err != nil {
					ra.Rebuilt = ""
				}
			}
			rb.Artifacts = append(rb.Artifacts, ra)
		}
		s.Rebuild = rb
	}
	s.SBOM = g.byKind[evaluate.KindSBOM]
	if cra := findStandard(standards, standard.CRA); cra != nil {
		for _, r := range cra.Requirements {
			if strings.HasPrefix(r.ID, "II.") {
				s.VulnerabilityHandling = append(s.VulnerabilityHandling, r)
			}
		}
	}
	return nil
}

// tests fills point 6 from the checks of the evaluation: the record's
// status and summary, the assessment's evidence.
func (g *gatherer) tests(ar *assessmentView, rec *evaluate.Record) {
	t := &g.tf.Sections.Tests
	*t = TestReports{Point: Point{"6", "Test reports"}, Checks: []Check{}, Documents: []*EvidenceRef{}}
	seen := map[string]bool{}
	add := func(c Check) {
		if !seen[c.ID] {
			seen[c.ID] = true
			t.Checks = append(t.Checks, c)
		}
	}
	for _, rc := range rec.Checks {
		c := Check{ID: rc.Check, Status: string(rc.Status), Summary: rc.Summary}
		if o := ar.checks[rc.Check]; o != nil {
			c.Evidence = o.Evidence
		}
		add(c)
	}
	for _, id := range ar.checkList {
		add(*ar.checks[id])
	}
	// The test reports proper: every document the checks rest on, except
	// the signed envelopes (listed with the verdict).
	docs := map[glassbox.Digest]bool{}
	for _, c := range t.Checks {
		if c.ID == glassbox.CheckArchiveMatchesSource {
			cc := c
			g.tf.Sections.Design.Provenance = &cc
		}
		for _, e := range c.Evidence {
			if !docs[e.Digest] && !strings.HasPrefix(e.Kind, "attestation/") {
				docs[e.Digest] = true
				t.Documents = append(t.Documents, e)
			}
		}
	}
}

func (g *gatherer) provisions(standards []StandardResult, ics *standard.ICS, icsRef *EvidenceRef) *ProvisionTable {
	en := findStandard(standards, standard.EN)
	icsForEN := ics != nil && (ics.Standard == "" || ics.Standard == standard.EN)
	if en == nil && !icsForEN {
		return nil
	}
	pt := &ProvisionTable{Assessed: en != nil, Provisions: []Provision{}}
	if icsForEN {
		pt.ICS = icsRef
	}
	var reqs []Requirement
	if en != nil {
		reqs = en.Requirements
	} else if g.src.Library != nil {
		if c, ok := g.src.Library.Catalog(standard.EN); ok {
			for _, ctl := range c.Controls {
				if ctl.Leaf && !ctl.Withdrawn {
					reqs = append(reqs, Requirement{ID: ctl.ID, Label: ctl.Label, Title: ctl.Title, Status: string(glassbox.ControlNotAssessed),
						Reason: "the evaluation did not assess EN 303 645"})
				}
			}
		}
	}
	for _, r := range reqs {
		p := Provision{Requirement: r}
		if icsForEN {
			if a, ok := ics.Provisions[r.Label]; ok {
				p.ICSSupport, p.ICSDetail = string(a.Support), a.Detail
			}
		}
		pt.Provisions = append(pt.Provisions, p)
	}
	return pt
}

func (g *gatherer) declaration(d *Declaration, ics *standard.ICS, standards []StandardResult) {
	gen := &g.tf.Sections.General
	*d = Declaration{
		Point: Point{"7", "EU declaration of conformity"}, Draft: true,
		Product: gen.Product, Version: gen.Version, Model: gen.Model,
		Responsibility: "This declaration of conformity is issued under the sole responsibility of the manufacturer.",
		Statement: fmt.Sprintf("The object of the declaration described above, %s version %s, is in conformity with Regulation (EU) 2024/2847 of the European Parliament and of the Council on horizontal cybersecurity requirements for products with digital elements (Cyber Resilience Act).",
			gen.Product, gen.Version),
		Standards: []string{},
	}
	if mf := gen.Manufacturer; mf != nil {
		d.ManufacturerName, d.ManufacturerAddress = mf.Name, mf.Address
	}
	for _, s := range standards {
		d.Standards = append(d.Standards, fmt.Sprintf("%s, version %s (%s)", s.Title, s.Version, s.ID))
	}
	if v := g.tf.Evaluation.Verdict; v != standard.Passed {
		d.Caveat = fmt.Sprintf("The newest evaluation's verdict is %s: the centre's evidence does not support this declaration as it stands (Annex A gives the reasons).", v)
	}
}

// sbomDoc is the part of a CycloneDX document the file lists.
type sbomDoc struct {
	Components []struct {
		Type    string `json:"type"`
		Name    string `json:"name"`
		Group   string `json:"group"`
		Version string `json:"version"`
		PURL    string `json:"purl"`
	} `json:"components"`
}

func (g *gatherer) bill(ctx context.Context, b *BillOfMaterials) error {
	*b = BillOfMaterials{Point: Point{"8", "Software bill of materials"}, Components: []Component{}}
	b.Derived = g.byKind[evaluate.KindSBOM]
	b.Comparison = g.byKind[evaluate.KindSBOMComparison]
	if s := g.rel.Manifest.SBOM; s != nil {
		b.Submitted = g.ref("release/sbom", s.Digest, "The SBOM "+s.Path+" the vendor submitted.")
	}
	if b.Derived == nil {
		return nil
	}
	raw, err := g.read(ctx, b.Derived.Digest, maxDocument)
	if err != nil {
		return err
	}
	var doc sbomDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return glassbox.Errorf(glassbox.ECORRUPT, "the SBOM %s of release %s is not CycloneDX JSON: %v", b.Derived.Digest, g.rel.ID, err)
	}
	for _, c := range doc.Components {
		name := c.Name
		if c.Group != "" {
			name = c.Group + "/" + c.Name
		}
		b.Components = append(b.Components, Component{Name: name, Version: c.Version, Type: c.Type, PURL: c.PURL})
	}
	slices.SortStableFunc(b.Components, func(x, y Component) int { return strings.Compare(x.Name, y.Name) })
	return nil
}

// receipts reads the receipt of each VSA the evaluation issued: the
// receipts recorded about the release, matched to the evaluation's
// envelopes.
func (g *gatherer) receipts(ctx context.Context, rec *evaluate.Record) error {
	if len(rec.VSAs) == 0 {
		return nil
	}
	ds, err := g.src.Evidence.FindEvidence(ctx, g.rel.ID, evaluate.KindVSAReceipt)
	if err != nil {
		return err
	}
	byEnvelope := map[glassbox.Digest]glassbox.Digest{}
	parsed := map[glassbox.Digest][]byte{}
	for _, d := range ds {
		b, err := g.read(ctx, d, tlog.MaxReceiptSize)
		if err != nil {
			return err
		}
		r, _, err := tlog.ParseReceipt(b)
		if err != nil {
			return glassbox.Errorf(glassbox.ECORRUPT, "the VSA receipt %s of release %s: %v", d, g.rel.ID, err)
		}
		byEnvelope[glassbox.DigestOf(r.Envelope)] = d
		parsed[d] = b
	}
	for _, v := range rec.VSAs {
		d, ok := byEnvelope[v.Envelope]
		if !ok {
			return glassbox.Errorf(glassbox.ECORRUPT, "the evaluation of release %s issued the VSA %s on %s, but no receipt of it is recorded", g.rel.ID, v.Envelope, v.Artifact)
		}
		r, p, _ := tlog.ParseReceipt(parsed[d])
		leaf := sha256.Sum256(append([]byte{0}, p.ExtraData...))
		rc := Receipt{
			Artifact: v.Artifact, ArtifactDigest: v.Digest, Verdict: rec.Verdict,
			Receipt:    g.ref(evaluate.KindVSAReceipt, d, "The receipt of the verdict on "+v.Artifact+": the signed VSA's DSSE envelope and the proof of its inclusion in the transparency log (glassbox verify reads it)."),
			Envelope:   g.ref("attestation/vsa", glassbox.DigestOf(r.Envelope), "The DSSE envelope of the SLSA Verification Summary Attestation on "+v.Artifact+", signed by the centre."),
			LogIndex:   p.Index,
			LeafHash:   hex.EncodeToString(leaf[:]),
			Checkpoint: string(p.Checkpoint),
		}
		rc.LogOrigin, rc.TreeSize, rc.RootHash = checkpointBody(p.Checkpoint)
		g.tf.Receipts = append(g.tf.Receipts, rc)
	}
	return nil
}

// checkpointBody reads the origin, tree size and root hash of a C2SP
// checkpoint's body. The signatures are glassbox verify's to check; the
// file only cites them.
func checkpointBody(cp []byte) (origin string, size uint64, root string) {
	lines := strings.SplitN(string(cp), "\n", 4)
	if len(lines) < 3 {
		return "", 0, ""
	}
	size, _ = strconv.ParseUint(lines[1], 10, 64)
	if _, err := base64.StdEncoding.DecodeString(lines[2]); err == nil {
		root = lines[2]
	}
	return lines[0], size, root
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }

var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// quoteDigests rewrites the digests in free text (a check's summary, an
// evidence description) that the evidence store does not hold, such as a
// vulnerability database's data digest: abbreviated and marked, so that
// every whole digest the document prints resolves with glassbox cat.
func quoteDigests(ctx context.Context, blobs glassbox.BlobStore, held map[glassbox.Digest]bool, s string) string {
	if !strings.Contains(s, "sha256:") {
		return s
	}
	return digestRE.ReplaceAllStringFunc(s, func(m string) string {
		d := glassbox.Digest(m)
		ok, known := held[d]
		if !known {
			_, err := blobs.Stat(ctx, d)
			ok = err == nil
			held[d] = ok
		}
		if ok {
			return m
		}
		return m[:len("sha256:")+12] + "… (not in the evidence store)"
	})
}

// sanitise applies quoteDigests to every free-text field of the file.
func (g *gatherer) sanitise(ctx context.Context) {
	held := map[glassbox.Digest]bool{}
	for d := range g.refs {
		held[d] = true
	}
	q := func(s *string) { *s = quoteDigests(ctx, g.src.Blobs, held, *s) }
	for _, r := range g.tf.Evidence {
		q(&r.Description)
	}
	for i := range g.tf.Evaluation.Reasons {
		q(&g.tf.Evaluation.Reasons[i])
	}
	s := &g.tf.Sections
	reqs := func(rs []Requirement) {
		for i := range rs {
			q(&rs[i].Reason)
		}
	}
	reqs(s.Design.VulnerabilityHandling)
	reqs(s.Risk.Requirements)
	for i := range s.Standards.Standards {
		reqs(s.Standards.Standards[i].Requirements)
	}
	if pt := s.Standards.Provisions; pt != nil {
		for i := range pt.Provisions {
			q(&pt.Provisions[i].Reason)
			q(&pt.Provisions[i].ICSDetail)
		}
	}
	for i := range s.Tests.Checks {
		q(&s.Tests.Checks[i].Summary)
	}
	if p := s.Design.Provenance; p != nil {
		q(&p.Summary)
	}
	if rb := s.Design.Rebuild; rb != nil {
		q(&rb.Failure)
		for i := range rb.Artifacts {
			q(&rb.Artifacts[i].Detail)
		}
	}
}
