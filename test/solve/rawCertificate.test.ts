import { describe, expect, it } from 'vitest';

import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solveAt, type Coefficients } from '../../src/solve/solve.js';
import { refitCase } from '../helpers/refitCase.js';

// The refit case at test size (as test/solve/entryRounds.test.ts): 2,000 events × 20,000 hashed
// columns, window b 10 % after window a, at a refit's KKT tolerance (1e-2). A binomial fit
// certifies each feature's gradient centred, and the intercept's Σ w (y − p) = 0 to the tolerance
// of λ; `checkKkt` (from scratch) takes the columns as stored, whose gradients differ from the
// centred ones by m_j / s_j of that residual. The certificate now takes them as stored too: from
// the online start it held inside and failed from scratch (1.011 of the tolerance).
const lambda = 0.005;
const kktTolerance = 1e-2;
const { cols, a, b, opts, onlineStart } = refitCase(lambda, kktTolerance);

describe('a binomial certificate implies the KKT check from scratch', () => {
  it('cold, warm, noisy and online starts at a refit tolerance', () => {
    const objectiveOf = (m: Coefficients): number =>
      objectiveValue(b.x, b.y, m, lambda, { family: 'binomial' }).objective;
    const best = objectiveOf(solveAt(b.x, b.y, { ...opts, kktTolerance: 1e-8 }));
    const prev = solveAt(a.x, a.y, opts);
    const noisy = Float64Array.from(prev.coefficients);
    for (let j = 0; j < cols; j += 3)
      if (b.x.colStart[j + 1]! > b.x.colStart[j]!) noisy[j]! += ((j % 7) - 3) * 3e-4;
    const starts = new Map<string, Coefficients | undefined>([
      ['cold', undefined],
      ['warm', prev],
      ['noisy', { intercept: prev.intercept, coefficients: noisy }],
      ['online', onlineStart()],
    ]);
    let interceptResidual = 0;
    for (const [name, start] of starts) {
      const fit = solveAt(b.x, b.y, { ...opts, ...(start ? { start } : {}) });
      expect(fit.converged, name).toBe(true);
      expect(fit.startRefused, name).toBeUndefined();
      const kkt = checkKkt(b.x, b.y, fit, lambda, { family: 'binomial' });
      expect(kkt.maxViolation, name).toBeLessThanOrEqual(kktTolerance);
      interceptResidual = Math.max(interceptResidual, kkt.interceptResidual);
      // near the optimum (a cold fit here: 2.2e-7 above it; these starts up to 2.5e-6)
      expect((objectiveOf(fit) - best) / best, name).toBeLessThan(1e-5);
    }
    // the intercept's residual was not 0 (where the two gradients differ)
    expect(interceptResidual).toBeGreaterThan(0);
  });
});
