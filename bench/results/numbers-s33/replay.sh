#!/bin/bash
# replay.sh ROUNDS: replay --no-refit, base / put / branch alternating; process CPU s (user+sys) per run
for r in $(seq 1 $1); do
  for s in big demo kafka; do
    case $s in big) in=/tmp/s33/big.jsonl; extra="--learner ftrl --lambda 1e-4 --hash-bits 20 --no-standardize --no-drift";; demo) in=/tmp/nums/demo.jsonl; extra="";; kafka) in=/tmp/nums/kafka.jsonl; extra="";; esac
    for d in base:/work/wt-base put:/tmp/nums/put branch:/work/wt-numbers; do
      n=${d%%:*}; p=${d#*:}
      /usr/bin/time -f "$s $n %U %S" env -u NODE_EXTRA_CA_CERTS node $p/bin/l1stream.js replay --input $in --family binomial --no-progress --no-refit --out /tmp/nums/t-$n $extra 2>&1 >/dev/null | tail -1
    done
  done
  echo "load $(cut -d' ' -f1 /proc/loadavg)"
done
