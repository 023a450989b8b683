#!/bin/sh
set -e
# Fetch the toolchain installer and run it.
curl -fsSL https://get.toolchain.invalid/install | sh -s -- --yes
