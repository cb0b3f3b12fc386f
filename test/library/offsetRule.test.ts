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
