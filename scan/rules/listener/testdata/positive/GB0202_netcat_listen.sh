#!/bin/sh
# leaves a listener behind on an arbitrary port
nc -lvnp 23456 &
