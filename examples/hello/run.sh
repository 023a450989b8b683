#!/usr/bin/env bash
# glassbox's main job on the example release, on the embedded default (one
# data directory, SQLite, the transparency log in files; no server): the
# vendor builds and submits hello; the centre evaluates it end to end
# (rebuild in a sandbox, analysers, running it in the sandbox and probing
# what it listens on, SBOM, known vulnerabilities, the CRA's
# Annex I with an evaluator's judgements) and signs a verdict per binary; an
# operator verifies the shipped binary offline against that verdict.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GLASSBOX_DATA:-./glassbox-data}

# The rebuild and the run stage run in a bubblewrap sandbox; the run stage
# records what the program does with strace.
if ! command -v bwrap >/dev/null || ! command -v strace >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap strace >/dev/null
	else
		echo "run.sh: the sandbox needs bubblewrap and the run stage strace: sudo apt-get install bubblewrap strace" >&2
		exit 2
	fi
fi
go build -o "$data/bin/glassbox" ./cmd/glassbox
gb() { "$data/bin/glassbox" --data "$data" "$@"; }

# The vendor: build the artefact and its SBOM, submit the release.
bash examples/hello/build.sh >/dev/null
id=$(gb submit --product hello --version 1.0.0 \
	--source examples/hello/src \
	--recipe examples/hello/glassbox-recipe.yaml \
	--artifact examples/hello/dist/hello \
	--sbom examples/hello/dist/hello.cdx.json)
echo "== submitted release $id"

# The centre: keys (made once per data directory) and the vulnerability
# database (the whole Go database as OSV publishes it, imported offline).
if [ ! -f "$data/keys/attestation.key" ]; then
	gb keys generate --origin glassbox.example/hello-demo/log >/dev/null
fi
osv=${GLASSBOX_OSV:-}
if [ -z "$osv" ]; then
	for f in ../shared/data/osv/Go/all.zip /work/shared/data/osv/Go/all.zip; do
		if [ -f "$f" ]; then osv=$f; break; fi
	done
fi
if [ -z "$osv" ]; then
	# No OSV export at hand: the Go vulnerability database's own OSV
	# records, fetched as a module through the Go module proxy.
	dir=$(go mod download -json golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	osv=$dir/data/osv
fi
gb vulndb import "$osv" >/dev/null
echo "== vulnerability database: $(gb vulndb status | head -1)"

# The vendor's implementation conformance statement against EN 303 645:
# what the product is for and how each provision is met (evidence the
# evaluator checks, and the technical file's product description).
gb ics submit "$id" examples/hello/ics.yaml >/dev/null

# The evaluator's judgements on the controls that need a human.
gb judge "$id" --from examples/hello/evaluation.yaml --evaluator "example evaluator" >/dev/null

# The main job: evaluate against the CRA's Annex I (exit 1 if FAILED).
echo "== evaluating"
# The example's OSV export is a pinned snapshot, older than the 7 days a
# centre in service allows (its import of a current export keeps that
# default); the report and the check's summary state the data's age.
gb evaluate "$id" --standard cra-annex-i --vulndb-max-age "${GLASSBOX_VULNDB_MAX_AGE:-43800h}" --out "$data/reports/hello-1.0.0" || [ $? -eq 1 ] # FAILED still writes its report and signed VSA
receipt=$data/reports/hello-1.0.0/hello.vsa.receipt.json
echo

# The operator, offline, before deploying: is this binary the one the
# centre judged, and did it pass?
echo "== verifying the shipped binary against its receipt and examples/hello/policy.yaml"
verify=(verify examples/hello/dist/hello --receipt "$receipt" \
	--key "$data/keys/attestation.pub" --log-key "$data/keys/log.vkey" \
	--policy examples/hello/policy.yaml)
echo "glassbox ${verify[*]}"
gb "${verify[@]}"
echo

# The vendor's CRA technical file (Annex VII), from the centre's evidence:
# HTML, PDF (printed by Chromium, when installed) and a JSON bundle, every
# digest in it resolvable with glassbox cat.
pdf=()
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || pdf=(--no-pdf)
gb dossier "$id" --out "$data/reports/hello-1.0.0/technical-file" --force "${pdf[@]}" | sed -n 1p
echo "report: $data/reports/hello-1.0.0/report.html"
