package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/transparency-dev/formats/proof"

	"glassbox.dev"
)

// ReceiptMediaType identifies version 1 of the receipt format.
const ReceiptMediaType = "application/vnd.glassbox.receipt.v1+json"

// MaxReceiptSize bounds what ParseReceipt reads: an envelope, a leaf of at
// most 64 KiB, a proof of at most 64 hashes and a checkpoint.
const MaxReceiptSize = 8 << 20

// Receipt is what a submitter ships next to an artefact so that anyone can
// verify, offline, that the centre signed a statement about it and logged
// it. It is a JSON object:
//
//	{
//	  "mediaType": "application/vnd.glassbox.receipt.v1+json",
//	  "envelope":  "<base64 of the DSSE envelope, byte for byte as logged>",
//	  "tlogProof": "c2sp.org/tlog-proof@v1\nextra <base64 leaf>\nindex N\n<hashes>\n\n<checkpoint>"
//	}
//
// The tlog-proof is C2SP's format unchanged; its extra data is the log leaf,
// which names the envelope's digest.
type Receipt struct {
	MediaType string `json:"mediaType"`
	Envelope  []byte `json:"envelope"`
	TLogProof string `json:"tlogProof"`
}

// NewReceipt assembles the receipt of an envelope logged as leaf.
func NewReceipt(envelope, leaf []byte, inc *Inclusion) (*Receipt, error) {
	p := proof.TLogProof{Index: inc.Index, Checkpoint: inc.Checkpoint, ExtraData: leaf}
	for _, h := range inc.Proof {
		if len(h) != sha256.Size {
			return nil, glassbox.Errorf(glassbox.EINTERNAL, "tlog: a proof hash has %d bytes", len(h))
		}
		p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
	}
	return &Receipt{MediaType: ReceiptMediaType, Envelope: envelope, TLogProof: string(p.Marshal())}, nil
}

// Marshal returns the receipt as indented JSON, ready to be written to a file.
func (r *Receipt) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseReceipt reads a receipt and its tlog-proof strictly: unknown fields,
// a wrong media type, a missing envelope or leaf, or a malformed proof are
// errors that say which part is wrong.
func ParseReceipt(data []byte) (*Receipt, *proof.TLogProof, error) {
	if len(data) > MaxReceiptSize {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt is larger than %d bytes; it is not a glassbox receipt", MaxReceiptSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Receipt
	if err := dec.Decode(&r); err != nil {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt is not valid receipt JSON: %v", err)
	}
	if dec.More() {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt has data after its JSON object")
	}
	if r.MediaType != ReceiptMediaType {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt's mediaType is %q, not %q", r.MediaType, ReceiptMediaType)
	}
	if len(r.Envelope) == 0 {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt has no envelope")
	}
	var p proof.TLogProof
	if err := unmarshalProof(&p, []byte(r.TLogProof)); err != nil {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt's tlogProof is not a C2SP tlog-proof: %v", err)
	}
	if len(p.ExtraData) == 0 {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt's tlogProof carries no leaf in its extra data")
	}
	if len(p.ExtraData) > MaxLeafSize {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt's leaf is larger than %d bytes", MaxLeafSize)
	}
	if len(p.Hashes) > 64 {
		return nil, nil, glassbox.Errorf(glassbox.EINVALID, "the receipt's inclusion proof has %d hashes; no log of 2^64 entries needs more than 64", len(p.Hashes))
	}
	return &r, &p, nil
}

// unmarshalProof parses a tlog-proof, turning a panic in the parser (which
// reads hostile input) into an error.
func unmarshalProof(p *proof.TLogProof, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed proof (%v)", r)
		}
	}()
	return p.Unmarshal(data)
}
