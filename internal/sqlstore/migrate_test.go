package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedMigrationsCountUpFromOne(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.version != i+1 || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d is %s, version %d, %d bytes", i, m.name, m.version, len(m.sql))
		}
	}
}

func TestLoadMigrationsRefusesBadSets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"gap", []string{"0001_a.sql", "0003_c.sql"}},
		{"repeat", []string{"0001_a.sql", "0002_b.sql", "0002_b2.sql"}},
		{"not starting at 1", []string{"0002_b.sql"}},
		{"no number", []string{"init.sql"}},
		{"zero", []string{"0000_a.sql"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			if ms, err := loadMigrations(fsys); err == nil {
				t.Errorf("loadMigrations(%v) = %d migrations, no error; want an error", tc.files, len(ms))
			}
		})
	}
}

func TestNumberedPlaceholders(t *testing.T) {
	s := &Store{d: Dialect{NumberedParams: true}}
	got := s.q(`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`)
	if want := `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`; got != want {
		t.Errorf("q = %q; want %q", got, want)
	}
	s.d.NumberedParams = false
	if got := s.q(`b = ?`); got != `b = ?` {
		t.Errorf("q without numbered parameters = %q; want it unchanged", got)
	}
}

func TestEscapeLike(t *testing.T) {
	if got, want := escapeLike(`a%b_c\d`), `a\%b\_c\\d`; got != want {
		t.Errorf("escapeLike = %q; want %q", got, want)
	}
}
