package verify

import (
	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

func parseCheckpointForTest(raw []byte, v note.Verifier) (*log.Checkpoint, []byte, *note.Note, error) {
	return log.ParseCheckpoint(raw, v.Name(), v)
}
