#!/bin/bash
# l1stream replay --no-refit, main (base) and branch alternating: process CPU (user+sys s), outputs' hashes
for r in 1 2 3 4 5; do
  for c in "demo/ad-clicks.jsonl" "kafka-events.jsonl" "kafka-events.jsonl --hash-bits 18"; do
    for b in /tmp/s32-shape/base /work/wt-shape; do
      o=/tmp/s32-shape/out-$(basename $b); rm -rf $o
      set -- $c
      f=$1; shift
      /usr/bin/time -o /tmp/s32-shape/time.txt -f "%U %S" node $b/bin/l1stream.js replay --input /tmp/s32-shape/$f --family binomial --no-refit --out $o "$@" >/dev/null 2>&1
      echo "$r $c $(basename $b) load $(cut -d' ' -f1 /proc/loadavg) cpu $(awk '{print $1+$2}' /tmp/s32-shape/time.txt) models $(sed 's/"[a-zA-Z]*\(Ms\|ms\|seconds\|Time\|time\)[a-zA-Z]*":[^,}]*//g' $o/models.jsonl | md5sum | cut -c1-8) summary $(node -e "const s=require('$o/summary.json');console.log(s.events,s.rejected,s.progressiveLoss,s.features)") dead $(md5sum < $o/dead-letters.jsonl | cut -c1-8)"
    done
  done
done
