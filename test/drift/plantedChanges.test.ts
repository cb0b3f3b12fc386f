import { describe, expect, it } from 'vitest';

import { DriftMonitor } from '../../src/drift/index.js';
import type { Alert } from '../../src/model/snapshot.js';
import { feed, fixedClock, learnedBatch, snapshot, syntheticEvents } from './helpers.js';

const rates = Array.from({ length: 60 }, (_, j) => [0.5, 0.2, 0.05, 0.01, 0.002][j % 5]);
/** The windowed input-drift test (no longer the default), alone. */
const windowed = { inputSparsity: { enabled: true }, inputSequential: { enabled: false } } as const;
const types = (alerts: readonly Alert[]) => [...new Set(alerts.map((a) => a.type))];

describe('a planted change of each kind is reported by the right detector, naming the right features', () => {
  it('support moves: c leaves and d enters → one support-drift alert, Jaccard distance 1 − 2/4', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    const alerts: Alert[] = [];
    for (let v = 1; v <= 20; v++) {
      const coefficients: Record<string, number> = v < 10 ? { a: 2, b: -1, c: 0.5 } : { a: 2, b: -1, d: 0.7 };
      alerts.push(...monitor.onSnapshot(snapshot(v, coefficients)));
    }
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.type).toBe('support-drift');
    // persistence 2: the second snapshot of the new support (version 11) confirms the move
    expect(alert.offset).toBe(11_000);
    expect(alert.details).toMatchObject({
      entered: ['d'],
      left: ['c'],
      jaccardDistance: 0.5,
      source: 'online',
    });
    // the online model's support moves as it converges: informational only
    expect(alert.severity).toBe('info');
    expect(alert.createdAt).toBe('2026-11-23T00:00:00.000Z');
    expect(alert.message).toContain('entered: d');
  });

  it('the same move between refits (exact supports) is critical at Jaccard distance 0.5, a warning at 0.25', () => {
    const severities = (after: Record<string, number>) => {
      const monitor = new DriftMonitor({ clock: fixedClock });
      const alerts: Alert[] = [];
      for (let v = 1; v <= 20; v++)
        alerts.push(...monitor.onSnapshot(snapshot(v, v < 10 ? { a: 2, b: -1, c: 0.5 } : after, 'refit')));
      return alerts.map((a) => `${a.type}:${a.severity}`);
    };
    expect(severities({ a: 2, b: -1, d: 0.7 })).toEqual(['support-drift:critical']);
    expect(severities({ a: 2, b: -1, c: 0.5, d: 0.7 })).toEqual(['support-drift:warning']);
  });

  it('one refit feature of five leaving is a Jaccard distance of exactly 0.2: a warning', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    const alerts: Alert[] = [];
    const before = { a: 1, b: -1, c: 1, d: -1, e: 1 };
    const after = { a: 1, b: -1, c: 1, d: -1 };
    for (let v = 1; v <= 20; v++)
      alerts.push(...monitor.onSnapshot(snapshot(v, v < 10 ? before : after, 'refit')));
    expect(alerts.map((a) => `${a.type}:${a.severity}`)).toEqual(['support-drift:warning']);
    // (1 − 4/5 in floating point is 0.19999999999999996)
    expect(alerts[0].details).toMatchObject({ left: ['e'], jaccardDistance: 0.2 });
  });

  it('online snapshots and refits are tracked separately (a refit support differing from online is no drift)', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    const alerts: Alert[] = [];
    for (let v = 1; v <= 10; v++) {
      alerts.push(...monitor.onSnapshot(snapshot(v, { a: 2, b: -1 }, 'online')));
      alerts.push(...monitor.onSnapshot(snapshot(v, { a: 2, e: 1 }, 'refit')));
    }
    expect(alerts).toEqual([]);
  });

  it('a sign flips and stays flipped → one sign-flip alert naming b, and no support drift', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    const alerts: Alert[] = [];
    for (let v = 1; v <= 20; v++)
      alerts.push(...monitor.onSnapshot(snapshot(v, { a: 2, b: v < 10 ? -1 : 0.8, c: 0.5 })));
    expect(types(alerts)).toEqual(['sign-flip']);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].offset).toBe(11_000);
    expect(alerts[0].details).toMatchObject({ flips: [{ feature: 'b', before: -1, after: 0.8 }] });
  });

  it('a sign that flips for one snapshot only is not reported', () => {
    const monitor = new DriftMonitor({ clock: fixedClock });
    const alerts: Alert[] = [];
    for (let v = 1; v <= 20; v++)
      alerts.push(...monitor.onSnapshot(snapshot(v, { a: 2, b: v === 10 ? 0.8 : -1 })));
    expect(alerts).toEqual([]);
  });

  it('a feature stops arriving (broken upstream) → critical input-drift naming it, at the end of the next window', () => {
    const monitor = new DriftMonitor({ family: 'binomial', clock: fixedClock, config: windowed });
    const after = rates.map((r, j) => (j === 7 ? 0 : r));
    const names = (j: number) => (j === 7 ? 'country=DE' : `f${j}`);
    const alerts = feed(
      syntheticEvents(5, 200_000, rates, { changeAt: 100_000, ratesAfter: after }),
      1000,
      (b) => monitor.onBatch(b),
      names,
    );
    expect(types(alerts)).toEqual(['input-drift']);
    expect(alerts).toHaveLength(1);
    // windows of 20 000 events: the change at 100 000 fills the window that closes at 120 000
    expect(alerts[0].offset).toBe(120_000);
    expect(alerts[0].severity).toBe('critical');
    expect(alerts[0].details).toMatchObject({
      stopped: [{ feature: 'country=DE', recentRate: 0 }],
      appeared: [],
      changed: [],
    });
    expect(alerts[0].message).toContain('stopped arriving: country=DE');
  });

  it('a new field appears → input-drift naming it as appeared', () => {
    const monitor = new DriftMonitor({ clock: fixedClock, config: windowed });
    const after = [...rates, 0.05];
    const alerts = feed(
      syntheticEvents(6, 200_000, rates, { changeAt: 90_000, ratesAfter: after }),
      1000,
      (b) => monitor.onBatch(b),
    );
    expect(types(alerts)).toEqual(['input-drift']);
    expect(alerts[0].offset).toBe(100_000);
    expect((alerts[0].details.appeared as Array<{ feature: string }>).map((x) => x.feature)).toEqual(['f60']);
  });

  it('with the exact counters full, a new field is still found through the sketch and named', () => {
    const monitor = new DriftMonitor({
      clock: fixedClock,
      config: { ...windowed, inputSparsity: { enabled: true, maxTracked: 60 } },
    });
    const after = [...rates, 0.05];
    const alerts = feed(
      syntheticEvents(6, 200_000, rates, { changeAt: 90_000, ratesAfter: after }),
      1000,
      (b) => monitor.onBatch(b),
    );
    expect(types(alerts)).toEqual(['input-drift']);
    expect(alerts[0].details).toMatchObject({ appeared: [{ feature: 'f60', statistic: 0 }] });
  });

  it('more non-zeros per event (every rate × 1.5) → input-drift on the count of non-zeros, no single feature', () => {
    const monitor = new DriftMonitor({ clock: fixedClock, config: windowed });
    const alerts = feed(
      syntheticEvents(8, 200_000, rates, { changeAt: 100_000, ratesAfter: rates.map((r) => r * 1.5) }),
      1000,
      (b) => monitor.onBatch(b),
    );
    expect(types(alerts)).toEqual(['input-drift']);
    const d = alerts[0].details as {
      nnz: { referenceMean: number; recentMean: number };
      stopped: [];
      appeared: [];
      changed: [];
    };
    expect(d.stopped.length + d.appeared.length + d.changed.length).toBe(0);
    expect(d.nnz.recentMean / d.nnz.referenceMean).toBeCloseTo(1.5, 1);
  });

  it('the base rate shifts (0.3 → 0.45) → one loss-drift alert, nothing else', () => {
    const monitor = new DriftMonitor({ family: 'binomial', clock: fixedClock });
    const alerts = feed(
      syntheticEvents(9, 200_000, rates, { changeAt: 100_000, baseRateAfter: 0.45 }),
      1000,
      (b) => monitor.onBatch(b),
    );
    // one change, one alert: the four tests (loss and label rate × Page-Hinkley and ADWIN) share it
    expect(alerts).toHaveLength(1);
    expect(alerts[0].type).toBe('loss-drift');
    expect(alerts[0].offset).toBeGreaterThan(100_000);
    expect(alerts[0].offset).toBeLessThan(103_000);
    expect(alerts[0].details.shift as number).toBeGreaterThan(0);
  });

  for (const signal of ['loss', 'label-rate'] as const) {
    for (const detector of ['page-hinkley', 'adwin'] as const) {
      it(`the base-rate shift is found by ${detector} alone on the ${signal}`, () => {
        const monitor = new DriftMonitor({
          family: signal === 'label-rate' ? 'binomial' : 'gaussian',
          clock: fixedClock,
          config: {
            loss: {
              pageHinkley: { enabled: detector === 'page-hinkley' },
              adwin: { enabled: detector === 'adwin' },
            },
          },
        });
        const alerts = feed(
          syntheticEvents(9, 200_000, rates, { changeAt: 100_000, baseRateAfter: 0.45 }),
          1000,
          (b) => monitor.onBatch(b),
        );
        expect(alerts).toHaveLength(1);
        expect(alerts[0].details).toMatchObject({ detector });
        expect(alerts[0].offset).toBeGreaterThan(100_000);
        expect(alerts[0].offset).toBeLessThan(104_000);
        if (signal === 'label-rate') expect(['loss', 'label-rate']).toContain(alerts[0].details.signal);
      });
    }
  }

  it('the squared error doubles its scale (gaussian) → loss-drift', () => {
    const monitor = new DriftMonitor({ family: 'gaussian', clock: fixedClock });
    const alerts = feed(
      syntheticEvents(10, 150_000, rates, { sd: 1, changeAt: 100_000, sdAfter: 1.5 }),
      1000,
      (b) => monitor.onBatch(b),
    );
    expect(types(alerts)).toEqual(['loss-drift']);
    expect(alerts.every((a) => a.details.signal === 'loss' && a.offset > 100_000)).toBe(true);
  });

  it('alerts are logged at warn level', () => {
    const lines: string[] = [];
    const monitor = new DriftMonitor({ clock: fixedClock, logger: { warn: (_o, msg) => lines.push(msg) } });
    for (let v = 1; v <= 5; v++) monitor.onSnapshot(snapshot(v, v < 3 ? { a: 1 } : { b: 1 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('support of the online model changed');
  });
});

/** Seeded uniform noise in [−0.5, 0.5) (a linear congruential generator). */
function uniformNoise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

describe('the direction of a loss shift is judged against the level just before it', () => {
  it('a loss that fell while the model learned, then rises, is reported as a rise (warning or worse)', () => {
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'gaussian' });
    const noise = uniformNoise(11);
    const alerts: Alert[] = [];
    const events: { label: number; loss: number; features: number[] }[] = [];
    for (let i = 0; i < 40_000; i++) {
      // learning: 21 → 9 over the first 20,000 events; the change at 30,000 doubles the loss
      const level = i < 20_000 ? 21 - (12 * i) / 20_000 : i < 30_000 ? 9 : 18;
      events.push({ label: 0, loss: level * (1 + noise()), features: [0] });
    }
    for (let start = 0; start < events.length; start += 500)
      alerts.push(...monitor.onBatch(learnedBatch(events.slice(start, start + 500), start)));
    const after = alerts.filter((a) => a.type === 'loss-drift' && a.offset > 30_000);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after[0].message).toMatch(/rose from 9\.\d+ to/);
    // its size as a ratio of the means, beside its shift in sd of one event's loss
    const [, from, to, ratio] =
      /from ([\d.]+) to ([\d.]+) \(×([\d.]+); -?[\d.]+ sd of one event's loss\)/.exec(after[0].message)!;
    expect(Number(ratio)).toBeCloseTo(Number(to) / Number(from), 2);
    expect(['warning', 'critical']).toContain(after[0].severity);
    expect(after[0].offset).toBeLessThan(31_000);
  });

  it('losses in the tens of thousands are written out (27000, not 2.700e+4)', () => {
    const monitor = new DriftMonitor({ clock: fixedClock, family: 'gaussian' });
    const noise = uniformNoise(5);
    const alerts: Alert[] = [];
    for (let start = 0; start < 30_000; start += 500) {
      const batch = Array.from({ length: 500 }, (_, k) => ({
        label: 0,
        loss: (start + k < 20_000 ? 9000 : 30_000) * (1 + noise()) + 0.25,
        features: [0],
      }));
      alerts.push(...monitor.onBatch(learnedBatch(batch, start)));
    }
    const rise = alerts.find((a) => a.type === 'loss-drift' && a.offset > 20_000)!;
    expect(rise.message).not.toMatch(/e\+/);
    const [, from, to] = /rose from ([\d.]+) to ([\d.]+) /.exec(rise.message)!;
    expect(Number(from)).toBeGreaterThan(8000);
    expect(Number(to)).toBeGreaterThan(10_000);
    expect(Number(to)).toBe(Math.round(Number(to)));
  });
});
