import { deserialize } from 'node:v8';
import { readFileSync } from 'node:fs';
const dir = process.argv[2];
const { solveRefitJob } = await import(dir + '/dist/src/refit/job.js');
const jobs = [1, 2].map((i) => deserialize(readFileSync(`/tmp/rj/jobs/job${i}.bin`)));
const sub = (job, k) => {
  const r = job.rows; const n = r.rows; const s = r.rowStart[n - k];
  const rowStart = Int32Array.from(r.rowStart.subarray(n - k), (v) => v - s);
  return { ...job, rows: { first: r.last - k + 1, last: r.last, rows: k, rowStart, cols: r.cols.slice(s), values: r.values.slice(s), y: r.y.slice(n - k), weights: r.weights.slice(n - k) } };
};
const k = Number(process.argv[3]); const reps = Number(process.argv[4]);
const c0 = process.cpuUsage();
let t = performance.now();
for (let i = 0; i < reps; i++) solveRefitJob(sub(jobs[0], k));
const wu = performance.now() - t; const cw = process.cpuUsage(c0);
const out = [];
for (const i of [0, 1]) { t = performance.now(); const o = solveRefitJob(jobs[i]); out.push((performance.now() - t).toFixed(0)); }
const c = process.cpuUsage(c0);
console.log(`warmup ${k}x${reps}: ${wu.toFixed(0)} ms (cpu ${((cw.user+cw.system)/1000).toFixed(0)}) then job1 ${out[0]} job2 ${out[1]} ms; cpu total ${((c.user+c.system)/1000).toFixed(0)}`);
