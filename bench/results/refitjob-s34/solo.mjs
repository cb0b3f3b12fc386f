import { deserialize } from 'node:v8';
import { readFileSync } from 'node:fs';
const dir = process.argv[2];
const { solveRefitJob } = await import(dir + '/dist/src/refit/job.js');
const jobs = [1, 2].map((i) => deserialize(readFileSync(`/tmp/rj/jobs/job${i}.bin`)));
const order = (process.argv[3] ?? '1,2,1,2,1,2').split(',').map(Number);
for (const i of order) {
  const t = performance.now();
  const o = solveRefitJob(jobs[i - 1]);
  console.log(`job${i} ${(performance.now() - t).toFixed(1)} ms obj ${o.objective} kkt ${o.kktMaxViolation} nz ${o.model.cols.length} build ${o.buildMs.toFixed(1)} solve ${o.solveMs.toFixed(1)} kkt ${o.kktMs.toFixed(1)}`);
}
