"""River peer for bench/drift/run.ts: reads {streams, detectors} as JSON on stdin (a stream may
override a detector's params by id in its "params"), regenerates each
stream bit-identically (scripts/fixtures/drift/streams.py), runs River's detectors on it and prints
{"river": version, "results": {streamId: {detectorId: [indices]}}, "seconds": {detectorId: s}}."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../scripts/fixtures/drift"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/fixtures/drift"))

try:
    import river
    from river import drift
except ImportError as e:  # the bench reports this instead of failing silently
    print(json.dumps({"error": f"river is not importable: {e}"}))
    sys.exit(0)

import streams  # noqa: E402


def main():
    job = json.load(sys.stdin)
    results = {}
    seconds = {d["id"]: 0.0 for d in job["detectors"]}
    for s in job["streams"]:
        xs = list(streams.values(s["spec"]))
        results[s["id"]] = {}
        for d in job["detectors"]:
            params = s.get("params", {}).get(d["id"], d["params"])
            det = drift.ADWIN(**params) if d["kind"] == "adwin" else drift.PageHinkley(**params)
            hits = []
            t = time.perf_counter()
            for i, x in enumerate(xs):
                det.update(x)
                if det.drift_detected:
                    hits.append(i)
            seconds[d["id"]] += time.perf_counter() - t
            results[s["id"]][d["id"]] = hits
    print(json.dumps({"river": river.__version__, "results": results, "seconds": seconds}))


if __name__ == "__main__":
    main()
