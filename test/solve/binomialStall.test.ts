/**
 * A binomial fit whose sweeps reach rounding level before the KKT conditions hold says so: it
 * said "no convergence within 100 Newton iterations" after 19 (or after 251) of them.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solveAt } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

describe('a binomial fit that stalls at rounding level', () => {
  it('names the stall, not an iteration limit it did not reach', () => {
    const rng = new Rng(5);
    // a column of 1e50 on the raw scale: its gradient's rounding (1e34) dwarfs λ
    const rows = Array.from({ length: 200 }, () => [rng.normal() * 1e50, rng.normal()]);
    const y = rows.map((r) => (r[0]! / 1e50 + rng.normal() > 0 ? 1 : 0));
    const fit = solveAt(DenseDesign.fromRows(rows), y, {
      family: 'binomial',
      lambda: 0.01,
      standardize: false,
    });
    expect(fit.converged).toBe(false);
    expect(fit.reason).toMatch(
      /^the KKT violation stalls at [\d.e+-]+ of the threshold: the coordinate sweeps reached rounding level/,
    );
  });
});
