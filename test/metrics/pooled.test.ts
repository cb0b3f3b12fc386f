import { describe, expect, it } from 'vitest';

import { StreamingAuc, aucOf } from '../../src/index.js';
import { ProgressiveMetrics } from '../../src/metrics/progressive.js';
import { Rng } from '../helpers/random.js';

/** Events of three keys (scores rounded to 0.01, so some tie), each key's labels at its own rate. */
function keyedEvents(n: number): Array<{ key: number; mean: number; label: number }> {
  const rng = new Rng(11);
  return Array.from({ length: n }, () => {
    const key = rng.int(3);
    const mean = Math.round(100 * rng.next()) / 100;
    const label = rng.next() < 0.2 + 0.2 * key + 0.3 * mean ? 1 : 0;
    return { key, mean, label };
  });
}

describe('ProgressiveMetrics.pooled: the metrics of a keyed run over all keys', () => {
  it('binomial: the sums of all events and their exact AUC, as one set of metrics over all of them', () => {
    const events = keyedEvents(3000);
    const all = new ProgressiveMetrics('binomial', 1 << 16, false);
    const keys = [0, 1, 2].map(() => new ProgressiveMetrics('binomial', 1 << 16));
    for (const e of events) {
      all.update(e.mean, e.label);
      keys[e.key].update(e.mean, e.label);
    }
    const pooled = ProgressiveMetrics.pooled('binomial', keys).summary();
    const want = all.summary();
    expect(pooled.events).toBe(3000);
    for (const k of ['progressiveLoss', 'logLoss', 'brier', 'auc'])
      expect(pooled[k]).toBeCloseTo(want[k], 12);
    // not the AUC of one key's events
    expect(pooled.auc).not.toBeCloseTo(keys[0].summary().auc, 6);
  });

  it('gaussian: the sums of all events', () => {
    const rng = new Rng(5);
    const all = new ProgressiveMetrics('gaussian');
    const keys = [new ProgressiveMetrics('gaussian'), new ProgressiveMetrics('gaussian')];
    for (let i = 0; i < 1000; i++) {
      const mean = rng.normal();
      const label = mean + rng.normal();
      all.update(mean, label);
      keys[i % 2].update(mean, label);
    }
    const pooled = ProgressiveMetrics.pooled('gaussian', keys);
    for (const k of ['events', 'progressiveLoss', 'rmse', 'mae'])
      expect(pooled.summary()[k]).toBeCloseTo(all.summary()[k], 12);
    expect(pooled.constantLoss).toBeCloseTo(all.constantLoss, 12);
  });
});

describe('StreamingAuc.pooled', () => {
  it('reservoirs that hold all their events: the exact AUC of their union', () => {
    const events = keyedEvents(2000);
    const parts = [0, 1, 2].map(() => new StreamingAuc());
    for (const e of events) parts[e.key].update(e.mean, e.label);
    const scores = Float64Array.from(events, (e) => e.mean);
    const labels = Float64Array.from(events, (e) => e.label);
    expect(StreamingAuc.pooled(parts)).toBe(aucOf(scores, labels));
    expect(StreamingAuc.pooled([new StreamingAuc()])).toBeNaN();
  });

  it('a reservoir that is a sample: each of its events weighs seen / sampled (close to the exact AUC)', () => {
    const events = keyedEvents(40_000);
    // key 0 keeps a sample of 500 of its ~13,000 events; a weight of 1 each would count it 26× too little
    const parts = [new StreamingAuc(500), new StreamingAuc(), new StreamingAuc()];
    for (const e of events) parts[e.key].update(e.mean, e.label);
    expect(parts[0].sampled).toBe(500);
    const exact = aucOf(
      Float64Array.from(events, (e) => e.mean),
      Float64Array.from(events, (e) => e.label),
    );
    // the samples' union with a weight of 1 each
    const states = parts.map((p) => p.state());
    const unweighted = aucOf(
      Float64Array.from(states.flatMap((st) => [...st.scores])),
      Float64Array.from(states.flatMap((st) => [...st.positive])),
    );
    const pooled = StreamingAuc.pooled(parts);
    expect(Math.abs(pooled - exact)).toBeLessThan(0.01);
    expect(Math.abs(pooled - exact)).toBeLessThan(Math.abs(unweighted - exact));
  });
});
