import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { engineConfig, stoppedScheduler } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

/** Events of `keys` campaigns, each with its own informative site; categorical and numeric features. */
function campaignEvents(n: number, keys: number, seed: number): object[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(u() * keys);
    const site = `site${Math.floor(u() * 30)}`;
    const features: Record<string, number | string> = {
      campaign: `c${k}`,
      site,
      device: u() < 0.3 ? 'tablet' : 'phone',
      age: Math.round(18 + u() * 50),
      x: Math.round((u() * 2 - 1) * 100) / 100,
    };
    const eta = (site === `site${k % 30}` ? 1.5 : -0.5) + Number(features.x);
    const label = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    out.push(i % 17 === 0 ? { features } : { label, features });
  }
  return out;
}

async function run(maxLiveModels: number, events: object[]) {
  const config = engineConfig({
    model: { family: 'binomial', keyBy: 'campaign', maxLiveModels, lambda: 0.005, hashBits: 16 },
    refit: { threads: 0, everyEvents: 30, window: 25 },
    snapshots: { everyEvents: 40, everySeconds: 'Infinity' },
  });
  const sink = new MemorySink();
  const engine = new Engine(
    config,
    { source: memorySource(events, 128), sink, store: new MemoryStateStore() },
    { clock: () => new Date('2026-12-01T00:00:00Z'), scheduler: stoppedScheduler },
  );
  const stats = await engine.run();
  const states = new Map<string, unknown>();
  engine.registry.forEach((live, key) => states.set(key, live.state()));
  return { stats, states, sink };
}

describe('keyed models with hashing through a cache of 2', () => {
  it('evicted and restored hundreds of times, they end exactly where models always live end', async () => {
    const events = campaignEvents(1500, 40, 29);
    const bounded = await run(2, events);
    const unbounded = await run(Infinity, events);
    expect(bounded.stats.evictions).toBeGreaterThan(300);
    expect(unbounded.stats.evictions).toBe(0);
    expect(bounded.stats.refits.completed).toBeGreaterThan(20);
    expect(bounded.stats.refits.completed).toBe(unbounded.stats.refits.completed);
    expect([...bounded.states.keys()].sort()).toEqual([...unbounded.states.keys()].sort());
    for (const [key, state] of unbounded.states) expect(bounded.states.get(key), key).toEqual(state);
    // every snapshot's coefficients equal, to the last bit (a refit's solveMs is the machine's)
    const byKey = <T extends { key: string; version: number }>(xs: T[]) =>
      [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version));
    const models = (xs: typeof bounded.sink.models) =>
      byKey(xs).map((m) => ({ ...m, metrics: { ...m.metrics, solveMs: 0 } }));
    expect(bounded.sink.models.length).toBeGreaterThan(40);
    expect(models(bounded.sink.models)).toEqual(models(unbounded.sink.models));
    expect(byKey(bounded.sink.scores as Array<{ key: string; version: number }>)).toEqual(
      byKey(unbounded.sink.scores as Array<{ key: string; version: number }>),
    );
  }, 120_000);
});
