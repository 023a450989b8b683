// Package access is the centre's record of who read confidential content:
// every read of a vendor's source, archives, diffs, findings, SBOMs,
// reports or artefacts is first signed as an in-toto access statement and
// logged in the transparency log, and only then served.
//
// A statement's only subject is the release, so the public log leaf names
// the release and the predicate type and nothing else: not the reader, not
// a path, not the content. The envelope, which says who read which paths,
// is kept as evidence and handed only to the release's vendor (and the
// centre's administrators and auditors), who verify each read offline with
// the same proofs as a verdict (package verify).
package access

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"glassbox.dev"
)

// PredicateType is the predicate type of an access statement. It is a
// glassbox predicate (notary.CentrePredicate), so a client can never log
// one: only the centre records reads.
const PredicateType = glassbox.PredicateAccess

// Kind is what sort of confidential content a read served.
type Kind string

const (
	KindSourceFile Kind = "source-file" // one or more files of the source tree
	KindArchive    Kind = "archive"     // the source, or part of it, as one download
	KindDiff       Kind = "diff"        // a source diff between releases, or a rebuild's diff
	KindFinding    Kind = "finding"     // an analyser's finding with its snippet
	KindSBOM       Kind = "sbom"        // the release's components
	KindReport     Kind = "report"      // an evaluation's report or assessment
	KindArtifact   Kind = "artifact"    // a shipped or rebuilt artefact
	KindRelease    Kind = "release"     // the release's manifest: its file list
	KindSearch     Kind = "search"      // the lines of source files that matched a search
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{KindSourceFile, KindArchive, KindDiff, KindFinding, KindSBOM, KindReport, KindArtifact, KindRelease, KindSearch}

// Basis is why the reader was allowed to read.
type Basis string

const (
	BasisGrant   Basis = "grant"   // an evaluator under a vendor's grant for the product
	BasisOwner   Basis = "owner"   // a member of the vendor that owns the product
	BasisAuditor Basis = "auditor" // the centre's auditor, who reads everything
	BasisAdmin   Basis = "admin"   // the centre's administrator
)

// Reader is who read: never a secret, only public handles.
type Reader struct {
	Org     string `json:"org"`     // the organisation's ID
	OrgName string `json:"orgName"` // its name, as it was at the time of the read
	User    string `json:"user"`    // the user's ID
	Token   string `json:"token"`   // the API token's ID ("tok_…"), never the token
}

// Path is one piece of content served: where it is in the release and the
// SHA-256 of the bytes served (a file's content, a diff's text, a
// finding's snippet, an archive's bytes).
type Path struct {
	Path   string          `json:"path"`
	Digest glassbox.Digest `json:"digest"`
}

// Predicate is what an access statement says. As JSON:
//
//	{
//	  "id":      "<32 hex digits: random, so that two reads alike in all else are two statements>",
//	  "reader":  {"org": "lab-a", "orgName": "Lab A", "user": "alice", "token": "tok_…"},
//	  "basis":   "grant" | "owner" | "auditor" | "admin",
//	  "grant":   "<grant ID when basis is grant, else \"\">",
//	  "kind":    "source-file" | "archive" | "diff" | "finding" | "sbom" | "report" | "artifact" | "release" | "search",
//	  "release": "sha256:<the release ID, also the statement's one subject>",
//	  "product": "router-fw",
//	  "version": "1.4.2",
//	  "paths":   [{"path": "src/net/tcp.c", "digest": "sha256:<of the bytes served>"}, …],
//	  "timeRead": "2026-12-06T03:10:00.123456789Z"
//	}
//
// Paths are in clear, not committed (salted hashes), on purpose: the log
// leaf never holds the predicate, only the envelope's digest, which covers
// an Ed25519 signature only the centre can make, so it confirms no guess
// of a path; the envelope itself is served only to those who may see the
// release's paths anyway, and the vendor needs them in clear to read its
// record. A commitment would add a second document to keep, serve and
// protect exactly as the envelope is, for no reader it hides anything from.
type Predicate struct {
	ID       string          `json:"id"`
	Reader   Reader          `json:"reader"`
	Basis    Basis           `json:"basis"`
	Grant    string          `json:"grant"`
	Kind     Kind            `json:"kind"`
	Release  glassbox.Digest `json:"release"`
	Product  string          `json:"product"`
	Version  string          `json:"version"`
	Paths    []Path          `json:"paths"`
	TimeRead time.Time       `json:"timeRead"`
}

// basisOfRole is the one basis each role reads on: an evaluator only
// under a grant, a vendor's member only its own products (party.Authorize
// decides; the record says what it decided).
var basisOfRole = map[glassbox.Role]Basis{
	glassbox.RoleEvaluator: BasisGrant,
	glassbox.RoleVendor:    BasisOwner,
	glassbox.RoleAuditor:   BasisAuditor,
	glassbox.RoleAdmin:     BasisAdmin,
}

// Read is a read about to be served, as the caller (the HTTP API) decided
// it: who, under which basis, what.
type Read struct {
	Principal *glassbox.Principal
	// Basis may be left empty: it follows from the principal's role. One
	// that does not fit the role is refused.
	Basis   Basis
	Grant   string // the ID of the grant an evaluator reads under (party.Authorize returns it); "" otherwise
	Kind    Kind
	Release *glassbox.Release
	Paths   []Path // at least one, except for KindRelease
}

// PathsOf lists files of a release (source files, artefacts) as the paths
// of a read that serves them whole.
func PathsOf(files []glassbox.File) []Path {
	out := make([]Path, len(files))
	for i, f := range files {
		out[i] = Path{Path: f.Path, Digest: f.Digest}
	}
	return out
}

// predicate checks the read and returns what its statement will say,
// without ID and time.
func (r *Read) predicate() (*Predicate, error) {
	bad := func(format string, args ...any) error {
		return glassbox.Errorf(glassbox.EINVALID, "refusing to record the read (and so to serve it): "+format, args...)
	}
	switch {
	case r.Principal == nil || r.Principal.Org.ID == "" || r.Principal.User.ID == "":
		return nil, bad("it names no reader; an access statement says which organisation and user read")
	case r.Release == nil || r.Release.ID.Validate() != nil:
		return nil, bad("it names no release")
	case !slices.Contains(Kinds, r.Kind):
		return nil, bad("kind %q is not one of %v", r.Kind, Kinds)
	case len(r.Paths) == 0 && r.Kind != KindRelease:
		return nil, bad("a %s read must name the paths it serves", r.Kind)
	}
	u := &r.Principal.User
	basis, ok := basisOfRole[u.Role]
	switch {
	case !ok:
		return nil, bad("user %s has role %q; evaluators, vendors' members, auditors and administrators read, no one else", u.ID, u.Role)
	case r.Basis != "" && r.Basis != basis:
		return nil, bad("user %s is %s and reads on basis %q, not %q", u.ID, u.Role, basis, r.Basis)
	case basis == BasisGrant && r.Grant == "":
		return nil, bad("evaluator %s reads only under a grant, and no grant ID is given", u.ID)
	case basis != BasisGrant && r.Grant != "":
		return nil, bad("user %s is %s, yet grant %q is given; only an evaluator reads under a grant", u.ID, u.Role, r.Grant)
	}
	for i, p := range r.Paths {
		if p.Path == "" || !utf8.ValidString(p.Path) {
			return nil, bad("path %d is empty or not UTF-8", i+1)
		}
		if err := p.Digest.Validate(); err != nil {
			return nil, bad("path %d (%q): %v", i+1, p.Path, err)
		}
	}
	paths := slices.Clone(r.Paths)
	if paths == nil {
		paths = []Path{}
	}
	return &Predicate{
		Reader: Reader{Org: r.Principal.Org.ID, OrgName: r.Principal.Org.Name, User: r.Principal.User.ID, Token: r.Principal.Token},
		Basis:  basis, Grant: r.Grant, Kind: r.Kind,
		Release: r.Release.ID, Product: r.Release.Manifest.Product, Version: r.Release.Manifest.Version,
		Paths: paths,
	}, nil
}

// parsePredicate reads an access predicate strictly: a field the centre
// does not write is something a reader of the record would not be shown.
func parsePredicate(raw json.RawMessage) (*Predicate, error) {
	var p Predicate
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not an access predicate: %v", err)
	}
	return &p, nil
}
