/**
 * `engine.close()` while `run()` is pending ends the run: what was read is learned and published,
 * `run()` resolves (`endedBy` "close"), and records sent after it are not learned; a closed engine
 * does not run again. The `stop` option ends a run the same way (`endedBy` "stop").
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig, type RawBatch } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { everyEvents: 1000, window: 1000, threads: 1 },
  snapshots: { everyEvents: 1000 },
});

/** Until `run` has learned `n` records (the engine learns a batch as it is emitted, on this thread). */
async function learned(engine: Engine, n: number): Promise<void> {
  while (engine.stats().learned < n) await new Promise((r) => setImmediate(r));
}

describe('ending a run', () => {
  it('close() during run(): the run ends with what it read, and learns nothing after', async () => {
    const source = new Subject<RawBatch>();
    const sink = keepingSink();
    const engine = new Engine(config, { source: { batches$: source }, sink });
    const run = engine.run();
    for (let b = 0; b < 3; b++) source.next(batchOf(b * 1000, (b + 1) * 1000));
    await learned(engine, 3000);
    await engine.close();
    const stats = await run;
    expect(stats).toMatchObject({ learned: 3000, endedBy: 'close' });
    expect(sink.models.length).toBeGreaterThanOrEqual(3);
    source.next(batchOf(3000, 6000));
    source.complete();
    expect(engine.stats().learned).toBe(3000);
    await expect(engine.run()).rejects.toThrow('the engine was closed');
  });

  it('the stop option: records after it are not learned, and run() says it was stopped', async () => {
    const source = new Subject<RawBatch>();
    const stop = new Subject<void>();
    const engine = new Engine(config, { source: { batches$: source }, sink: keepingSink() }, { stop });
    const run = engine.run();
    source.next(batchOf(0, 2000));
    await learned(engine, 2000);
    stop.next();
    source.next(batchOf(2000, 3000));
    expect(await run).toMatchObject({ learned: 2000, endedBy: 'stop' });
  });

  it('a run to the end of its source says so', async () => {
    const source = new Subject<RawBatch>();
    const engine = new Engine(config, { source: { batches$: source }, sink: keepingSink() });
    const run = engine.run();
    source.next(batchOf(0, 500));
    source.complete();
    expect(await run).toMatchObject({ learned: 500, endedBy: 'source' });
  });
});
