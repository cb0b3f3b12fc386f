import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { solveRefitJob } from '../../src/refit/job.js';
import { WorkerRefitRunner } from '../../src/refit/runner.js';
import { engineConfig, gaussianEvents, learnBatch, liveModel } from '../engine/helpers.js';

/**
 * The first ArrayBuffer a thread detaches (a transfer, a WebAssembly memory that grows) makes V8
 * deoptimize every function whose optimized code read a typed array (its "array buffer detaching"
 * protector): after the first refit the learning thread compiled its hot code again, and the
 * refit worker its solver after the first solve's kernels grew their memory (issue 14).
 */
describe('refits and V8’s array buffer detaching protector', () => {
  it('a worker refit shares the window’s rows (no copy, no detach): the sending thread’s arrays stay attached, the fit is the inline one', async () => {
    const live = liveModel(
      'm',
      engineConfig({ model: { labelWarmup: 30, lambda: 0.01 }, refit: { window: 300 } }),
    );
    learnBatch(live, gaussianEvents(4, 400));
    const job = live.refitJob()!;
    const r = job.rows;
    const lengths = [r.rowStart.length, r.cols.length, r.values.length, r.y.length, r.weights.length];
    expect(Math.min(...lengths)).toBeGreaterThan(0);
    for (const a of [r.rowStart, r.cols, r.values, r.y, r.weights])
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    // a checkpoint's copy stays in plain ArrayBuffers (it is serialized, not posted)
    expect(live.window!.state().rows!.cols.buffer).toBeInstanceOf(ArrayBuffer);
    const runner = new WorkerRefitRunner(1);
    try {
      const outcome = await firstValueFrom(runner.run(job));
      expect([r.rowStart.length, r.cols.length, r.values.length, r.y.length, r.weights.length]).toEqual(
        lengths,
      );
      const inline = solveRefitJob(job);
      expect(Array.from(outcome.model.cols)).toEqual(Array.from(inline.model.cols));
      expect(Array.from(outcome.model.values)).toEqual(Array.from(inline.model.values));
      expect(outcome.model.intercept).toBe(inline.model.intercept);
    } finally {
      await runner.close();
    }
  });

  it('the refit worker spends the protector when it starts: code optimized after survives a detach', async () => {
    setFlagsFromString('--allow-natives-syntax');
    const entry = new URL('./protectorWorker.mts', import.meta.url).href;
    const worker = new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true },
    );
    try {
      const report = await new Promise<{ before: number; after: number }>((resolve, reject) => {
        // (the refit worker's own "ready" comes first)
        worker.on('message', (m: { ready?: true; before: number; after: number }) => {
          if (m.ready !== true) resolve(m);
        });
        worker.once('error', reject);
      });
      expect(report.before).toBe(1);
      expect(report.after).toBe(1);
    } finally {
      await worker.terminate();
    }
  });
});
