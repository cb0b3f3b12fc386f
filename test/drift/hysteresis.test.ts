import { describe, expect, it } from 'vitest';

import {
  InputSparsityDetector,
  SupportDriftDetector,
  jaccardDistance,
  relativeWeights,
} from '../../src/drift/index.js';
import { snapshot } from './helpers.js';

describe('support hysteresis', () => {
  it('a coefficient in the band between exit and enter neither enters nor leaves', () => {
    const det = new SupportDriftDetector({ enter: 0.05, exit: 0.01, persistence: 2, warmupSnapshots: 2 });
    let fired = 0;
    // a: the largest; h enters (2 snapshots at 6%), then wanders between 2% and 4% (inside the band)
    const shares = [0.06, 0.06, 0.02, 0.04, 0.02, 0.03, 0.04, 0.02, 0.03, 0.02];
    shares.forEach((s, v) => {
      det.update(snapshot(v + 1, { a: 10, h: 10 * s }));
      if (det.driftDetected) fired++;
    });
    expect(fired).toBe(0);
    expect(det.support).toEqual(['a', 'h']);
  });

  it('a coefficient flapping between material and zero on alternate snapshots never enters', () => {
    const det = new SupportDriftDetector();
    for (let v = 1; v <= 50; v++) {
      det.update(snapshot(v, v % 2 ? { a: 1, f: 0.5 } : { a: 1 }));
      expect(det.driftDetected).toBe(false);
    }
    expect(det.support).toEqual(['a']);
  });

  it('relative weights are scale-free given the feature sd (|β|·sd / max), and Jaccard is 1 − |A∩B|/|A∪B|', () => {
    // b in thousands: β_b·sd_b = 0.002 · 1000 = 2, the same weight as a
    const w = relativeWeights(snapshot(1, { a: 2, b: 0.002 }), new Map(), (n) => (n === 'b' ? 1000 : 1));
    expect(Object.fromEntries(w)).toEqual({ a: 1, b: 1 });
    expect(jaccardDistance(new Set(['a', 'b', 'c']), ['b', 'c', 'd'])).toBe(0.5);
    expect(jaccardDistance(new Set(), [])).toBe(0);
  });
});

describe('input sparsity memory', () => {
  it('under endless new (hashed) ids, rare features give their exact counters back, so a new field still gets one', () => {
    const det = new InputSparsityDetector({ windowEvents: 1000, warmupEvents: 1000, maxTracked: 128 });
    const view = { indices: new Int32Array(4), start: 0, end: 3 };
    const found = [];
    for (let i = 0; i < 40_000; i++) {
      view.indices[0] = 1; // always there
      view.indices[1] = 1000 + i; // a new id every event (a hashed user id)
      view.indices[2] = 2_000_000 + (i % 7); // recurring, 1 in 7
      view.end = 3;
      if (i >= 30_000 && i % 10 === 0) view.indices[view.end++] = 5; // a new field, from event 30 000
      det.update(view);
      if (det.driftDetected) found.push({ at: i, report: det.report! });
    }
    expect(found).toHaveLength(1);
    expect(found[0].at).toBe(30_999);
    // judged on an exact counter (G statistic > 0), not through the sketch
    expect(found[0].report.appeared.map((x) => x.index)).toEqual([5]);
    expect(found[0].report.appeared[0].statistic).toBeGreaterThan(0);
    expect(found[0].report.stopped).toEqual([]);
  });
});
