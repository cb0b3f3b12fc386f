#!/bin/bash
# outputs of replay --no-refit on main and the branch: models.jsonl without createdAt, summary without timings, dead letters
for c in "demo/ad-clicks.jsonl" "kafka-events.jsonl" "kafka-events.jsonl --hash-bits 18" "bad.jsonl" "bad.jsonl --hash-bits 18"; do
  for b in /tmp/s32-shape/base /work/wt-shape; do
    o=/tmp/s32-shape/same-$(basename $b); rm -rf $o
    set -- $c; f=$1; shift
    node $b/bin/l1stream.js replay --input /tmp/s32-shape/$f --family binomial --no-refit --out $o "$@" >/dev/null 2>&1
    echo "$c $(basename $b) models $(sed 's/,"createdAt":"[^"]*"//g' $o/models.jsonl | md5sum | cut -c1-12) summary $(node -e "const s=require('$o/summary.json');delete s.seconds;delete s.eventsPerSecond;delete s.input;console.log(require('crypto').createHash('md5').update(JSON.stringify(s)).digest('hex').slice(0,12), s.events, s.rejected)") dead $(md5sum < $o/dead-letters.jsonl | cut -c1-12)"
  done
done
