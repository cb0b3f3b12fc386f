#!/bin/bash
# cg.sh DIR ORDER: instructions (all threads) of solo.mjs on the dumped jobs
unset NODE_EXTRA_CA_CERTS
valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null node $NODEFLAGS /tmp/rj/solo.mjs $1 $2 2>&1 | grep -E "I\s+refs" | awk -v d=$1 -v o=$2 '{gsub(",","",$4); printf "%s %s %.3f G\n", d, o, $4/1e9}'
