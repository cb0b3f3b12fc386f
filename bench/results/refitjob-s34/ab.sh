#!/bin/bash
# ab.sh ROUNDS [extra flags]: default replay of sparse.jsonl, base and branch alternating;
# wall s, threads' CPU ms (main, refit worker, other: V8 helpers, libuv) per run
unset NODE_EXTRA_CA_CERTS
rounds=$1; shift
for r in $(seq 1 $rounds); do
  for d in base-refitjob refitjob; do
    out=/tmp/rj/ab-$d; rm -rf $out
    s=$(date +%s.%N)
    t=$(node --import /tmp/rj/cpu.mjs /work/wt-$d/bin/l1stream.js replay --input /tmp/s34/sparse.jsonl --family binomial --no-progress --out $out "$@" 2>&1 >/dev/null | grep THREADS)
    e=$(date +%s.%N)
    rm -f /tmp/rj/tids.*
    ms=$(grep '"source":"refit"' $out/models.jsonl | python3 -c "import sys,json; print(' '.join('%d/%d' % (json.loads(l)['metrics']['refitMs'], json.loads(l)['metrics']['solveMs']) for l in sys.stdin))")
    printf "%-14s %.3f %s refitMs/solveMs %s load %s\n" $d $(echo "$e - $s" | bc) "$t" "$ms" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
