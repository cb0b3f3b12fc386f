import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import type { ModelSnapshot } from '../../src/model/snapshot.js';
import { engineConfig, stoppedScheduler } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

type Features = Record<string, number | string | boolean | string[]>;

/**
 * Events of 3 segments keyed by `segment`: a string for s0 and s1; for the third, the number 7, the
 * string "7" and (unlabelled) `true`-less events mixed, all keying the model "7".
 */
function segmentEvents(n: number, seed: number): Array<{ label?: number; features: Features }> {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: Array<{ label?: number; features: Features }> = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * 3);
    const segment: number | string = k === 2 ? (u() < 0.5 ? 7 : '7') : `s${k}`;
    const features: Features = { device: u() < 0.3 ? 'tablet' : 'phone', segment };
    for (let j = 0; j < 4; j++) features[`x${j}`] = Math.round((u() * 2 - 1) * 100) / 100;
    if (u() < 0.2) features.tags = ['a', u() < 0.5 ? 'b' : 'c'];
    const eta = 1.2 * Number(features[`x${k}`]) + (k === 1 ? 0.8 : -0.5);
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(i % 11 === 0 ? { features } : { label, features });
  }
  return out;
}

async function run(events: readonly object[], model: Record<string, unknown>) {
  const config = engineConfig({
    model: { family: 'binomial', lambda: 0.005, ...model },
    refit: { threads: 0, everyEvents: 150, window: 120 },
    snapshots: { everyEvents: 100, everySeconds: 'Infinity' },
  });
  const sink = new MemorySink();
  const engine = new Engine(
    config,
    // batches of one event: a key's snapshots and refits come at the same events as in a run of its own
    { source: memorySource(events, 1), sink, store: new MemoryStateStore() },
    { clock: () => new Date('2026-11-30T00:00:00Z'), scheduler: stoppedScheduler },
  );
  await engine.run();
  return sink;
}

/**
 * A snapshot without its key and timings; with hashing without its column count too (the key's
 * name is among the named columns of the keyed vocabulary).
 */
function comparable(m: ModelSnapshot, hashed: boolean): unknown {
  const { key: _key, ...rest } = m;
  const { features, solveMs: _solve, refitMs: _refit, ...metrics } = m.metrics as Record<string, unknown>;
  return { ...rest, metrics: hashed ? metrics : { ...metrics, features } };
}

describe('a keyed model leaves its key field out of its features (README: keyed models)', () => {
  for (const hashBits of [undefined, 12]) {
    it(`each key's model is the model of its events without the key field${hashBits ? ' (hashed)' : ''}: snapshots, refits and scores`, async () => {
      const events = segmentEvents(1500, 5);
      const hashing = hashBits === undefined ? {} : { hashBits };
      const keyed = await run(events, { keyBy: 'segment', ...hashing });
      for (const key of ['s0', 's1', '7']) {
        const own = events
          .filter((e) => String(e.features.segment) === key)
          .map((e) => {
            const { segment: _segment, ...features } = e.features;
            return { ...e, features };
          });
        const alone = await run(own, hashing);
        const mine = keyed.models.filter((m) => m.key === key);
        expect(mine.length).toBeGreaterThan(3);
        expect(mine.some((m) => m.source === 'refit')).toBe(true);
        // no coefficient of the key field, in any snapshot
        for (const m of mine)
          for (const name of Object.keys(m.coefficients)) expect(name).not.toMatch(/^segment/);
        const hashed = hashBits !== undefined;
        expect(mine.map((m) => comparable(m, hashed))).toEqual(
          alone.models.map((m) => comparable(m, hashed)),
        );
        const scores = keyed.scores.filter((s) => s.key === key).map((s) => s.prediction);
        expect(scores.length).toBeGreaterThan(10);
        expect(scores).toEqual(alone.scores.map((s) => s.prediction));
      }
    }, 60_000);
  }

  it('a model restored from a checkpoint made before the key field was left out goes on learning it', () => {
    const options = { family: 'binomial' as const, lambda: 0.001, key: 's1' };
    const events = segmentEvents(600, 9).filter((e) => e.features.segment === 's1' && e.label !== undefined);
    const before = new OnlineModel(options);
    for (const e of events.slice(0, 100)) before.process(e);
    // an older checkpoint has no keyField
    const { keyField: _k, ...older } = before.checkpoint();
    const restored = OnlineModel.restore({ ...options, keyField: 'segment' }, older);
    const fresh = OnlineModel.restore({ ...options, keyField: 'segment' }, before.checkpoint());
    for (const e of events.slice(100)) {
      before.process(e);
      restored.process(e);
      fresh.process(e);
    }
    const last = (m: OnlineModel) => m.snapshot().coefficients;
    expect(last(restored)).toEqual(last(before));
    expect(Object.keys(last(before))).toContain('segment=s1');
    // a checkpoint taken without a key field records none: that model goes on learning the field too
    expect(last(fresh)).toEqual(last(before));
    const keyedFromStart = new OnlineModel({ ...options, keyField: 'segment' });
    for (const e of events) keyedFromStart.process(e);
    const again = OnlineModel.restore({ ...options, keyField: 'segment' }, keyedFromStart.checkpoint());
    expect(again.checkpoint().keyField).toBe('segment');
    expect(Object.keys(last(keyedFromStart))).not.toContain('segment=s1');
  });
});
