package postgres

import (
	"strings"
	"testing"
)

func TestRedactLeavesNoPassword(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://alice:s3cret@db.example:5432/glassbox?sslmode=require", "postgres://alice:xxxxx@db.example:5432/glassbox?sslmode=require"},
		{"postgresql://db.example/glassbox?user=alice&password=s3cret", "postgresql://db.example/glassbox?user=alice&password=xxxxx"},
		{"host=db.example user=alice password=s3cret dbname=glassbox", "host=db.example user=alice password=xxxxx dbname=glassbox"},
		{"host=db.example password = 's3cret' dbname=glassbox", "host=db.example password = xxxxx dbname=glassbox"},
		{"mysql://alice:s3cret@db.example:bad port/x", "mysql://alice:xxxxx@db.example:bad port/x"},
		{"postgres://alice@db.example/glassbox", "postgres://alice@db.example/glassbox"},
	} {
		got := Redact(tc.in)
		if got != tc.want || strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
