import { describe, expect, it } from 'vitest';

import { refitWindow } from '../../bench/solve/refitWindow.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solveAt, type Coefficients, type LambdaFit } from '../../src/solve/solve.js';

// Warm refits from the previous window's fit with the quadratic models' tails swept alone
// (`tailSweeps`): window pairs at test size (2,000 events × 20,000 hashed columns, b shifted by
// 89–292 events from a), several seeds and λ, at KKT 1e-2 (a refit's default) and 1e-3.
const rows = 2_000;
const cols = 20_000;

interface Pair {
  readonly b: ReturnType<typeof refitWindow>;
  readonly opts: { family: 'binomial'; lambda: number; kktTolerance: number };
  readonly prev: LambdaFit;
}

function pair(seed: number, lambda: number, kktTolerance: number): Pair {
  const shift = 1 + ((seed * 97) % 300);
  const a = refitWindow({ rows, cols, seed });
  const b = refitWindow({ rows, cols, seed, first: shift });
  const opts = { family: 'binomial' as const, lambda, kktTolerance };
  return { b, opts, prev: solveAt(a.x, a.y, opts) };
}

const objectiveOf = (p: Pair, m: Coefficients): number =>
  objectiveValue(p.b.x, p.b.y, m, p.opts.lambda, { family: 'binomial' }).objective;

const warm = (p: Pair, tails: boolean | undefined): LambdaFit =>
  solveAt(p.b.x, p.b.y, {
    ...p.opts,
    start: p.prev,
    rareMoves: true,
    ...(tails === undefined ? {} : { tailSweeps: tails }),
  });

describe('tail sweeps of a warm refit', () => {
  const pairs = [pair(3, 0.002, 1e-2), pair(4, 0.005, 1e-3), pair(5, 0.005, 1e-2), pair(1, 0.01, 1e-3)];

  it('reach the optimum of a tight cold fit, certified from scratch, in fewer sweeps', () => {
    let on = 0;
    let off = 0;
    for (const p of pairs) {
      const { lambda, kktTolerance } = p.opts;
      const best = objectiveOf(p, solveAt(p.b.x, p.b.y, { ...p.opts, kktTolerance: 1e-8 }));
      const fit = warm(p, true);
      expect(fit.converged).toBe(true);
      const kkt = checkKkt(p.b.x, p.b.y, fit, lambda, { family: 'binomial' });
      expect(kkt.maxViolation).toBeLessThanOrEqual(kktTolerance);
      expect((objectiveOf(p, fit) - best) / best).toBeLessThan(1e-5);
      expect(objectiveOf(p, fit)).toBeGreaterThanOrEqual(best - 1e-12 * best);
      on += fit.passes;
      off += warm(p, false).passes;
    }
    // 66 + 50 + 25 + 28 against 104 + 132 + 69 + 49 full sweeps of the working set
    expect(on).toBeLessThan(0.7 * off);
  });

  it('check every feature no more often than without them', () => {
    // the exact check when the sweeps of a model expected to certify converge (`KktProbe`'s
    // atConvergence): 8 checks, without it 10, without tail sweeps 8
    const p = pair(2, 0.005, 1e-2);
    expect(warm(p, true).kktChecks).toBeLessThanOrEqual(warm(p, false).kktChecks);
  });

  it('are off by default, and leave cold fits and fits at KKT below 1e-3 alone', () => {
    const p = pairs[2]!;
    const byDefault = warm(p, undefined);
    const off = warm(p, false);
    expect(byDefault.coefficients).toEqual(off.coefficients);
    expect(byDefault.passes).toBe(off.passes);
    const cold = [true, false].map((t) => solveAt(p.b.x, p.b.y, { ...p.opts, tailSweeps: t }));
    expect(cold[0]!.coefficients).toEqual(cold[1]!.coefficients);
    expect(cold[0]!.passes).toBe(cold[1]!.passes);
    const tight = { ...p, opts: { ...p.opts, kktTolerance: 1e-4 } };
    const fits = [true, false].map((t) => warm(tight, t));
    expect(fits[0]!.coefficients).toEqual(fits[1]!.coefficients);
    expect(fits[0]!.passes).toBe(fits[1]!.passes);
  });
});
