import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { OnlineModel, validateEvent, type ModelSnapshot } from '../../src/index.js';
import { engineConfig } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

/** Binomial events of three segments, one in nine unlabelled. */
function segmentEvents(
  n: number,
  seed: number,
): Array<{ label?: number; features: Record<string, unknown> }> {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: Array<{ label?: number; features: Record<string, unknown> }> = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * 3);
    const features = { segment: `s${k}`, x0: u() * 2 - 1, x1: u() * 2 - 1, c: u() < 0.5 ? 'a' : 'b' };
    const eta = 1.2 * features.x0 - 0.8 * features.x1 * k;
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(i % 9 === 0 ? { features } : { label, features });
  }
  return out;
}

const doc = {
  model: { family: 'binomial', keyBy: 'segment', lambda: 0.01 },
  refit: { enabled: false },
  snapshots: { everyEvents: 50, everySeconds: 'Infinity' },
};

async function snapshots(events: readonly object[], batchSize: number): Promise<ModelSnapshot[]> {
  const sink = new MemorySink();
  const engine = new Engine(
    engineConfig(doc),
    { source: memorySource(events, batchSize), sink, store: new MemoryStateStore() },
    {
      clock: () => new Date('2026-11-30T00:00:00Z'),
      scheduler: {
        now: () => 0,
        schedule: () => {
          throw new Error('unused');
        },
      },
    },
  );
  await engine.run();
  return [...sink.models].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version));
}

const named = (s: ModelSnapshot) => ({
  key: s.key,
  version: s.version,
  offset: s.offset,
  intercept: s.intercept,
  coefficients: s.coefficients,
});

describe('snapshots by count (snapshots.everyEvents)', () => {
  it('are taken right after every 50th learned event of each model, whatever the batch size, and are the models those events make', async () => {
    const events = segmentEvents(3000, 5);
    const whole = await snapshots(events, 1024);
    for (const size of [1, 37, 256])
      expect(await snapshots(events, size), `batches of ${size}`).toEqual(whole);

    const config = engineConfig(doc);
    for (const key of ['s0', 's1', 's2']) {
      const mine = whole.filter((s) => s.key === key);
      // a keyed model leaves its key field out (README: keyed models)
      const reference = new OnlineModel({ ...config.model, key, keyField: 'segment' });
      const expected: ModelSnapshot[] = [];
      for (const e of events) {
        if (e.features.segment !== key) continue;
        const checked = validateEvent(e, 'binomial');
        if (!checked.ok) throw new Error(checked.reason);
        reference.process(checked.event);
        if (e.label !== undefined && reference.offset % 50 === 0) expected.push(reference.snapshot());
      }
      // every 50 learned events, then the last one at the end (unless the count is a multiple of 50)
      if (reference.offset % 50 !== 0) expected.push(reference.snapshot());
      expect(expected.length, key).toBeGreaterThan(10);
      expect(mine.map(named), key).toEqual(expected.map(named));
    }
  });
});
