#!/bin/sh
echo "$SIGNING_KEY" | base64 -d > key.pem
chmod 600 key.pem
git status
