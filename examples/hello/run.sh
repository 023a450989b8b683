#!/usr/bin/env bash
# glassbox's main job on the example release, on the embedded default (one
# data directory, SQLite, no server): build the vendor's artefact, submit the
# release, and describe what was stored.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GLASSBOX_DATA:-./glassbox-data}
bash examples/hello/build.sh >/dev/null
id=$(go run ./cmd/glassbox submit --data "$data" \
	--product hello --version 1.0.0 \
	--source examples/hello/src \
	--recipe examples/hello/glassbox-recipe.yaml \
	--artifact examples/hello/dist/hello \
	--sbom examples/hello/hello.cdx.json)
go run ./cmd/glassbox show --data "$data" "$id"
echo
echo "Stored in $data. Try:"
echo "  go run ./cmd/glassbox releases --data $data"
echo "  go run ./cmd/glassbox cat --data $data hello@1.0.0 main.go"
