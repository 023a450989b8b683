package server

import (
	"encoding/json"
	"net/http"

	"glassbox.dev"
	"glassbox.dev/attest"
	"glassbox.dev/notary"
)

// SignRequest asks the centre to sign and log one of its own statements
// (POST /api/v1/signing/attest): what a worker holding no keys sends for
// each statement its job makes.
type SignRequest struct {
	Subjects      []attest.Subject `json:"subjects"`
	PredicateType string           `json:"predicate_type"`
	Predicate     json.RawMessage  `json:"predicate"`
}

// MaxSignRequest bounds a signing request: a statement is a log leaf's
// envelope, itself bounded far below.
const MaxSignRequest = 4 << 20

// attestForWorker signs and logs a statement of the centre's, as the
// worker's job would have with the keys; the receipt is the answer. Only
// the centre's own predicate types are signed here: clients' statements
// go to POST /attestations, under the submission key, but for the SLSA
// Provenance of a rebuild, which the centre signs as its own evidence.
func (a *API) attestForWorker(w http.ResponseWriter, r *http.Request, _ string) error {
	var req SignRequest
	if err := decodeJSON(w, r, MaxSignRequest, &req); err != nil {
		return err
	}
	if !notary.StagePredicate(req.PredicateType) {
		return glassbox.Errorf(glassbox.EINVALID, "%q is not one of the centre's own statements; clients' statements go to POST /attestations", req.PredicateType)
	}
	if a.b.Notary == nil {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "this server holds no signing keys; send signing requests to one that does")
	}
	receipt, err := a.b.Notary.Attest(r.Context(), notary.Request{Subjects: req.Subjects, PredicateType: req.PredicateType, Predicate: req.Predicate})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, receipt)
	return nil
}
