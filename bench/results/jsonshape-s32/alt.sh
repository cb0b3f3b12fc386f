#!/bin/bash
# alternating main (base) and branch: the offline worker bench, worker CPU µs/event and output hashes
for r in 1 2 3 4 5 6 7; do
  for b in /tmp/s32-shape/base /work/wt-shape; do
    echo "$r $(basename $b) load $(cut -d' ' -f1 /proc/loadavg) $(node $b/dist/bench/kafka/offline.js --format json,avro --rounds 1 --events 300000 | grep round | tr '\n' ' ')"
  done
done
for b in /tmp/s32-shape/base /work/wt-shape; do
  echo "bad $(basename $b) load $(cut -d' ' -f1 /proc/loadavg) $(node $b/dist/bench/kafka/offline.js --format json,avro --rounds 1 --events 100000 --bad 499 | grep round | tr '\n' ' ')"
done
