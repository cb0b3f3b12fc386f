/**
 * A source that errors fails `run()` with its error; a durable store keeps the models of the last
 * checkpoint, so a new Engine given it reads the records after that checkpoint again and ends
 * with the model of an uninterrupted run (at-least-once, as after a crash).
 */
import { concat, from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig } from '../../src/index.js';
import { batchOf, keepingSink, MapStore } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial', lambda: 0.01 },
  refit: { enabled: false },
  snapshots: { everyEvents: 1_000_000, everySeconds: 'Infinity' },
  state: { everyEvents: 100, everySeconds: 'Infinity' },
});

const lastModel = (sink: ReturnType<typeof keepingSink>) => {
  const m = sink.models[sink.models.length - 1]!;
  return { intercept: m.intercept, coefficients: m.coefficients, events: m.metrics?.events };
};

describe('a source that errors', () => {
  it('fails run() with its error; a new Engine on the same durable store goes on from the last checkpoint', async () => {
    const whole = keepingSink();
    await new Engine(config, {
      source: { batches$: from([batchOf(0, 300)]) },
      sink: whole,
      store: new MapStore(),
    }).run();

    const store = new MapStore();
    const broken = new Engine(config, {
      source: {
        batches$: concat(
          from([batchOf(0, 100), batchOf(100, 200), batchOf(200, 250)]),
          throwError(() => new Error('connection lost')),
        ),
      },
      sink: keepingSink(),
      store,
    });
    await expect(broken.run()).rejects.toThrow('connection lost');

    const again = keepingSink();
    const stats = await new Engine(config, {
      source: { batches$: from([batchOf(0, 300)]) },
      sink: again,
      store,
    }).run();
    // a checkpoint (every 100 records) covers the first 100 or 200; what was learned after it is
    // learned again
    expect([100, 200]).toContain(stats.skippedCovered);
    expect(stats.skippedCovered + stats.learned).toBe(300);
    expect(lastModel(again)).toEqual(lastModel(whole));
  });
});
