import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { EventSource } from '../../src/engine/ports.js';
import { batchedSource, engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

/**
 * Events whose label carries no signal: a number `usage` (mean 50, sd 10), two standard normals and
 * a 3-level `plan`, with a label independent of all of them (binomial: rate 0.25; gaussian:
 * 1,000 + 50·noise, in `unit`s). λ "auto" then fits noise in every refit window, and the one-hot
 * levels of `plan` trade places in the refits' supports with coefficients of a few hundredths.
 */
function source(n: number, seed: number, family: 'binomial' | 'gaussian', unit = 1): EventSource {
  const plans = ['basic', 'plus', 'pro'];
  return batchedSource(n, seed, (_, { u, normal }) => {
    const features = {
      usage: Math.round((50 + 10 * normal()) * 100) / 100,
      a: Math.round(normal() * 1000) / 1000,
      b: Math.round(normal() * 1000) / 1000,
      plan: plans[Math.floor(u() * 3)],
    };
    const label =
      family === 'binomial' ? (u() < 0.25 ? 1 : 0) : Math.round((1000 + 50 * normal()) * unit * 100) / 100;
    return { label, features };
  });
}

async function modelAlerts(
  n: number,
  seed: number,
  family: 'binomial' | 'gaussian',
  drift: Record<string, unknown> = {},
  unit = 1,
) {
  const sink = new MemorySink();
  const config = engineConfig({
    model: { family },
    // inline refits: deterministic, every one of them runs
    refit: { threads: 0 },
    snapshots: { everyEvents: n, everySeconds: 'Infinity' },
    drift,
  });
  await new Engine(config, { source: source(n, seed, family, unit), sink }).run();
  const alerts = sink.alerts.filter((a) => a.type === 'support-drift' || a.type === 'sign-flip');
  const refits = sink.models.filter((m) => m.source === 'refit');
  return { alerts, serious: alerts.filter((a) => a.severity !== 'info'), refits };
}

describe('a label without signal raises no support or sign alert above info (drift.minEffect)', () => {
  it('binomial: the refits fit noise, and the floor keeps their moves from paging', async () => {
    const quiet = await modelAlerts(200_000, 3, 'binomial');
    // the refits did fit noise: non-zero coefficients of a few hundredths
    expect(quiet.refits.length).toBeGreaterThanOrEqual(8);
    const largest = Math.max(...quiet.refits.flatMap((r) => Object.values(r.coefficients).map(Math.abs)));
    expect(largest).toBeGreaterThan(0.02);
    expect(largest).toBeLessThan(0.1);
    expect(quiet.serious).toEqual([]);
    // shares of the largest effect alone (the criterion before minEffect and noiseFloor) page on the same stream
    const loud = await modelAlerts(200_000, 3, 'binomial', { minEffect: 0, noiseFloor: 0 });
    expect(loud.serious.length).toBeGreaterThanOrEqual(2);
  });

  it('gaussian, in any unit of the target: no alert above info', async () => {
    for (const unit of [1, 1000]) {
      const { serious, refits } = await modelAlerts(120_000, 8, 'gaussian', {}, unit);
      expect(refits.length).toBeGreaterThanOrEqual(5);
      expect(serious).toEqual([]);
    }
    const loud = await modelAlerts(120_000, 8, 'gaussian', { minEffect: 0, noiseFloor: 0 }, 1000);
    expect(loud.serious.length).toBeGreaterThanOrEqual(1);
  });
});
