#!/usr/bin/env bash
# Builds hello as its vendor ships it: dist/hello, from src/, reproducibly.
# No binary is committed; this script makes the "shipped" artefact.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/dist"
cd "$here/src"
CGO_ENABLED=0 go build -trimpath -o "$here/dist/hello" .
echo "$here/dist/hello"
