package dossier_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"glassbox.dev/dossier"
)

// BenchmarkDossier gathers the example release's technical file from the
// store and renders its HTML and JSON; the PDF, which starts Chromium, is
// measured on its own.
func BenchmarkDossier(b *testing.B) {
	f := evaluated(b)
	src, rel, _ := f.open(b)
	ctx := context.Background()
	b.Run("gather+html+json", func(b *testing.B) {
		for b.Loop() {
			tf, err := dossier.Gather(ctx, src, rel, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := dossier.HTML(tf); err != nil {
				b.Fatal(err)
			}
			if _, err := dossier.JSON(tf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		chromium, err := dossier.FindChromium()
		if err != nil {
			b.Skip(err)
		}
		tf, err := dossier.Gather(ctx, src, rel, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		if _, err := dossier.Write(ctx, src, tf, filepath.Join(dir, "out"), dossier.WriteOptions{NoPDF: true}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := dossier.PDF(ctx, chromium, filepath.Join(dir, "out", dossier.HTMLFile), dossier.FooterOf(tf)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
