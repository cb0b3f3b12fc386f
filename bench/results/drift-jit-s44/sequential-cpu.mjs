// s44: CPU of the sequential input-drift detector alone on bench:online's sparse ids stream
// (50,000 events, 1.5 M id occurrences), a fresh detector per run, after `npm run build`:
//   node bench/results/drift-jit-s44/sequential-cpu.mjs [RUNS]
// With "chunks" as the second argument, the last run's wall time per 2,500 events instead (RUNS − 1
// runs before it warm the JIT up).
import { resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '../../../dist');
const { SequentialSparsityDetector } = await import(`${dist}/src/drift/sequentialSparsity.js`);
const { generateSparseIds } = await import(`${dist}/bench/online/sparseIds.js`);
const stream = generateSparseIds();
const { offsets, ids } = stream;
const events = offsets.length - 1;
// every id is a numeric feature (`"id17": 1`): field code 1, as the vocabulary gives a number
const view = { indices: ids, start: 0, end: 0, nameOf: (j) => `id${j}`, fieldCodes: new Int32Array(ids.length).fill(1), fieldNames: ['', ''] };
const runs = Number(process.argv[2] ?? 6);
if (process.argv[3] === 'chunks') {
  for (let r = 1; r < runs; r++) {
    const warm = new SequentialSparsityDetector({});
    for (let e = 0; e < events; e++) {
      view.start = offsets[e];
      view.end = offsets[e + 1];
      warm.update(view);
    }
  }
  const detector = new SequentialSparsityDetector({});
  const out = [];
  for (let e0 = 0; e0 < events; e0 += 2500) {
    const t = performance.now();
    for (let e = e0; e < Math.min(events, e0 + 2500); e++) {
      view.start = offsets[e];
      view.end = offsets[e + 1];
      detector.update(view);
    }
    out.push((performance.now() - t).toFixed(1));
  }
  console.log(`ms per 2,500 events: ${out.join(' ')}`);
} else {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const detector = new SequentialSparsityDetector({});
    const c0 = process.cpuUsage();
    for (let e = 0; e < events; e++) {
      view.start = offsets[e];
      view.end = offsets[e + 1];
      detector.update(view);
    }
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  console.log(`${ids.length} occurrences; CPU ms per run: ${times.map((t) => t.toFixed(1)).join(' ')}`);
}
