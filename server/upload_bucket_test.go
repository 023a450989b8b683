package server

import "testing"

// The upload is what its chunks hold from the start without a gap: a
// short chunk and a whole one taken at the same offset (a PATCH resent
// through another server) both count, the longer decides; past a gap
// nothing does.
func TestUploadSizeFromChunks(t *testing.T) {
	for _, tc := range []struct {
		chunks []chunk
		want   int64
	}{
		{nil, 0},
		{[]chunk{{off: 0, size: 100}, {off: 100, size: 200}}, 300},
		{[]chunk{{off: 0, size: 100}, {off: 100, size: 50}, {off: 100, size: 200}}, 300},
		{[]chunk{{off: 0, size: 100}, {off: 100, size: 200}, {off: 100, size: 50}}, 300},
		{[]chunk{{off: 0, size: 100}, {off: 150, size: 50}}, 100},
		{[]chunk{{off: 10, size: 100}}, 0},
	} {
		if got := uploadedSize(tc.chunks); got != tc.want {
			t.Errorf("uploadedSize(%v) = %d; want %d", tc.chunks, got, tc.want)
		}
	}
}
