#!/bin/bash
# cg.sh WHICH ROUNDS MODE FILE N: instructions (cachegrind, no cache sim) of rd.mjs ONLY=WHICH
env -u NODE_EXTRA_CA_CERTS ONLY=$1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null node --single-threaded /tmp/nums/rd.mjs $2 $3 $4 $5 2>&1 | grep -E "I\s+refs" | awk -v l="$1 r$2 $3 $(basename $4) $5" '{print l, $NF}'
