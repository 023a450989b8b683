package bench

import (
	"testing"
	"time"
)

// TestAPIMeasuresEveryContender runs the API benchmark at a toy size: every
// contender answers (each GET is 200 with the same body every time, the
// API's submission stores the release) and the report names them all.
// It asserts no timing.
func TestAPIMeasuresEveryContender(t *testing.T) {
	if testing.Short() {
		t.Skip("serves a centre with a log on loopback")
	}
	rep, err := API(t.Context(), APIOptions{Dir: t.TempDir(), TotalSize: 1 << 20, SmallFiles: 20, Runs: 1,
		Clients: 4, Duration: 100 * time.Millisecond, Reads: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Submit) != 2 || len(rep.Reads) != 4 || len(rep.Access) != 3 {
		t.Fatalf("report has %d submissions, %d read contenders, %d access contenders; want 2, 4, 3", len(rep.Submit), len(rep.Reads), len(rep.Access))
	}
	for _, r := range rep.Reads {
		if r.Requests == 0 || r.BodyBytes == 0 {
			t.Errorf("%s: %d requests of %d bytes", r.Name, r.Requests, r.BodyBytes)
		}
	}
	for _, r := range rep.Access {
		if r.Requests != 3 {
			t.Errorf("%s: %d reads, want 3", r.Name, r.Requests)
		}
	}
	if rep.Reads[0].BodyBytes != rep.Reads[1].BodyBytes || rep.Reads[2].BodyBytes != rep.Reads[3].BodyBytes {
		t.Errorf("FileServer serves bodies of another size than glassbox: %+v", rep.Reads)
	}
}
