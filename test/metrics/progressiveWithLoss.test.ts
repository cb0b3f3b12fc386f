import { describe, expect, it } from 'vitest';

import { ProgressiveMetrics } from '../../src/metrics/progressive.js';
import { Rng } from '../helpers/random.js';

describe('ProgressiveMetrics.updateWithLoss', () => {
  for (const family of ['binomial', 'gaussian'] as const) {
    it(`${family}: the same sums and AUC as update, given the loss update returned`, () => {
      const rng = new Rng(3);
      const own = new ProgressiveMetrics(family, 64);
      const a = new ProgressiveMetrics(family, 64, false);
      const b = new ProgressiveMetrics(family, 64, false);
      for (let i = 0; i < 500; i++) {
        const mean = family === 'binomial' ? rng.next() : rng.normal();
        const label = family === 'binomial' ? rng.int(2) : rng.normal();
        const loss = own.update(mean, label, 0.5 + rng.next());
        a.update(mean, label);
        b.updateWithLoss(mean, label, loss);
      }
      expect(b.summary()).toEqual(a.summary());
      expect(b.state()).toEqual(a.state());
    });
  }
});

describe('ProgressiveMetrics.admittedLoss', () => {
  for (const family of ['binomial', 'gaussian'] as const) {
    it(`${family}: the loss update computes when every running sum stays finite, else NaN`, () => {
      const rng = new Rng(5);
      const base = new ProgressiveMetrics(family, 64);
      for (let i = 0; i < 50; i++)
        base.update(
          family === 'binomial' ? rng.next() : rng.normal(),
          family === 'binomial' ? rng.int(2) : rng.normal(),
        );
      const cases: Array<[number, number, number]> = [
        [0.3, 1, 1],
        [0.3, 0, 0],
        [0, 1, 1],
        [1, 0, 2.5],
        [Infinity, 1, 1],
        [NaN, 0, 1],
        [0.5, 1, 1e308],
        [0.5, 1, Infinity],
        [0.5, 1e200, 1],
        [0.5, 1e200, 0],
        [-1e200, 0, 1],
        [1e154, 0, 1],
      ];
      for (let i = 0; i < 300; i++) {
        const mean = family === 'binomial' ? rng.next() : rng.normal() * 10 ** rng.int(200);
        cases.push([
          mean,
          family === 'binomial' ? rng.int(2) : rng.normal(),
          rng.next() * 10 ** rng.int(310),
        ]);
      }
      let admitted = 0;
      for (const [mean, label, weight] of cases) {
        // what `update` does to a copy: admitted when the mean and the sums it checks stay finite
        const probe = ProgressiveMetrics.fromState(base.state());
        const loss = probe.update(mean, label, weight);
        const s = probe.state();
        const finite =
          Number.isFinite(mean) &&
          Number.isFinite(s.sumSq) &&
          Number.isFinite(s.sumLoss) &&
          Number.isFinite(s.weight) &&
          (family === 'binomial' || Number.isFinite(s.sumAbs));
        const got = base.admittedLoss(mean, label, weight);
        if (finite) {
          admitted++;
          expect(Object.is(got, loss), `${mean} ${label} ${weight}`).toBe(true);
        } else expect(got, `${mean} ${label} ${weight}`).toBeNaN();
        expect(base.admits(mean, label, weight)).toBe(finite);
      }
      expect(admitted).toBeGreaterThan(50);
      expect(admitted).toBeLessThan(cases.length);
    });
  }
});
