/**
 * A checkpoint's `ms` (summary `checkpoints.ms`) is the time the engine's thread spent on it. It was
 * the time from the capture of the states to the offsets committed, which includes waiting for the
 * outputs before it to be published: a keyed replay of 38 s reported 142 s of checkpoints. That
 * latency is `latencyMs` now (the l1stream_checkpoint_duration_seconds histogram). Here the sink's
 * flush takes 25 ms, so that the captures wait.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig, type CheckpointStats } from '../../src/index.js';
import { MapStore, batchOf, keepingSink } from './helpers.js';

describe('checkpoint time', () => {
  it('counts the capture and the writes, not the wait for the outputs before it', async () => {
    const config = checkEngineConfig({
      model: { family: 'binomial', keyBy: 'key' },
      refit: { enabled: false },
      drift: { enabled: false },
      state: { everyEvents: 50, everySeconds: null },
    });
    const seen: CheckpointStats[] = [];
    const started = performance.now();
    const stats = await new Engine(
      config,
      {
        source: { batches$: from(Array.from({ length: 40 }, (_, b) => batchOf(50 * b, 50 * (b + 1)))) },
        sink: keepingSink({ flush: () => new Promise<void>((resolve) => setTimeout(resolve, 25)) }),
        store: new MapStore(),
      },
      { observer: { checkpoint: (s) => void seen.push(s) } },
    ).run();
    const wall = performance.now() - started;
    expect(stats.checkpoints.checkpoints).toBeGreaterThanOrEqual(40);
    expect(seen.length).toBe(stats.checkpoints.checkpoints);
    // one thread does the work: what the checkpoints spent fits in the run (the waits did not)
    const spent = seen.reduce((sum, s) => sum + s.ms, 0);
    expect(spent).toBeCloseTo(stats.checkpoints.ms, 6);
    expect(spent).toBeLessThan(wall);
    for (const s of seen) expect(s.latencyMs).toBeGreaterThanOrEqual(s.ms);
    expect(seen.reduce((sum, s) => sum + s.latencyMs, 0)).toBeGreaterThan(spent);
  });
});
