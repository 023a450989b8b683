package attest_test

import (
	"testing"

	"glassbox.dev/attest"
	"glassbox.dev/tlog"
)

// Every leaf attest writes must be one the centre's log accepts, or a
// statement could be signed and then fail to be logged. (An external test,
// so that tlog may one day import attest without a cycle.)
func TestEveryLeafFitsInTheLog(t *testing.T) {
	if attest.MaxLeafSize > tlog.MaxLeafSize {
		t.Errorf("attest.MaxLeafSize %d is over what the log accepts (%d)", attest.MaxLeafSize, tlog.MaxLeafSize)
	}
}
