package practice_test

import (
	"testing"

	"glassbox.dev/practice"
)

// BenchmarkPractices decides every repository check on each of the five
// real projects of testdata/repos (their source trees and histories held
// in an evidence store, as the centre holds them).
func BenchmarkPractices(b *testing.B) {
	repos, _ := loadRepos(b)
	for _, r := range repos {
		b.Run(r.Bundle, func(b *testing.B) {
			_, _, in := submitRepo(b, r)
			b.ResetTimer()
			for b.Loop() {
				if _, err := practice.Run(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
