package attest

import (
	"bytes"
	"encoding/json"
	"strings"

	"glassbox.dev"
)

// JSONLExt is the extension of the file that holds envelopes as the SLSA
// convention has it (NAME.intoto.jsonl): one DSSE envelope JSON per line.
// slsa-verifier (--attestation-path, --provenance-path) and cosign
// (verify-blob-attestation --signature) read it as it is.
const JSONLExt = ".intoto.jsonl"

// JSONL returns envelopes in the .intoto.jsonl form: each compacted onto
// one line, each line ending in a newline.
func JSONL(envelopes ...[]byte) ([]byte, error) {
	var b bytes.Buffer
	for i, e := range envelopes {
		if _, err := parseEnvelope(e); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "envelope %d: %w", i+1, err)
		}
		if err := json.Compact(&b, e); err != nil {
			return nil, glassbox.Errorf(glassbox.EINVALID, "envelope %d: %w", i+1, err)
		}
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// JSONLPath is where the .intoto.jsonl file of a receipt goes: beside it,
// named after the receipt without its ".receipt", ".receipt.json" or
// ".json" extension.
func JSONLPath(receiptPath string) string {
	for _, ext := range []string{".receipt.json", ".receipt", ".json"} {
		if base, ok := strings.CutSuffix(receiptPath, ext); ok && base != "" {
			return base + JSONLExt
		}
	}
	return receiptPath + JSONLExt
}
