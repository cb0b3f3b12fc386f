import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

import { tap } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { WorkerRefitRunner } from '../../src/refit/runner.js';
import { engineConfig, gaussianEvents } from '../engine/helpers.js';
import { MemorySink, memorySource } from '../engine/memoryPorts.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * Worker threads the runner had started when the engine emitted each batch (three of 200 events,
 * then the end's), and at the end.
 */
async function workersByBatch(refit: Record<string, unknown>): Promise<{ batches: number[]; end: number }> {
  const runner = new WorkerRefitRunner(2);
  const engine = new Engine(
    engineConfig({ model: { lambda: 0.01 }, refit: { everyEvents: 100_000, ...refit } }),
    { source: memorySource(gaussianEvents(3, 600), 200), sink: new MemorySink(), runner },
  );
  const batches: number[] = [];
  try {
    await new Promise<void>((done, fail) =>
      engine
        .pipeline()
        .pipe(tap((element) => element.kind === 'batch' && batches.push(runner.started)))
        .subscribe({ complete: done, error: fail }),
    );
    return { batches, end: runner.started };
  } finally {
    await engine.close();
    await runner.close();
  }
}

describe('the refit workers start when a model is half a refit period from its first refit', () => {
  it('none starts in a run that ends before (600 events, a refit every 100,000; or refits off)', async () => {
    expect(await workersByBatch({})).toEqual({ batches: [0, 0, 0, 0], end: 0 });
    expect(await workersByBatch({ enabled: false })).toEqual({ batches: [0, 0, 0, 0], end: 0 });
  });

  it('they start at the batch that brings a model within half a period, before the refit is due', async () => {
    // a refit every 1,000 events: the model is within 500 of it after the third batch (600 events),
    // and none is due in the run
    expect(await workersByBatch({ everyEvents: 1000 })).toEqual({ batches: [0, 0, 2, 2], end: 2 });
    // every 700: within 350 after the second batch (400 events)
    expect(await workersByBatch({ everyEvents: 700 })).toEqual({ batches: [0, 2, 2, 2], end: 2 });
  });

  it('a started worker without a job keeps no process alive', () => {
    // a process that starts a runner's workers and never closes it ends by itself
    const script = `
      import { WorkerRefitRunner } from './src/refit/runner.ts';
      const runner = new WorkerRefitRunner(1);
      runner.prestart();
      console.log('started', runner.started);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('started 1');
    expect([child.status, child.signal]).toEqual([0, null]);
  }, 70_000);
});
