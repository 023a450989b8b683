package vuln

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkLoadGoDatabase reads the whole Go database zip into a Database.
func BenchmarkLoadGoDatabase(b *testing.B) {
	data, err := os.ReadFile(goZip)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		l := NewLoader()
		if err := l.AddZip("all.zip", bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
		l.Database()
	}
}

// BenchmarkMatch2000 matches 2,000 Go components (SampleGoComponents)
// against the whole database.
func BenchmarkMatch2000(b *testing.B) {
	db := loadZip(b, goZip)
	comps := SampleGoComponents(db, 2000)
	b.ResetTimer()
	for b.Loop() {
		db.Match(comps, MatchOptions{})
	}
}

func TestSampleGoComponents(t *testing.T) {
	db := loadZip(t, goZip)
	comps := SampleGoComponents(db, 2000)
	seen := map[string]bool{}
	for _, c := range comps {
		seen[c.Name+"@"+c.Version] = true
	}
	if len(comps) != 2000 || len(seen) != 2000 {
		t.Errorf("%d components, %d distinct", len(comps), len(seen))
	}
}
