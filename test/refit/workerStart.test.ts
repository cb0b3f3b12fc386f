import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

import { tap } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { WorkerRefitRunner } from '../../src/refit/runner.js';
import { engineConfig, gaussianEvents } from '../engine/helpers.js';
import { MemorySink, memorySource } from '../engine/memoryPorts.js';

const root = resolve(import.meta.dirname, '../..');

/** Worker threads the runner had started when the engine emitted its first batch, and at the end. */
async function workersAtFirstBatch(refit: Record<string, unknown>): Promise<[number, number]> {
  const runner = new WorkerRefitRunner(2);
  const engine = new Engine(
    engineConfig({ model: { lambda: 0.01 }, refit: { everyEvents: 100_000, ...refit } }),
    { source: memorySource(gaussianEvents(3, 600), 200), sink: new MemorySink(), runner },
  );
  let atFirst = -1;
  try {
    await new Promise<void>((done, fail) =>
      engine
        .pipeline()
        .pipe(tap(() => (atFirst = atFirst < 0 ? runner.started : atFirst)))
        .subscribe({ complete: done, error: fail }),
    );
    return [atFirst, runner.started];
  } finally {
    await engine.close();
    await runner.close();
  }
}

describe('the refit workers start with the run', () => {
  it('they exist before the first refit is due (none is in 600 events); with refits off, none starts', async () => {
    expect(await workersAtFirstBatch({})).toEqual([2, 2]);
    expect(await workersAtFirstBatch({ enabled: false })).toEqual([0, 0]);
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
