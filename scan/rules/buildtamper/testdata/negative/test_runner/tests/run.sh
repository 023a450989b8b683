#!/bin/sh
for f in tests/files/good-*.xz; do
  xz -t "$f" || exit 1
done
