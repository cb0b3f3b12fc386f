import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import type { EventSource } from '../../src/engine/ports.js';
import { batchedSource, engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

/**
 * Binomial events with 20 numeric features x0..x19 (standard normal) and a 6-level field; the
 * informative features are x0..x4 before `moveAt` and x10..x14 from it on (coefficients ±0.8).
 */
function source(n: number, moveAt: number, seed: number): EventSource {
  return batchedSource(n, seed, (i, { u, normal }) => {
    const features: Record<string, number | string> = { segment: `s${Math.floor(u() * 6)}` };
    let eta = -0.5;
    const first = i < moveAt ? 0 : 10;
    for (let j = 0; j < 20; j++) {
      const x = Math.round(normal() * 1000) / 1000;
      features[`x${j}`] = x;
      if (j >= first && j < first + 5) eta += (j % 2 === 0 ? 0.8 : -0.8) * x;
    }
    return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features };
  });
}

const config = (n: number) =>
  engineConfig({
    model: { family: 'binomial' },
    // inline refits: deterministic, every one of them runs
    refit: { threads: 0, everyEvents: 20_000, window: 20_000, tolerance: 1e-6 },
    snapshots: { everyEvents: n, everySeconds: 'Infinity' },
  });

const numeric = (coefficients: Record<string, number>) =>
  Object.keys(coefficients).filter((k) => /^x\d+$/.test(k));

describe('support drift in the stream, judged on refits', () => {
  it('informative features move at event 60,000: the first refit after the move has the new support, and a support alert ≥ warning follows within one refit period', async () => {
    const sink = new MemorySink();
    await new Engine(config(140_000), { source: source(140_000, 60_000, 5), sink }).run();
    const refits = sink.models.filter((m) => m.source === 'refit');
    const after = refits.find((r) => r.window!.first > 60_000)!;
    expect(after.window).toEqual({ first: 60_001, last: 80_000, events: 20_000 });
    const support = numeric(after.coefficients);
    const planted = ['x10', 'x11', 'x12', 'x13', 'x14'];
    expect(support).toEqual(expect.arrayContaining(planted));
    expect(support.length - planted.length).toBeLessThanOrEqual(3);
    const before = refits.filter((r) => r.window!.last <= 60_000).at(-1)!;
    expect(numeric(before.coefficients)).toEqual(expect.arrayContaining(['x0', 'x1', 'x2', 'x3', 'x4']));

    const serious = sink.alerts.filter((a) => a.type === 'support-drift' && a.severity !== 'info');
    expect(serious.length).toBeGreaterThanOrEqual(1);
    const first = serious[0];
    expect(first.offset).toBeGreaterThanOrEqual(after.window!.last);
    expect(first.offset).toBeLessThanOrEqual(after.window!.last + 20_000 + 1000);
    expect(first.details).toMatchObject({ source: 'refit' });
    expect(first.details.entered).toEqual(expect.arrayContaining(planted));
    // an old feature can linger at a small weight in a later window (hysteresis keeps it in)
    const left = first.details.left as string[];
    expect(['x0', 'x1', 'x2', 'x3', 'x4'].filter((x) => left.includes(x)).length).toBeGreaterThanOrEqual(4);
    // nothing serious before the move could be seen
    expect(sink.alerts.filter((a) => a.severity !== 'info' && a.offset < 60_000)).toEqual([]);
  });

  it('a stationary stream of 1,000,000 events raises no warning or critical alert', async () => {
    const sink = new MemorySink();
    await new Engine(config(1_000_000), { source: source(1_000_000, Infinity, 9), sink }).run();
    expect(sink.models.filter((m) => m.source === 'refit').length).toBe(50);
    expect(
      sink.alerts.filter((a) => a.severity !== 'info').map((a) => `${a.type}@${a.offset}: ${a.message}`),
    ).toEqual([]);
  }, 180_000);
});
