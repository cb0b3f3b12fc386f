/**
 * A gaussian fit with unpenalized features (penalty factor 0) is certified by its duality gap only
 * once their gradients are at rounding level: the gap's dual point, the scaled residual, must be
 * orthogonal to them. A differential test against glmnet found fits certified by a gap of
 * 1e-10·var(y) that were 3.1e-9·var(y) above glmnet's objective (37 rows × 132 columns, 7 of them
 * unpenalized; their gradients at 2e-4).
 */
import { describe, expect, it } from 'vitest';

import { checkKkt, DenseDesign, solveAt } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

describe('a gaussian fit with unpenalized features, more columns than rows', () => {
  it('is certified only at the optimum (KKT from scratch), and is certified', () => {
    let converged = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Rng(seed);
      const n = 30 + rng.int(20);
      const p = 80 + rng.int(80);
      const sizes = Array.from({ length: p }, () => 10 ** (rng.next() * 6 - 3));
      const rows = Array.from({ length: n }, () => sizes.map((s) => rng.normal() * s));
      const y = rows.map((r) => r[0]! / sizes[0]! - 0.5 * (r[1]! / sizes[1]!) + rng.normal());
      const pf = Array.from({ length: p }, () => [0, 0.5, 1, 2][rng.int(4)]! * (rng.next() < 0.2 ? 0 : 1));
      const lambda = 0.05 * (1 + rng.next());
      const options = { family: 'gaussian' as const, lambda, standardize: false, penaltyFactors: pf };
      const x = DenseDesign.fromRows(rows);
      const fit = solveAt(x, y, options);
      if (!fit.converged) continue;
      converged++;
      expect(checkKkt(x, y, fit, lambda, options).maxViolation, `seed ${seed}`).toBeLessThan(1e-6);
    }
    // (the others stall far from the optimum, and say so: coordinate descent on these designs)
    expect(converged).toBeGreaterThanOrEqual(6);
  });
});
