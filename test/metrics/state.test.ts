import { describe, expect, it } from 'vitest';

import { StateError } from '../../src/core/errors.js';
import { StreamingAuc } from '../../src/metrics/auc.js';
import { ProgressiveMetrics } from '../../src/metrics/progressive.js';
import { decodeState, encodeState } from '../../src/model/stateCodec.js';
import { exact } from '../helpers/exact.js';
import { Rng } from '../helpers/random.js';

const roundTrip = <T>(state: T): T => decodeState(encodeState(state)) as T;

/** Seeded (prediction, label, weight) triples; scores on a coarse grid so that ties happen. */
function predictions(seed: number, n: number, family: 'gaussian' | 'binomial') {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const p = Math.round(rng.next() * 50) / 50;
    const label = family === 'binomial' ? (rng.next() < p ? 1 : 0) : p * 3 + rng.normal();
    return { p, label, weight: rng.next() < 0.2 ? 2.5 : 1 };
  });
}

describe('metrics state: a restored metrics object continues bit-identically', () => {
  for (const family of ['gaussian', 'binomial'] as const) {
    it(`${family}: split at random points (AUC reservoir sampling past its capacity)`, () => {
      const events = predictions(11, 3000, family);
      const rng = new Rng(5);
      for (let trial = 0; trial < 6; trial++) {
        const split = rng.int(events.length);
        const a = new ProgressiveMetrics(family, 400);
        events.slice(0, split).forEach((e) => a.update(e.p, e.label, e.weight));
        if (trial % 2 === 0) a.summary(); // a read merges the AUC's queues: must not matter
        const b = ProgressiveMetrics.fromState(roundTrip(a.state()));
        expect(exact(b.summary())).toEqual(exact(a.summary()));
        events.slice(split).forEach((e, i) => {
          expect(b.update(e.p, e.label, e.weight)).toBe(a.update(e.p, e.label, e.weight));
          if (i % 97 === 0) expect(exact(b.summary())).toEqual(exact(a.summary()));
        });
        expect(b.events).toBe(events.length);
        expect(exact(b.summary())).toEqual(exact(a.summary()));
        expect(exact(b.state())).toEqual(exact(a.state()));
      }
    });
  }

  it('the AUC reservoir keeps its sampler: restored without the RNG state it would drift apart', () => {
    const a = new StreamingAuc(100, 3);
    const events = predictions(2, 2000, 'binomial');
    events.slice(0, 500).forEach((e) => a.update(e.p, e.label));
    const state = a.state();
    expect(state.scores.length).toBe(100);
    const b = StreamingAuc.fromState(roundTrip(state));
    const c = StreamingAuc.fromState({ ...state, rngState: state.rngState ^ 1 });
    events.slice(500).forEach((e) => {
      a.update(e.p, e.label);
      b.update(e.p, e.label);
      c.update(e.p, e.label);
    });
    expect(b.value()).toBe(a.value());
    expect(exact(b.state())).toEqual(exact(a.state()));
    expect(exact(c.state())).not.toEqual(exact(a.state()));
  });

  it('inconsistent or mismatched metrics states give StateErrors', () => {
    const a = new ProgressiveMetrics('binomial', 50);
    predictions(1, 100, 'binomial').forEach((e) => a.update(e.p, e.label));
    const s = a.state();
    expect(() => ProgressiveMetrics.fromState({ ...s, family: 'gaussian' })).toThrow(StateError);
    expect(() =>
      ProgressiveMetrics.fromState({ ...s, auc: { ...s.auc!, positive: new Uint8Array(3) } }),
    ).toThrow(/inconsistent/);
    expect(() => StreamingAuc.fromState({ ...s.auc!, scores: [] as unknown as Float64Array })).toThrow(
      StateError,
    );
  });
});

describe('model.aucSample bounds what a binomial model keeps for its AUC', () => {
  it('a model keeps at most aucSample (score, label) pairs in memory and in its checkpoint; 1 is refused', async () => {
    const { OnlineModel } = await import('../../src/model/onlineModel.js');
    const { checkModelConfig } = await import('../../src/config/modelConfig.js');
    const rng = new Rng(3);
    const sizes: number[] = [];
    for (const aucSample of [100, undefined]) {
      const model = new OnlineModel({ family: 'binomial', ...(aucSample ? { aucSample } : {}) });
      for (let i = 0; i < 5000; i++) {
        const x = rng.normal();
        model.process({ label: rng.next() < 1 / (1 + Math.exp(-x)) ? 1 : 0, features: { x } });
      }
      const cp = model.checkpoint() as unknown as {
        metrics: { auc: { capacity: number; scores: Float64Array } };
      };
      sizes.push(cp.metrics.auc.capacity, cp.metrics.auc.scores.length);
    }
    // 100 kept of 5,000; the default keeps all 5,000 (exact) up to 65,536
    expect(sizes[0]).toBe(100);
    expect(sizes[1]).toBeLessThanOrEqual(100);
    expect(sizes[2]).toBe(65_536);
    expect(sizes[3]).toBeGreaterThanOrEqual(5000);
    expect(checkModelConfig({ family: 'binomial', aucSample: 1 }).problems.map((p) => p.path)).toEqual([
      'model.aucSample',
    ]);
  });
});
