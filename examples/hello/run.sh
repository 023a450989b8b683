#!/usr/bin/env bash
# glassbox's main job on the example release, on the embedded default (one
# data directory, SQLite, the transparency log in files; no server): build
# the vendor's artefact, submit the release, attest that the centre holds
# it, and verify the shipped binary offline against the receipt and a policy.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GLASSBOX_DATA:-./glassbox-data}
gb() { go run ./cmd/glassbox --data "$data" "$@"; }

bash examples/hello/build.sh >/dev/null
id=$(gb submit --product hello --version 1.0.0 \
	--source examples/hello/src \
	--recipe examples/hello/glassbox-recipe.yaml \
	--artifact examples/hello/dist/hello \
	--sbom examples/hello/hello.cdx.json)
gb show "$id"
echo

# The centre's keys, made once per data directory.
if [ ! -f "$data/keys/attestation.key" ]; then
	gb keys generate --origin glassbox.example/hello-demo/log >/dev/null
fi

# A signed, logged statement: this binary is the artefact of that release.
cat >"$data/submission.json" <<JSON
{"release": "$id", "product": "hello", "version": "1.0.0", "artifact": "hello"}
JSON
receipt=$(gb attest examples/hello/dist/hello \
	--predicate-type https://glassbox.dev/predicates/submission/v1 \
	--predicate "$data/submission.json")
echo "Receipt: $receipt"
echo

# What an operator runs before deploying, offline.
gb verify examples/hello/dist/hello --receipt "$receipt" \
	--key "$data/keys/attestation.pub" --log-key "$data/keys/log.vkey" \
	--policy examples/hello/policy.yaml
