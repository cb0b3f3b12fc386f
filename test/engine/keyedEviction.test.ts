import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { decodeState } from '../../src/model/stateCodec.js';
import { engineConfig, stoppedScheduler } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

/** Events for `keys` segments: each segment's own informative feature, some unlabelled events. */
function keyedEvents(n: number, keys: number, seed: number): object[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * u() * keys); // skewed: some segments are busy, most are rare
    const features: Record<string, number | string> = {
      segment: `s${k}`,
      device: u() < 0.3 ? 'tablet' : 'phone',
    };
    for (let j = 0; j < 5; j++) features[`x${j}`] = Math.round((u() * 2 - 1) * 100) / 100;
    const eta = 1.5 * Number(features[`x${k % 5}`]) - 0.3;
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(i % 13 === 0 ? { features } : { label, features });
  }
  return out;
}

function configOf(maxLiveModels: number, model: Record<string, unknown> = {}, window = 15) {
  return engineConfig({
    model: { family: 'binomial', keyBy: 'segment', maxLiveModels, lambda: 0.01, ...model },
    refit: { threads: 0, everyEvents: 20, window },
    snapshots: { everyEvents: 50, everySeconds: 'Infinity' },
    // smaller input-sparsity tables per model (2,000 models stay in memory in the unbounded run)
    drift: {
      checkEveryEvents: 25,
      inputSparsity: { enabled: true, maxTracked: 64, sketchWidth: 64, windowEvents: 50, warmupEvents: 100 },
    },
  });
}

async function run(
  maxLiveModels: number,
  events: object[],
  model: Record<string, unknown> = {},
  window = 15,
) {
  const config = configOf(maxLiveModels, model, window);
  const store = new MemoryStateStore();
  const sink = new MemorySink();
  const engine = new Engine(
    config,
    { source: memorySource(events, 256), sink, store },
    {
      clock: () => new Date('2026-11-30T00:00:00Z'),
      scheduler: stoppedScheduler,
    },
  );
  const stats = await engine.run();
  const states = new Map<string, unknown>();
  engine.registry.forEach((live, key) => states.set(key, live.state()));
  return { stats, states, sink, engine };
}

describe('keyed models with a bounded cache (DESIGN §8)', () => {
  it('2,000 keys through a cache of 50 end in exactly the states, snapshots, scores and alerts of an unbounded run', async () => {
    const events = keyedEvents(20_000, 2000, 17);
    const bounded = await run(50, events);
    const unbounded = await run(Infinity, events);
    expect(bounded.stats.keys).toBe(unbounded.stats.keys);
    expect(bounded.stats.keys).toBeGreaterThan(1500);
    expect(bounded.stats.evictions).toBeGreaterThan(1000);
    expect(bounded.stats.refits.completed).toBeGreaterThan(10);
    expectSameRuns(bounded, unbounded);
  }, 180_000);

  it('keyed models with hashing (2^16 buckets, each model with columns for the buckets its key has seen) through a cache of 2 end as an unbounded run', async () => {
    const events = keyedEvents(1500, 40, 29);
    const bounded = await run(2, events, { hashBits: 16 });
    const unbounded = await run(Infinity, events, { hashBits: 16 });
    expect(bounded.stats.evictions).toBeGreaterThan(150);
    // a key's 7 names (5 numbers, 2 devices; its segment is its key) in as many columns, not 2^16
    for (const engine of [bounded.engine, unbounded.engine])
      engine.registry.visit((live) => expect(live.model.featurizer.dimension).toBeLessThanOrEqual(8));
    expect(bounded.stats.refits.completed).toBeGreaterThan(20);
    expect(bounded.sink.models.length).toBeGreaterThan(40);
    expectSameRuns(bounded, unbounded);
  }, 120_000);

  it('keyed models in their λ "auto" warm-up (events held, a provisional learner) and with windows past their first 16 rows, exact and hashed, through a cache of 3 end as an unbounded run', async () => {
    const events = keyedEvents(2500, 30, 41);
    for (const model of [{ lambda: 'auto' }, { lambda: 'auto', hashBits: 10 }]) {
      const bounded = await run(3, events, model, 40);
      const unbounded = await run(Infinity, events, model, 40);
      expect(bounded.stats.evictions).toBeGreaterThan(200);
      expect(bounded.sink.models.length).toBeGreaterThan(30);
      expectSameRuns(bounded, unbounded);
    }
  }, 120_000);

  it("the last snapshots come in the keys' order, the same whichever models are in memory", async () => {
    // 10 events a key, fewer than a snapshot's 50: every key's only snapshot is its last, taken at the end
    const events = keyedEvents(400, 40, 7).map((e, i) => {
      const { features } = e as { features: Record<string, unknown> };
      return { ...e, features: { ...features, segment: `s${(i * 7) % 40}` } };
    });
    const keysOf = (r: Awaited<ReturnType<typeof run>>) => r.sink.models.map((m) => m.key);
    const bounded = await run(3, events);
    const unbounded = await run(Infinity, events);
    expect(bounded.stats.evictions).toBeGreaterThan(100);
    expect(keysOf(bounded).length).toBe(40);
    expect(keysOf(bounded)).toEqual([...keysOf(bounded)].sort());
    expect(keysOf(unbounded)).toEqual(keysOf(bounded));
  }, 60_000);

  /** Two runs, one with evictions, the other without, end in the same states and publish the same. */
  function expectSameRuns(
    bounded: Awaited<ReturnType<typeof run>>,
    unbounded: Awaited<ReturnType<typeof run>>,
  ) {
    expect(unbounded.stats.evictions).toBe(0);
    expect(bounded.stats.refits.completed).toBe(unbounded.stats.refits.completed);
    // every key's whole state: learner, featurizer, scaler, metrics, drift detectors, window, refit
    expect([...bounded.states.keys()].sort()).toEqual([...unbounded.states.keys()].sort());
    for (const [key, state] of unbounded.states) expect(bounded.states.get(key), key).toEqual(state);
    // and everything they published (in a key's own order; keys interleave differently)
    const byKey = <T extends { key: string }>(xs: T[]) =>
      [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // (a refit's solveMs is the machine's; nothing else may differ)
    const models = (xs: typeof bounded.sink.models) =>
      byKey(xs).map((m) => ({ ...m, metrics: { ...m.metrics, solveMs: 0 } }));
    expect(models(bounded.sink.models)).toEqual(models(unbounded.sink.models));
    expect(byKey(bounded.sink.scores)).toEqual(byKey(unbounded.sink.scores));
    expect(byKey(bounded.sink.alerts)).toEqual(byKey(unbounded.sink.alerts));
  }

  it('a checkpoint round-trips through bytes, and a corrupt one is refused, never replaced by a new model', async () => {
    const events = keyedEvents(3000, 20, 3);
    // (all in memory: a model that was never restored, so a loss in restoring would show as a difference)
    const { states, engine: trained } = await run(Infinity, events);
    expect(states.size).toBeGreaterThan(10);
    // a model that learned (a window, a refit, drift detectors, coverage), restored from its bytes
    // by another engine, holds the state it was checkpointed with
    const live = trained.registry.acquire('s1');
    expect(live.model.offset).toBeGreaterThan(100);
    expect(live.state().refit).not.toBeNull();
    const bytes = live.checkpoint();
    expect(decodeState(bytes)).toEqual(live.state());
    const config = configOf(1);
    const store = new MemoryStateStore();
    const engine = new Engine(
      config,
      { source: memorySource([]), sink: new MemorySink(), store },
      { clock: () => new Date('2026-11-30T00:00:00Z'), scheduler: stoppedScheduler },
    );
    store.put('s1', bytes);
    const restored = engine.registry.acquire('s1');
    expect(engine.registry.stats.restored).toBe(1);
    expect(restored.state()).toEqual(live.state());
    store.put('s2', bytes.subarray(0, bytes.length - 10));
    expect(() => engine.registry.acquire('s2')).toThrow(/truncated/);
  });
});
