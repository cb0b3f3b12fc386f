/**
 * `engine.close()` after `run()` has completed is harmless: it does not throw, the sink is not
 * flushed again, the source is closed once, and the finished run still says it ended with its
 * source.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { everyEvents: 1000, window: 1000, threads: 1 },
  snapshots: { everyEvents: 1000 },
});

describe('close() after run() completed', () => {
  it('does not throw, flush again or close the source twice; endedBy stays "source"', async () => {
    let flushes = 0;
    let sourceCloses = 0;
    const sink = keepingSink({ flush: async () => void flushes++ });
    const source = {
      batches$: from([batchOf(0, 2500)]),
      close: async () => {
        if (++sourceCloses > 1) throw new Error('source closed twice');
      },
    };
    const engine = new Engine(config, { source, sink });
    const stats = await engine.run();
    expect(stats).toMatchObject({ learned: 2500, endedBy: 'source' });
    const models = sink.models.length;
    // (at the end, and after each refit's snapshot: sent at once)
    const flushed = flushes;
    expect(flushed).toBeGreaterThanOrEqual(1);
    await engine.close();
    await engine.close();
    expect(flushes).toBe(flushed);
    expect(sourceCloses).toBe(1);
    expect(sink.models.length).toBe(models);
    expect(engine.stats()).toMatchObject({ learned: 2500, endedBy: 'source' });
    await expect(engine.run()).rejects.toThrow('the engine was closed');
  });
});
