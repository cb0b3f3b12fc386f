#!/bin/bash
# alternating offline bench runs, main's build and the branch's, 1 round each per turn
for r in 1 2 3 4; do
  for b in main wt-kafka; do
    if [ $((r % 2)) -eq 0 ]; then [ $b = main ] && b2=wt-kafka || b2=main; else b2=$b; fi
    echo "== $b2 turn $r load $(cut -d' ' -f1 /proc/loadavg)"
    (cd /work/$b2 && env -u NODE_EXTRA_CA_CERTS node dist/bench/kafka/offline.js --format avro,json --events 300000 --rounds 1 | grep round)
  done
done
