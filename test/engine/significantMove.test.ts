import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { EventSource } from '../../src/engine/ports.js';
import type { Alert } from '../../src/model/snapshot.js';
import { batchedSource, engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

/**
 * A new user's stream: 8 numeric features, label from b·x0 + 0.6·x1 − 0.5·x2 with b = 1, and
 * b = −1 from event 50,000 (the strongest effect flips). Refits every 20,000 events on the last
 * 20,000: the one at 60,000 straddles the flip (x0 near 0, out of the support), the one at 80,000
 * is all after it (x0 ≈ −1).
 */
function source(n: number, flipAt: number, seed: number): EventSource {
  return batchedSource(n, seed, (i, { u, normal }) => {
    const features: Record<string, number> = {};
    for (let j = 0; j < 8; j++) features[`x${j}`] = Math.round(normal() * 1000) / 1000;
    const eta = (i < flipAt ? 1 : -1) * features.x0! + 0.6 * features.x1! - 0.5 * features.x2!;
    return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features };
  });
}

async function run(
  n: number,
  flipAt: number,
  drift: Record<string, unknown> = { significance: 5 },
): Promise<MemorySink> {
  const sink = new MemorySink();
  const config = engineConfig({
    model: { family: 'binomial' },
    // inline refits: deterministic, every one of them runs
    refit: { threads: 0, everyEvents: 20_000, window: 20_000 },
    snapshots: { everyEvents: n, everySeconds: 'Infinity' },
    drift,
  });
  await new Engine(config, { source: source(n, flipAt, 11), sink }).run();
  return sink;
}

/** Refit support and sign alerts that name x0: where, and what. */
function aboutX0(alerts: readonly Alert[]): string[] {
  return alerts
    .filter((a) => a.details.source === 'refit' && (a.type === 'support-drift' || a.type === 'sign-flip'))
    .filter((a) => JSON.stringify(a.details).includes('"x0"'))
    .map((a) => `${a.type} ${a.severity} @${a.offset}`);
}

describe('drift.significance 5: a refit coefficient that moves by many standard errors is reported by that refit', () => {
  it('the strongest effect flips at 50,000: named as it leaves at 60,000 and as it flips at 80,000', async () => {
    const sink = await run(100_000, 50_000);
    const refits = sink.models.filter((m) => m.source === 'refit').map((m) => m.offset);
    expect(refits).toEqual([20_000, 40_000, 60_000, 80_000, 100_000]);
    // (60,000's window: x0 averages out and leaves; 80,000's: x0 back with the other sign)
    const at60 = sink.models.find((m) => m.source === 'refit' && m.offset === 60_000)!;
    expect(at60.coefficients.x0 ?? 0).toBe(0);
    expect(aboutX0(sink.alerts)).toEqual([
      'support-drift warning @60000',
      'support-drift warning @80000',
      'sign-flip warning @80000',
    ]);
    const left = sink.alerts.find((a) => a.type === 'support-drift' && a.offset === 60_000)!;
    expect(left.details.left).toEqual(['x0']);
    const flip = sink.alerts.find((a) => a.type === 'sign-flip' && a.details.source === 'refit')!;
    expect(flip.details.flips).toEqual([
      { feature: 'x0', before: expect.any(Number), after: expect.any(Number) },
    ]);
  }, 60_000);

  it('with drift.significance 0 the same moves wait for persistence: the flip only at 100,000; 5 is the default', async () => {
    const sink = await run(100_000, 50_000, { significance: 0 });
    expect(aboutX0(sink.alerts)).toEqual(['sign-flip warning @100000']);
    const byDefault = await run(100_000, 50_000, {});
    expect(aboutX0(byDefault.alerts)).toEqual([
      'support-drift warning @60000',
      'support-drift warning @80000',
      'sign-flip warning @80000',
    ]);
  }, 90_000);

  it('the same stream without the flip: no refit support or sign alert', async () => {
    const sink = await run(100_000, Infinity);
    expect(
      sink.alerts
        .filter((a) => a.details.source === 'refit')
        .map((a) => `${a.type}@${a.offset}: ${a.message}`),
    ).toEqual([]);
  }, 60_000);
});
