#!/bin/bash
# cg.sh NAME ROOT FORMAT REPS -> instructions of the harness under cachegrind
NAME=$1; ROOT=$2; FORMAT=$3; REPS=${4:-1}
ROOT=$ROOT FORMAT=$FORMAT REPS=$REPS EVENTS=300000 env -u NODE_EXTRA_CA_CERTS valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/tmp/s39k/cg/$NAME.out node --single-threaded /tmp/s39k/harness.mjs > /tmp/s39k/cg/$NAME.log 2>&1
echo "$NAME $(grep -o 'I *refs: *[0-9,]*' /tmp/s39k/cg/$NAME.log) $(grep '^run' /tmp/s39k/cg/$NAME.log)"
