import { Engine } from '../../src/engine/engine.js';
import type { MemoryStateStore } from '../../src/engine/ports.js';
import { engineConfig, stoppedScheduler } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

/** `passes` rounds over `users` users, one labelled event each per round. */
export function userEvents(users: number, passes: number): object[] {
  const out: object[] = [];
  for (let p = 0; p < passes; p++)
    for (let u = 0; u < users; u++)
      out.push({ label: (u + p) % 2, features: { user: `u${u}`, x: ((u * 7 + p) % 5) - 2 } });
  return out;
}

/**
 * Runs `users` users × `passes` rounds keyed by user, `maxLiveModels` models in memory, evicted
 * into `store`, a snapshot after every event; the run's stats and the snapshots published.
 */
export async function runUserRounds(
  store: MemoryStateStore,
  users: number,
  passes: number,
  maxLiveModels: number,
  batchSize: number,
) {
  const config = engineConfig({
    model: { family: 'binomial', keyBy: 'user', maxLiveModels, lambda: 0.01 },
    refit: { enabled: false },
    snapshots: { everyEvents: 1, everySeconds: 'Infinity' },
  });
  const sink = new MemorySink();
  const engine = new Engine(
    config,
    { source: memorySource(userEvents(users, passes), batchSize), sink, store },
    { clock: () => new Date('2026-11-30T00:00:00Z'), scheduler: stoppedScheduler },
  );
  const stats = await engine.run();
  return { stats, models: sink.models };
}
