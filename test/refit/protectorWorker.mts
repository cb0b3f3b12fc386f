// Worker of workerCopies.test.ts: loads the refit worker's entry (a fresh isolate, nothing
// detached yet), optimizes a function that reads a typed array, detaches a buffer and reports
// whether the function was optimized before and after (1 = optimized).
import { parentPort } from 'node:worker_threads';

await import('../../src/refit/refitWorker.js');

type Native = (f: (a: Float64Array) => number) => number;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as Native;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as Native;
const status = new Function('f', 'return %GetOptimizationStatus(f)') as Native;
const optimized = (f: (a: Float64Array) => number) => (status(f) >> 4) & 1;

const sum = (a: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};
const a = new Float64Array(64).fill(0.5);
prepare(sum);
sum(a);
sum(a);
optimizeNext(sum);
sum(a);
const before = optimized(sum);
const other = new ArrayBuffer(16);
structuredClone(other, { transfer: [other] });
parentPort!.postMessage({ before, after: optimized(sum) });
