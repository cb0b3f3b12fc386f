/**
 * With a durable state store, record offsets must be decimal whole numbers (a restored model
 * skips the records at or below the offsets it covers, compared as numbers): "evt-17" used to be
 * learned again after a restart, silently; now the run fails naming the record and the rule, and
 * learns nothing of that batch.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, InputError, checkEngineConfig, type StateStore } from '../../src/index.js';
import { MapStore, batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial', lambda: 0.01 },
  refit: { enabled: false },
  state: { everyEvents: 500 },
});

function run(store: StateStore, ...batches: ReturnType<typeof batchOf>[]) {
  return new Engine(config, { source: { batches$: from(batches) }, sink: keepingSink(), store }).run();
}

describe('offsets with a durable state store', () => {
  it('decimal offsets: a restart skips the records it covers', async () => {
    const store = new MapStore();
    const first = await run(store, batchOf(0, 1000), batchOf(1000, 2000));
    const second = await run(store, batchOf(1000, 2000), batchOf(2000, 3000));
    expect(first.learned + second.learned).toBe(3000);
    expect(second.skippedCovered).toBe(1000);
  });

  it('a batch read again in part: its covered records are skipped, the rest learned', async () => {
    const store = new MapStore();
    const first = await run(store, batchOf(0, 1000), batchOf(1000, 2000));
    // read again from 1500: the first batch's first half was learned before
    const second = await run(store, batchOf(1500, 2500), batchOf(2500, 3000));
    expect(first.learned).toBe(2000);
    expect(second.skippedCovered).toBe(500);
    expect(second.learned).toBe(1000);
  });

  it('batches mixing two partitions: a restart skips, per partition, the records it covers', async () => {
    // records of partitions 0 and 1 in turns, offsets `from0`.. and `from1`.. (n of each)
    const mixed = (from0: number, from1: number, n: number) => ({
      records: Array.from({ length: 2 * n }, (_, k) => {
        const partition = k % 2;
        const i = (partition === 0 ? from0 : from1) + Math.floor(k / 2);
        return {
          value: JSON.stringify({ label: (i * 13) % 3 === 0 ? 0 : 1, features: { x: (i + partition) % 7 } }),
          position: { source: 's', partition, offset: String(i) },
        };
      }),
    });
    const store = new MapStore();
    const first = await run(store, mixed(0, 0, 1000));
    // read again from 500 on partition 0 and from 700 on partition 1
    const second = await run(store, mixed(500, 700, 1000));
    expect(first.learned).toBe(2000);
    expect(second.skippedCovered).toBe(500 + 300);
    expect(second.learned).toBe(500 + 700);
  });

  it('other offsets fail the run, naming the record and the rule, before it learns them', async () => {
    const store = new MapStore();
    const sink = keepingSink();
    const engine = new Engine(config, {
      source: { batches$: from([batchOf(0, 1000, 'evt-')]) },
      sink,
      store,
    });
    const failed = engine.run();
    await expect(failed).rejects.toThrow(InputError);
    await expect(failed).rejects.toThrow(
      'record of source "s" at offset "evt-0": with a durable state store, RecordPosition.offset must be a whole number >= 0 in decimal digits',
    );
    expect(engine.stats().learned).toBe(0);
    expect(store.states.size).toBe(0);
  });

  it.each(['-1', '1.5', '1e3', ' 7', '1234567890123456'])('refuses offset %j', async (offset) => {
    const batch = { records: [{ ...batchOf(0, 1).records[0], position: { source: 's', offset } }] };
    await expect(run(new MapStore(), batch)).rejects.toThrow(`at offset ${JSON.stringify(offset)}`);
  });
});
