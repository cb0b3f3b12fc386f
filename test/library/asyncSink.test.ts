/**
 * A sink whose write methods are `async`: their promises are awaited before the sink's flush, and
 * one that rejects fails `run()` with `SinkError` (it used to resolve, then the process died of
 * an unhandled rejection).
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, SinkError, checkEngineConfig, type ModelSnapshot } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { enabled: false },
  snapshots: { everyEvents: 500 },
});

const later = () => new Promise((r) => setTimeout(r, 5));

describe('an async sink', () => {
  it('a rejected model() fails run() with the error', async () => {
    const sink = keepingSink({
      model: async (m: ModelSnapshot) => {
        await later();
        if (m.version >= 2) throw new Error(`db insert failed for ${m.key} v${m.version}`);
      },
    });
    const engine = new Engine(config, { source: { batches$: from([batchOf(0, 3000)]) }, sink });
    const run = engine.run();
    await expect(run).rejects.toThrow(SinkError);
    await expect(run).rejects.toThrow("the sink's model() failed: db insert failed for default v2");
  });

  it('its writes are done before flush() is called', async () => {
    const written: number[] = [];
    let writtenAtFlush = -1;
    const sink = keepingSink({
      model: async (m: ModelSnapshot) => {
        await later();
        written.push(m.version);
      },
      flush: async () => void (writtenAtFlush = written.length),
    });
    const stats = await new Engine(config, { source: { batches$: from([batchOf(0, 3000)]) }, sink }).run();
    expect(stats.snapshots).toBe(6);
    expect(writtenAtFlush).toBe(6);
  });
});

describe('a sink whose flush() fails', () => {
  it('fails run() with a SinkError naming flush(), the error as its cause', async () => {
    const cause = new Error('fsync failed');
    const sink = keepingSink({
      flush: () => Promise.reject(cause),
    });
    const run = new Engine(config, { source: { batches$: from([batchOf(0, 100)]) }, sink }).run();
    await expect(run).rejects.toThrow(SinkError);
    await expect(run).rejects.toThrow("the sink's flush() failed: fsync failed");
    await expect(run).rejects.toHaveProperty('cause', cause);
  });
});
