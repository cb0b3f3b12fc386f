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
