import { describe, expect, it, vi } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { DenseDesign, SparseDesign, type Design } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { WasmSparseColumns } from '../../src/solve/kernels/sparseColumns.js';
import { predictCheck, priorCheck } from '../../src/solve/gaussianNaive.js';
import { solvePath } from '../../src/solve/path.js';
import { sparseFromRows } from '../helpers/designs.js';
import { glmnetFixture, readSolveFixture } from '../helpers/glmnetFixture.js';
import { Rng } from '../helpers/random.js';

/** Population variance. */
function variance(y: Float64Array): number {
  const mean = y.reduce((a, v) => a + v, 0) / y.length;
  return y.reduce((a, v) => a + (v - mean) ** 2, 0) / y.length;
}

/**
 * Gaussian fits with naive updates (`gaussianNaive.ts`). `stopping: 'glmnet'` (glmnet's pass
 * structure and convergence rule, no certificate): at a tight tolerance it reaches the optimum of
 * the glmnet fixtures; at its default tolerance its objective is no worse than glmnet's at
 * glmnet's default thresh (a fixture made by scripts/fixtures/solve/glmnet_default_sparse.R) for
 * less work than the certified default. The certified default's Anderson extrapolation reaches
 * the same optimum in fewer sweeps.
 */
interface DefaultFixture {
  readonly thresh: number;
  readonly n: number;
  readonly p: number;
  readonly rows: number[];
  readonly cols: number[];
  readonly values: number[];
  readonly y: number[];
  readonly cases: ReadonlyArray<{
    standardize: boolean;
    npasses: number;
    fits: ReadonlyArray<{ lambda: number; intercept: number; index: number[]; value: number[] }>;
  }>;
}

const optimum = glmnetFixture();
const gaussian = optimum.cases.filter((c) => c.family === 'gaussian');

describe.each(gaussian)('stopping glmnet at tolerance 1e-20: $name', (cs) => {
  const data = optimum.datasets[cs.dataset]!;
  const dense = DenseDesign.fromRows(data.x);
  const sparse = sparseFromRows(data.x);
  const opts = {
    l1Ratio: cs.l1Ratio,
    standardize: cs.standardize,
    ...(cs.weights ? { weights: cs.weights } : {}),
    ...(cs.penaltyFactors ? { penaltyFactors: cs.penaltyFactors } : {}),
  };
  const designs: Array<[string, Design]> = [
    ['sparse', sparse],
    ['dense', dense],
  ];
  it.each(designs)('%s design, naive updates: the optimum of the fixture, KKT to 1e-6', (_kind, x) => {
    const lambdas = cs.fits.map((f) => f.lambda);
    const path = solvePath(x, data.y, {
      ...opts,
      lambdas,
      mode: 'naive',
      stopping: 'glmnet',
      tolerance: 1e-20,
    });
    cs.fits.forEach((ref, k) => {
      const fit = path.fits[k]!;
      expect(fit.converged).toBe(true);
      expect(fit.dualGap).toBeNaN(); // no certificate
      const mine = objectiveValue(x, data.y, fit, ref.lambda, opts).objective;
      const theirs = objectiveValue(x, data.y, ref, ref.lambda, opts).objective;
      expect(Math.abs(mine - theirs) / theirs).toBeLessThan(1e-9);
      expect(checkKkt(x, data.y, fit, ref.lambda, opts).maxViolation).toBeLessThan(1e-6);
    });
  });
});

const loose = readSolveFixture<DefaultFixture>('glmnet-default-sparse.json');

describe.each(loose.cases)('stopping glmnet at its default: standardize $standardize', (cs) => {
  const x = SparseDesign.fromTriplets(loose.n, loose.p, loose.rows, loose.cols, loose.values);
  const lambdas = cs.fits.map((f) => f.lambda);
  const opts = { standardize: cs.standardize };

  it("objective no worse than glmnet's (thresh 1e-7) at every λ, for less work than the certificate", () => {
    const path = solvePath(x, loose.y, { ...opts, lambdas, stopping: 'glmnet' });
    const certified = solvePath(x, loose.y, { ...opts, lambdas });
    expect(path.fits).toHaveLength(cs.fits.length);
    cs.fits.forEach((ref, k) => {
      const coefficients = new Float64Array(loose.p);
      ref.index.forEach((j, q) => (coefficients[j] = ref.value[q]!));
      const theirs = objectiveValue(x, loose.y, { intercept: ref.intercept, coefficients }, ref.lambda, opts);
      const fit = path.fits[k]!;
      expect(fit.converged).toBe(true);
      const mine = objectiveValue(x, loose.y, fit, ref.lambda, opts).objective;
      // (to rounding: at the first λ both are the null model's)
      expect(mine, `λ_${k}`).toBeLessThanOrEqual(theirs.objective * (1 + 1e-12));
      // and above the certified optimum by at most glmnet's own accuracy
      expect(mine).toBeGreaterThanOrEqual(certified.fits[k]!.objective * (1 - 1e-12));
    });
    const visits = path.fits[path.fits.length - 1]!.columnVisits;
    const certifiedVisits = certified.fits[certified.fits.length - 1]!.columnVisits;
    expect(visits).toBeLessThan(certifiedVisits / 2);
  });
});

describe('stopping option', () => {
  const x = DenseDesign.fromRows([
    [1, 0],
    [0, 1],
    [1, 1],
    [2, 1],
  ]);
  const y = [1, 0, 1, 2];
  it('rejects unknown values and binomial fits', () => {
    expect(() => solvePath(x, y, { stopping: 'loose' as 'glmnet' })).toThrow(DataError);
    expect(() => solvePath(x, [1, 0, 1, 0], { family: 'binomial', stopping: 'glmnet' })).toThrow(
      /applies to gaussian/,
    );
  });
});

describe('Anderson extrapolation (certified stopping, naive updates)', () => {
  const x = SparseDesign.fromTriplets(loose.n, loose.p, loose.rows, loose.cols, loose.values);
  const lambdas = loose.cases[0]!.fits.map((f) => f.lambda);
  const opts = { standardize: false, lambdas };

  it('the same certified optimum in fewer sweeps', () => {
    const plain = solvePath(x, loose.y, { ...opts, extrapolate: false });
    const fast = solvePath(x, loose.y, opts);
    expect(fast.converged).toBe(true);
    fast.fits.forEach((fit, k) => {
      const ref = plain.fits[k]!;
      expect(Math.abs(fit.objective - ref.objective) / ref.objective).toBeLessThan(1e-12);
      expect(checkKkt(x, loose.y, fit, fit.lambda, { standardize: false }).maxViolation).toBeLessThan(1e-6);
    });
    expect(fast.passes).toBeLessThan(0.75 * plain.passes);
  });
});

describe('sweep order (naive updates, sparse design)', () => {
  const x = SparseDesign.fromTriplets(loose.n, loose.p, loose.rows, loose.cols, loose.values);
  const lambdas = loose.cases[0]!.fits.map((f) => f.lambda);

  it.each(['certified', 'glmnet'] as const)(
    '%s: every sweep visits its features in column order (the design is read as stored)',
    (stopping) => {
      let calls = 0;
      let unordered = 0;
      // certified sweeps multiply for their divisions (`sweepInverse`)
      const spies = (['sweep', 'sweepInverse'] as const).map((name) => {
        const original = WasmSparseColumns.prototype[name] as (
          this: WasmSparseColumns,
          list: Int32Array,
          count: number,
          ...rest: unknown[]
        ) => number;
        return vi.spyOn(WasmSparseColumns.prototype, name).mockImplementation(function (
          this: WasmSparseColumns,
          list: Int32Array,
          count: number,
          ...rest: unknown[]
        ) {
          calls++;
          for (let k = 1; k < count; k++) if (list[k]! <= list[k - 1]!) unordered++;
          return original.call(this, list, count, ...rest);
        } as never);
      });
      try {
        const path = solvePath(x, loose.y, { standardize: false, lambdas, stopping });
        expect(path.converged).toBe(true);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      expect(calls).toBeGreaterThan(lambdas.length);
      expect(unordered).toBe(0);
    },
  );
});

describe('predicted start along the path (naive updates)', () => {
  // all 8 features active with fixed signs on this grid: the path is linear in λ there
  let a = 7;
  const rnd = () => (a = (a * 16807) % 2147483647) / 2147483647;
  const normal = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const rows = Array.from({ length: 400 }, () => Array.from({ length: 8 }, normal));
  const y = rows.map((r) => r.reduce((s, v, j) => s + v * (j % 2 ? -1 : 1) * (1 + j / 4), 0) + normal());
  const x = DenseDesign.fromRows(rows);
  const lambdaMax = solvePath(x, y, { nLambda: 1, mode: 'naive' }).lambdaMax;
  const lambdas = Array.from({ length: 10 }, (_, k) => lambdaMax * 0.02 * 0.9 ** k);

  it.each(['certified', 'glmnet'] as const)(
    '%s: from the third λ on, the start is the solution (one sweep confirms it); the same optimum',
    (stopping) => {
      const opts = { lambdas, mode: 'naive' as const, stopping, tolerance: 1e-14 };
      const predicted = solvePath(x, y, opts);
      const plain = solvePath(x, y, { ...opts, predictStart: false });
      predicted.fits.forEach((fit, k) => {
        expect(fit.converged).toBe(true);
        expect(fit.nonzero).toBe(8);
        if (k >= 2) expect(fit.passes, `λ_${k}`).toBe(1);
        const ref = plain.fits[k]!;
        expect(Math.abs(fit.objective - ref.objective) / ref.objective).toBeLessThan(1e-13);
      });
      expect(plain.passes).toBeGreaterThan(2 * predicted.passes);
    },
  );

  it('the sparse fixture: the same certified optimum at every λ', () => {
    const xs = SparseDesign.fromTriplets(loose.n, loose.p, loose.rows, loose.cols, loose.values);
    const opts = { standardize: false, lambdas: loose.cases[0]!.fits.map((f) => f.lambda) };
    const predicted = solvePath(xs, loose.y, opts);
    const plain = solvePath(xs, loose.y, { ...opts, predictStart: false });
    expect(predicted.converged).toBe(true);
    predicted.fits.forEach((fit, k) => {
      const ref = plain.fits[k]!;
      expect(Math.abs(fit.objective - ref.objective) / ref.objective).toBeLessThan(1e-12);
    });
  });
});

describe('gap check schedule (certified stopping, naive updates)', () => {
  it('the next check is where the gap at its rate so far reaches the target, within bounds', () => {
    // 1e-4 → 1e-6 in 4 passes: 10^-0.5 a pass; 1e-6 → 1e-10 takes 8 more
    expect(predictCheck(1e-4, 1e-6, 10, 14, 1e-6, 1e-10)).toBe(22);
    // the last gap (the extrapolated dual point's) is nearer the target: from there
    expect(predictCheck(1e-4, 1e-6, 10, 14, 1e-8, 1e-10)).toBe(18);
    // a faster rate than 0.3 a pass is not trusted (one Anderson step can make it)
    expect(predictCheck(1e-4, 1e-12, 10, 12, 1e-12, 1e-13)).toBe(12 + 2);
    // a slow one: at most 12 passes on
    expect(predictCheck(1e-6, 0.99e-6, 10, 13, 0.99e-6, 1e-10)).toBe(13 + 12);
    // at least one pass on, and none without progress
    expect(predictCheck(1e-6, 1e-8, 10, 13, 1e-10, 1e-10)).toBe(14);
    expect(predictCheck(1e-6, 1e-6, 10, 13, 1e-6, 1e-10)).toBe(0);
    expect(predictCheck(NaN, 1e-6, 10, 13, 1e-6, 1e-10)).toBe(0);
  });

  it("a λ's second check is where the previous λ's rate reaches the target, no later than its passes", () => {
    // 2e-2 → 1e-10 at 0.5 a pass: 27.6, so 28 passes, within the previous λ's 40
    expect(priorCheck({ rate: 0.5, passes: 40 }, 1, 2e-2, 1e-10)).toBe(1 + 28);
    // the previous λ was certified sooner (its KKT conditions held first): no later than that
    expect(priorCheck({ rate: 0.5, passes: 5 }, 1, 2e-2, 1e-10)).toBe(1 + 5);
    // rates clamped to [0.3, 0.95] (0.3: 15.9 passes), at most 40 passes on, at least one
    expect(priorCheck({ rate: 0.01, passes: 20 }, 3, 2e-2, 1e-10)).toBe(3 + 16);
    expect(priorCheck({ rate: 0.999, passes: 100 }, 3, 2e-2, 1e-10)).toBe(3 + 40);
    expect(priorCheck({ rate: 0.5, passes: 0 }, 3, 2e-2, 1e-10)).toBe(4);
    // none without a prior, a usable rate, or a gap above the target
    expect(priorCheck(undefined, 1, 1e-2, 1e-10)).toBe(0);
    expect(priorCheck({ rate: 1, passes: 20 }, 1, 1e-2, 1e-10)).toBe(0);
    expect(priorCheck({ rate: NaN, passes: 20 }, 1, 1e-2, 1e-10)).toBe(0);
    expect(priorCheck({ rate: 0.5, passes: 20 }, 1, 1e-10, 1e-10)).toBe(0);
  });

  it('on a path, later λ check the gap less often than their sweeps would, with the same certified optimum', () => {
    // the benchmark's sparse gaussian design (bench/solve), smaller: 10,000 × 5,000, 10 rows a
    // column, 20 true features; its last λ have nearly every feature active and take ~20 sweeps
    const rng = new Rng(11);
    const n = 10_000;
    const p = 5000;
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    const eta = new Float64Array(n);
    for (let j = 0; j < p; j++) {
      const truth = j % 250 === 0 ? ((j / 250) % 2 ? -1 : 1) * (0.5 + ((j / 250) % 5) / 4) : 0;
      const seen = new Set<number>();
      while (seen.size < 10) seen.add(Math.floor(rng.next() * n));
      for (const i of [...seen].sort((a, b) => a - b)) {
        const v = 1 + rng.next();
        rows.push(i);
        cols.push(j);
        values.push(v);
        eta[i]! += truth * v;
      }
    }
    const x = SparseDesign.fromTriplets(n, p, rows, cols, values);
    const y = Float64Array.from(eta, (e) => e + rng.normal());
    const path = solvePath(x, y, { standardize: false, nLambda: 100, earlyStop: false });
    expect(path.converged).toBe(true);
    const late = path.fits.slice(60);
    // one check per round of sweeps (1e-9, 1e-14, 1e-16, 1e-18 …) was 4–5 a λ here
    const checks = late.reduce((a, f) => a + f.kktChecks, 0);
    expect(checks / late.length).toBeLessThan(4);
    for (const f of late) {
      expect(f.dualGap).toBeLessThanOrEqual(1e-10 * variance(y));
      expect(checkKkt(x, y, f, f.lambda, { standardize: false }).maxViolation).toBeLessThan(1e-5);
    }
  });
});
