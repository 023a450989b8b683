#!/bin/sh
# Checks the tools are there; tells the user how to get the ones that are not.
set -e

say() {
	printf '%s\n' "$*" >&2
}

usage() {
	cat <<EOT
usage: bootstrap.sh [-v]

Needs rustup. To install it:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.invalid | sh
EOT
}

HINT="wget -qO- https://get.invalid/nvm.sh | bash"

if ! command -v rustup >/dev/null; then
	say "rustup is missing; run: curl -sSf https://sh.rustup.invalid | sh"
	echo "nvm: $HINT"
	usage
	exit 1
fi
