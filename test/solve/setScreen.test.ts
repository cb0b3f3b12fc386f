import { afterEach, describe, expect, it } from 'vitest';

import { refitWindow } from '../../bench/solve/refitWindow.js';
import { setScreening } from '../../src/solve/binomial.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { solveAt, type LambdaFit } from '../../src/solve/solve.js';

// The checks of every feature in a binomial quadratic model leave out the columns whose gradient
// provably stays below its threshold (`SetScreen`): the fit must be the unscreened one, bit for bit.
const rows = 2_000;
const cols = 20_000;

function fits(seed: number, lambda: number, kktTolerance: number, wasm: boolean): LambdaFit[] {
  const a = refitWindow({ rows, cols, seed });
  const b = refitWindow({ rows, cols, seed, first: 200 });
  const opts = { family: 'binomial' as const, lambda, kktTolerance, wasm };
  const prev = solveAt(a.x, a.y, opts);
  return [
    solveAt(b.x, b.y, opts),
    solveAt(b.x, b.y, { ...opts, start: prev, rareMoves: true, tailSweeps: true }),
    solveAt(b.x, b.y, { ...opts, start: prev }),
  ];
}

afterEach(() => {
  setScreening.on = true;
});

describe('screened checks of every feature', () => {
  const cases: [number, number, number, boolean][] = [
    [1, 0.005, 1e-2, true],
    [2, 0.002, 1e-2, true],
    [3, 0.01, 1e-4, true],
    [4, 0.005, 1e-2, false],
  ];
  for (const [seed, lambda, kkt, wasm] of cases) {
    it(`certify the unscreened fits with fewer columns read (seed ${seed}, λ = ${lambda}, KKT ${kkt}${wasm ? '' : ', JavaScript kernels'})`, () => {
      setScreening.on = false;
      const plain = fits(seed, lambda, kkt, wasm);
      setScreening.on = true;
      const screened = fits(seed, lambda, kkt, wasm);
      let visitsPlain = 0;
      let visitsScreened = 0;
      for (let k = 0; k < plain.length; k++) {
        const p = plain[k]!;
        const s = screened[k]!;
        expect(s.converged).toBe(true);
        // the same steps and the same point: every violator a screened check must find, it found
        expect([s.passes, s.kktChecks, s.outerIterations, s.nonzero]).toEqual([
          p.passes,
          p.kktChecks,
          p.outerIterations,
          p.nonzero,
        ]);
        expect(s.intercept).toBe(p.intercept);
        expect(s.objective).toBe(p.objective);
        expect(s.coefficients).toEqual(p.coefficients);
        const b = refitWindow({ rows, cols, seed, first: 200 });
        const cert = checkKkt(b.x, b.y, s, lambda, { family: 'binomial' });
        expect(cert.maxViolation).toBeLessThanOrEqual(kkt);
        visitsPlain += p.columnVisits;
        visitsScreened += s.columnVisits;
      }
      expect(visitsScreened).toBeLessThan(visitsPlain);
    });
  }
});
