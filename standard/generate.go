package standard

// The shipped catalogs are generated from the sources in catalogs/src:
// glassbox's summaries of the CRA and EN 303 645, and the OSPS Baseline's
// own YAML (a copy of github.com/ossf/security-baseline; SOURCE.txt says
// which commit). Regenerate after changing a source, and commit both.

//go:generate go run ./internal/catalogen -simple catalogs/src/cra-annex-i.yaml -out catalogs/cra-annex-i.json
//go:generate go run ./internal/catalogen -simple catalogs/src/en-303-645.yaml -out catalogs/en-303-645.json
//go:generate go run ./internal/catalogen -osps catalogs/src/osps-baseline -version 2026-07-07-b834f71 -modified 2026-07-07T00:00:00Z -out catalogs/osps-baseline.json
