/**
 * `dropQueuedOnStop` (what `l1stream run` sets on Kafka): batches a source emitted that wait
 * behind the one being learned are dropped when the engine is stopped, neither learned nor
 * committed (a broker delivers them again), instead of all being learned before the stop.
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig, type RawBatch, type RawRecord } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({ model: { family: 'binomial' }, refit: { enabled: false } });

/** Ten batches of 100 emitted at once, queued behind a slow `prepare`; stop once the first is committed. */
async function stopAfterFirstCommit(dropQueuedOnStop: boolean) {
  const source = new Subject<RawBatch>();
  const stop = new Subject<void>();
  const committed: string[] = [];
  const engine = new Engine(
    config,
    {
      source: {
        batches$: source,
        prepare: () => new Promise<void>((resolve) => setTimeout(resolve, 5)),
        commit: async (records: readonly RawRecord[]) => {
          committed.push(...records.map((r) => r.position.offset));
          if (committed.length === 100) stop.next();
        },
      },
      sink: keepingSink(),
    },
    { stop, partSize: 512, dropQueuedOnStop },
  );
  const run = engine.run();
  for (let b = 0; b < 10; b++) source.next(batchOf(b * 100, (b + 1) * 100));
  const stats = await run;
  return { stats, committed };
}

describe('stopping with batches queued', () => {
  it('dropQueuedOnStop: the queued batches are neither learned nor committed', async () => {
    const { stats, committed } = await stopAfterFirstCommit(true);
    expect(stats.endedBy).toBe('stop');
    expect(stats.learned).toBeLessThan(1000);
    // what was committed is what was learned, from the start: the rest is read again
    expect(committed).toEqual(Array.from({ length: stats.learned }, (_, i) => String(i)));
  });

  it('by default every batch the source emitted is learned and committed first', async () => {
    const { stats, committed } = await stopAfterFirstCommit(false);
    expect(stats).toMatchObject({ learned: 1000, endedBy: 'stop' });
    expect(committed).toHaveLength(1000);
  });
});
