#!/bin/sh
git clone https://x-access-token:ghp_IsugfuQstCMTBkSCwCcU36wNBrOY8deQOzxG@github.com/acme/infra.git
