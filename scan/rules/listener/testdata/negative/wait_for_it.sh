#!/usr/bin/env bash
# Wait until a TCP port answers: a health check, not a shell.
until timeout 1 bash -c "cat < /dev/null > /dev/tcp/localhost/5432"; do sleep 1; done
(echo > /dev/tcp/$HOST/$PORT) >/dev/null 2>&1
nc -z localhost 6379
nc -zv db.internal 23456
