/**
 * An engine runs once: a second `run()`, during the first or after it, is refused with a reason
 * (it resolved with the first run's counts, reading nothing).
 */
import { Subject, from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, EngineError, checkEngineConfig, type RawBatch } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = () =>
  checkEngineConfig({ model: { family: 'binomial', lambda: 0.01 }, refit: { enabled: false } });

describe('run() twice', () => {
  it('after a run that read its source to the end: refused, naming what to do', async () => {
    const engine = new Engine(config(), {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
    });
    expect((await engine.run()).learned).toBe(50);
    const again = engine.run();
    await expect(again).rejects.toThrow(EngineError);
    await expect(again).rejects.toThrow(/the engine has run: .*make a new Engine/);
  });

  it('while the first run is in progress: refused; the first goes on', async () => {
    const batches = new Subject<RawBatch>();
    const engine = new Engine(config(), { source: { batches$: batches }, sink: keepingSink() });
    const first = engine.run();
    await expect(engine.run()).rejects.toThrow(/the engine is running: await the run\(\) in progress/);
    batches.next(batchOf(0, 20));
    batches.complete();
    expect((await first).learned).toBe(20);
  });
});
