/**
 * Engines without a durable store: a new `Engine` given the same `MemoryStateStore` goes on from
 * the models the last one ended with (as an uninterrupted run would), and offsets do not order
 * records (a service numbering each request's records from 0 has every one learned).
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  Engine,
  MemoryStateStore,
  checkEngineConfig,
  type ModelSnapshot,
  type RawBatch,
} from '../../src/index.js';
import { keepingSink } from './helpers.js';

const config = (keyed: boolean) =>
  checkEngineConfig({
    model: { family: 'binomial', lambda: 0.01, ...(keyed ? { keyBy: 'k', maxLiveModels: 2 } : {}) },
    refit: { enabled: false },
    snapshots: { everyEvents: 1_000_000, everySeconds: 'Infinity' },
  });

/** Records [from, to): keys k0..k4, two features; offsets from `offsetBase` (default: the index). */
function records(start: number, end: number, offsetBase = start): RawBatch {
  return {
    records: Array.from({ length: end - start }, (_, k) => {
      const i = start + k;
      const x = (i % 11) - 5;
      const event = { label: (i * 7) % 5 < 2 ? 1 : 0, features: { k: `k${i % 5}`, x, z: (i % 3) - 1 } };
      return { value: JSON.stringify(event), position: { source: 's', offset: String(offsetBase + k) } };
    }),
  };
}

/** The snapshots of the run's end, by key (the last one of each). */
function lastByKey(models: readonly ModelSnapshot[]): Map<string, ModelSnapshot> {
  const last = new Map<string, ModelSnapshot>();
  for (const m of models) last.set(m.key, m);
  return last;
}

const model = (m: ModelSnapshot | undefined) =>
  m === undefined ? undefined : { version: m.version, intercept: m.intercept, coefficients: m.coefficients };

describe('engines without a durable store', () => {
  it.each([false, true])(
    'a new Engine given the same MemoryStateStore goes on from its models (keyed %s)',
    async (keyed) => {
      const whole = keepingSink();
      await new Engine(config(keyed), { source: { batches$: from([records(0, 600)]) }, sink: whole }).run();

      const store = new MemoryStateStore();
      const first = keepingSink();
      await new Engine(config(keyed), {
        source: { batches$: from([records(0, 300)]) },
        sink: first,
        store,
      }).run();
      const second = keepingSink();
      const stats = await new Engine(config(keyed), {
        source: { batches$: from([records(300, 600)]) },
        sink: second,
        store,
      }).run();
      expect(stats.learned).toBe(300);
      const expected = lastByKey(whole.models);
      const actual = lastByKey(second.models);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, m] of expected) {
        // the same coefficients as the uninterrupted run's; versions go on after the first run's
        expect(model(actual.get(key))).toEqual({ ...model(m), version: m.version + 1 });
        expect(actual.get(key)!.metrics?.events).toBe(m.metrics?.events);
      }
    },
  );

  it('learns every record whatever its offset: numbered from 0 in each batch, repeated, decreasing', async () => {
    // 4 requests of 5 records, each numbering its records 0..4, then one numbered backwards
    const batches = [0, 1, 2, 3].map((b) => records(5 * b, 5 * b + 5, 0));
    batches.push({
      records: records(20, 25, 0).records.map((r, k) => ({
        ...r,
        position: { source: 's', offset: String(4 - k) },
      })),
    });
    const stats = await new Engine(config(false), {
      source: { batches$: from(batches) },
      sink: keepingSink(),
    }).run();
    expect([stats.learned, stats.skippedCovered]).toEqual([25, 0]);
  });
});
