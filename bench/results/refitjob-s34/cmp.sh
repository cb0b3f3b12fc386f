#!/bin/bash
# cmp.sh NAME INPUT [flags]: replay with base and branch, compare outputs without time stamps and timings
unset NODE_EXTRA_CA_CERTS
name=$1; in=$2; shift 2
for d in base-refitjob refitjob; do
  rm -rf /tmp/rj/cmp-$name-$d
  node /work/wt-$d/bin/l1stream.js replay --input $in --no-progress --out /tmp/rj/cmp-$name-$d "$@" >/dev/null 2>&1 || echo "$d failed"
done
strip() { python3 -c "
import json,sys
drop={'createdAt','refitMs','solveMs','eventsPerSecond','elapsedMs','wallMs','ms','durationMs','seconds','startedAt','endedAt','finishedAt','timings','elapsedSeconds'}
def clean(o):
  if isinstance(o,dict): return {k:clean(v) for k,v in o.items() if k not in drop}
  if isinstance(o,list): return [clean(v) for v in o]
  return o
for l in open(sys.argv[1]):
  l=l.strip()
  if l: print(json.dumps(clean(json.loads(l)),sort_keys=True))
" $1; }
for f in models.jsonl alerts.jsonl dead-letters.jsonl scores.jsonl; do
  a=/tmp/rj/cmp-$name-base-refitjob/$f; b=/tmp/rj/cmp-$name-refitjob/$f
  if [ ! -e $a ] && [ ! -e $b ]; then echo "$name $f: absent in both"; continue; fi
  if cmp -s <(strip $a) <(strip $b); then echo "$name $f: identical ($(wc -l < $a) lines, $(grep -c '"refit"' $a) refit)"; else echo "$name $f: DIFFERENT"; fi
done
