"""Vowpal Wabbit peer for bench/online: runs VW's own C++ parser and learner loop over a file
(vowpalwabbit.Workspace with -d: no Python per example) and prints one JSON object.

usage: python3 vw_peer.py '<json spec>'
spec: {"data": path, "args": "vw flags", "reps": n, "readable": path or null}
Each rep builds a fresh Workspace (parse + learn happen inside the constructor, run_parser), so
the measured time includes VW's setup (allocating 2^b weights); `setupSeconds` is the same
construction over an empty file, to be subtracted.
"""
import json, os, resource, sys, tempfile, time

import vowpalwabbit


def build(data, args):
    t0 = time.perf_counter()
    ws = vowpalwabbit.Workspace(arg_str=f"-d {data} {args}")
    return ws, time.perf_counter() - t0


def main():
    spec = json.loads(sys.argv[1])
    data, args, reps = spec["data"], spec["args"], spec.get("reps", 2)
    empty = os.path.join(tempfile.mkdtemp(), "empty.vw")
    open(empty, "w").close()
    setup = []
    for _ in range(2):
        ws, s = build(empty, strip_cache(args))
        ws.finish()
        setup.append(s)
    times, loss, examples = [], None, None
    for r in range(reps):
        extra = f" --readable_model {spec['readable']}" if spec.get("readable") and r == reps - 1 else ""
        ws, s = build(data, args + extra)
        times.append(s)
        examples = ws.get_weighted_examples()
        loss = ws.get_sum_loss() / max(examples, 1)
        ws.finish()
    nonzero = None
    if spec.get("readable"):
        nonzero = count_nonzero(spec["readable"])
    print(json.dumps({
        "version": vowpalwabbit.__version__,
        "args": args,
        "seconds": times,
        "setupSeconds": min(setup),
        "examples": examples,
        "averageLoss": loss,
        "nonZero": nonzero,
        "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def strip_cache(args):
    out, skip = [], False
    for a in args.split():
        if skip:
            skip = False
            continue
        if a == "--cache_file":
            skip = True
            continue
        out.append(a)
    return " ".join(out)


CONSTANT = 11650396  # VW's constant (intercept) feature hash, before masking


def count_nonzero(path):
    """Non-zero weights in a --readable_model file, intercept (constant feature) excluded."""
    mask = None
    n = 0
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines:
        if line.startswith("bits:"):
            mask = (1 << int(line.split(":")[1])) - 1
    for line in lines:
        parts = line.split(":")
        if len(parts) == 2 and parts[0].isdigit():
            idx, w = int(parts[0]), float(parts[1].split()[0])
            if mask is not None and idx == (CONSTANT & mask):
                continue
            if w != 0:
                n += 1
    return n


if __name__ == "__main__":
    main()
