#!/usr/bin/env bash
# Builds hello as its vendor ships it: dist/hello, from src/, reproducibly,
# and the SBOM the vendor submits with it (dist/hello.cdx.json, CycloneDX
# 1.6: the one component is the Go standard library of the toolchain that
# built it). No binary is committed; this script makes the "shipped" files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/dist"
cd "$here/src"
CGO_ENABLED=0 go build -trimpath -o "$here/dist/hello" .
go_version=$(go env GOVERSION)
v="v${go_version#go}"
cat >"$here/dist/hello.cdx.json" <<JSON
{
  "\$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": {
    "component": {
      "type": "application",
      "bom-ref": "pkg:golang/example.org/hello@v1.0.0",
      "name": "example.org/hello",
      "version": "v1.0.0",
      "purl": "pkg:golang/example.org/hello@v1.0.0"
    }
  },
  "components": [
    {
      "type": "library",
      "bom-ref": "pkg:golang/stdlib@$v",
      "name": "stdlib",
      "version": "$v",
      "purl": "pkg:golang/stdlib@$v"
    }
  ],
  "dependencies": [
    {"ref": "pkg:golang/example.org/hello@v1.0.0", "dependsOn": ["pkg:golang/stdlib@$v"]}
  ]
}
JSON
echo "$here/dist/hello"
