import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { adaptiveLasso } from '../../src/solve/adaptive.js';
import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';
import { Rng } from '../helpers/random.js';

/** A seeded sparse regression / classification problem with a known sparse truth. */
function sparseProblem(n: number, p: number, density: number, seed: number, binomial = false) {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const eta = new Float64Array(n);
  const truth = new Float64Array(p);
  for (let j = 0; j < 8; j++) truth[j] = (j % 2 === 0 ? 1 : -1) * (1 + j / 4);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) {
      if (rng.next() < density) {
        const val = rng.normal() + 0.5;
        r.push(i);
        c.push(j);
        v.push(val);
        eta[i]! += truth[j]! * val;
      }
    }
  }
  const y = Array.from(eta, (e) =>
    binomial ? (rng.next() < 1 / (1 + Math.exp(-e)) ? 1 : 0) : e + 0.5 * rng.normal(),
  );
  return { x: SparseDesign.fromTriplets(n, p, r, c, v), y };
}

describe('KKT at every returned solution', () => {
  it.each([
    ['gaussian, sparse, p > n', 'gaussian', 80, 300, 0.1],
    ['gaussian, sparse, n > p', 'gaussian', 400, 60, 0.2],
    ['binomial, sparse, p > n', 'binomial', 120, 250, 0.1],
    ['binomial, sparse, n > p', 'binomial', 500, 40, 0.3],
  ] as const)('%s', (_name, family, n, p, density) => {
    const { x, y } = sparseProblem(n, p, density, 42, family === 'binomial');
    for (const l1Ratio of [1, 0.3]) {
      const path = solvePath(x, y, { family, l1Ratio, nLambda: 30 });
      expect(path.converged).toBe(true);
      for (const fit of path.fits) {
        const kkt = checkKkt(x, y, fit, fit.lambda, { family, l1Ratio });
        expect(kkt.maxViolation, `λ=${fit.lambda}`).toBeLessThan(1e-6);
        expect(kkt.interceptResidual).toBeLessThan(1e-9);
      }
      // the first λ is λ_max: the null model, and just below it a feature enters
      expect(path.fits[0]!.nonzero).toBe(0);
      expect(path.fits[1]!.nonzero).toBeGreaterThan(0);
    }
  });

  it('covariance and naive updates reach the same optimum (dense, n ≫ p)', () => {
    const { x: sx, y } = sparseProblem(600, 30, 0.6, 3);
    const dense = new DenseDesign(
      sx.rows,
      sx.cols,
      Float64Array.from({ length: sx.rows * sx.cols }, (_, k) =>
        sx.get(k % sx.rows, Math.floor(k / sx.rows)),
      ),
    );
    const cov = solvePath(dense, y, { mode: 'covariance', nLambda: 20 });
    const naive = solvePath(dense, y, { mode: 'naive', nLambda: 20 });
    cov.fits.forEach((f, k) => {
      const g = naive.fits[k]!;
      expect(Math.abs(f.objective - g.objective) / g.objective).toBeLessThan(1e-10);
      expect(checkKkt(dense, y, f, f.lambda).maxViolation).toBeLessThan(1e-6);
    });
  });
});

describe('exact active-set solve (gaussian, covariance mode)', () => {
  /** A dense n ≫ p design with correlated columns (x_j = 0.5 z + e_j) and a sparse truth. */
  function denseProblem(n: number, p: number, seed: number, duplicate = false) {
    const rng = new Rng(seed);
    const z = Float64Array.from({ length: n }, () => rng.normal());
    const values = new Float64Array(n * p);
    const y = new Float64Array(n);
    for (let j = 0; j < p; j++) {
      for (let i = 0; i < n; i++) values[j * n + i] = 0.5 * z[i]! + rng.normal();
      // a duplicated column makes the active-set matrix singular once both enter
      if (duplicate && j === p - 1) values.copyWithin(j * n, 0, n);
      if (j % 4 === 0) for (let i = 0; i < n; i++) y[i]! += (j % 8 === 0 ? 1 : -0.7) * values[j * n + i]!;
    }
    for (let i = 0; i < n; i++) y[i]! += rng.normal();
    return { x: new DenseDesign(n, p, values), y };
  }

  it.each([
    ['lasso', 1, false],
    ['elastic net', 0.4, false],
    ['lasso, duplicated column', 1, true],
  ] as const)('%s: the same optimum as plain sweeps, in fewer sweeps', (_name, l1Ratio, duplicate) => {
    const { x, y } = denseProblem(500, 24, 17, duplicate);
    const options = { mode: 'covariance', l1Ratio, nLambda: 40, earlyStop: false } as const;
    const exact = solvePath(x, y, options);
    const swept = solvePath(x, y, { ...options, activeSetSolve: false });
    expect(exact.converged).toBe(true);
    expect(swept.converged).toBe(true);
    exact.fits.forEach((f, k) => {
      const g = swept.fits[k]!;
      expect(Math.abs(f.objective - g.objective) / g.objective, `λ=${f.lambda}`).toBeLessThan(1e-12);
      if (!duplicate) expect(f.nonzero).toBe(g.nonzero);
      const kkt = checkKkt(x, y, f, f.lambda, { l1Ratio });
      // (with collinear columns the optimum is not unique and is reached by sweeps alone)
      expect(kkt.maxViolation, `λ=${f.lambda}`).toBeLessThan(duplicate ? 1e-6 : 1e-9);
      if (!duplicate) {
        f.coefficients.forEach((b, j) => {
          const c = g.coefficients[j]!;
          expect(Math.abs(b - c), `β_${j} at λ=${f.lambda}`).toBeLessThanOrEqual(
            1e-7 * Math.max(1, Math.abs(c)),
          );
        });
      }
    });
    // a singular active set falls back to sweeps, which then cost no more than without the solve
    expect(exact.passes).toBeLessThanOrEqual(duplicate ? swept.passes : swept.passes / 2);
  });
});

describe('active-set Newton finish (binomial)', () => {
  it.each([
    ['lasso, dense', 1, false],
    ['elastic net, dense', 0.5, false],
    ['lasso, sparse', 1, true],
  ] as const)('%s: the same optimum as plain proximal Newton, in fewer sweeps', (_name, l1Ratio, sparse) => {
    const problem = sparse ? sparseProblem(400, 60, 0.2, 31, true) : sparseProblem(500, 30, 1, 29, true);
    const { x, y } = problem;
    const options = { family: 'binomial', l1Ratio, nLambda: 30, earlyStop: false } as const;
    // 'always': on these small problems the cost rule may prefer sweeps (tested below)
    const exact = solvePath(x, y, { ...options, activeSetSolve: 'always' });
    const plain = solvePath(x, y, { ...options, activeSetSolve: false });
    expect(exact.converged).toBe(true);
    expect(plain.converged).toBe(true);
    exact.fits.forEach((f, k) => {
      const g = plain.fits[k]!;
      expect(Math.abs(f.objective - g.objective) / g.objective, `λ=${f.lambda}`).toBeLessThan(1e-12);
      expect(f.nonzero).toBe(g.nonzero);
      const kkt = checkKkt(x, y, f, f.lambda, { family: 'binomial', l1Ratio });
      expect(kkt.maxViolation, `λ=${f.lambda}`).toBeLessThan(1e-8);
      f.coefficients.forEach((b, j) => {
        const c = g.coefficients[j]!;
        expect(Math.abs(b - c), `β_${j} at λ=${f.lambda}`).toBeLessThanOrEqual(
          1e-7 * Math.max(1, Math.abs(c)),
        );
      });
    });
    expect(exact.passes).toBeLessThan(plain.passes / 2);
  });
});

describe('binomial Newton finish: used where it pays', () => {
  it('on a correlated dense design it replaces most sweeps', () => {
    const rng = new Rng(8);
    const n = 600;
    const p = 25;
    const z = Float64Array.from({ length: n }, () => rng.normal());
    const values = new Float64Array(n * p);
    for (let j = 0; j < p; j++)
      for (let i = 0; i < n; i++) values[j * n + i] = 0.7 * z[i]! + 0.7 * rng.normal();
    const x = new DenseDesign(n, p, values);
    const y = Array.from({ length: n }, (_, i) => {
      const eta = values[i]! - values[3 * n + i]! + 0.5 * values[7 * n + i]!;
      return rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    });
    const options = { family: 'binomial', nLambda: 30, earlyStop: false } as const;
    const auto = solvePath(x, y, options);
    const plain = solvePath(x, y, { ...options, activeSetSolve: false });
    expect(auto.converged && plain.converged).toBe(true);
    auto.fits.forEach((f, k) =>
      expect(Math.abs(f.objective - plain.fits[k]!.objective) / plain.fits[k]!.objective).toBeLessThan(1e-12),
    );
    expect(auto.passes).toBeLessThan(plain.passes / 2);
  });

  it("on columns far from centred (mean 1000, sd 1) it stops at their gradients' rounding level", () => {
    // Each such gradient is a difference of two sums ~1000 times its size: it cannot get below
    // ~1e-13 relative, and a finish that insisted would rebuild its Hessian at every step.
    const rng = new Rng(5);
    const n = 5000;
    const p = 12;
    const values = new Float64Array(n * p);
    for (let j = 0; j < p; j++)
      for (let i = 0; i < n; i++) values[j * n + i] = rng.normal() + (j < 3 ? 1000 : 0);
    const y = Array.from({ length: n }, (_, i) => {
      const eta = values[i]! - 1000 - 0.5 * values[5 * n + i]! + 0.3 * values[9 * n + i]!;
      return rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    });
    const x = new DenseDesign(n, p, values);
    const options = { family: 'binomial', nLambda: 30, earlyStop: false } as const;
    const auto = solvePath(x, y, options);
    const plain = solvePath(x, y, { ...options, activeSetSolve: false });
    expect(auto.converged && plain.converged).toBe(true);
    const newton = (path: typeof auto) => path.fits.reduce((t, f) => t + f.outerIterations, 0);
    expect(newton(auto)).toBeLessThan(2 * newton(plain));
    auto.fits.forEach((f, k) =>
      expect(Math.abs(f.objective - plain.fits[k]!.objective) / plain.fits[k]!.objective).toBeLessThan(1e-12),
    );
  });

  it('on a well-conditioned sparse design with hundreds of active features it leaves the sweeps alone', () => {
    // a Hessian of s ≈ 400 features would cost ~s³/3 multiply-adds, thousands of sweeps of 4,000 entries
    const { x, y } = sparseProblem(2000, 400, 0.01, 41, true);
    const options = { family: 'binomial', nLambda: 30, earlyStop: false } as const;
    const auto = solvePath(x, y, options);
    const plain = solvePath(x, y, { ...options, activeSetSolve: false });
    expect(auto.converged).toBe(true);
    expect(auto.fits[29]!.nonzero).toBeGreaterThan(300);
    // never tried: the very same iterations as plain proximal Newton
    expect(auto.passes).toBe(plain.passes);
    auto.fits.forEach((f, k) => expect(f.objective).toBe(plain.fits[k]!.objective));
  });
});

describe('binomial kktTolerance', () => {
  it('a looser KKT tolerance is met, costs fewer sweeps, and a bad one is refused', () => {
    const { x, y } = sparseProblem(2000, 400, 0.01, 41, true);
    const options = { family: 'binomial', nLambda: 30, earlyStop: false } as const;
    const exact = solvePath(x, y, options);
    const loose = solvePath(x, y, { ...options, kktTolerance: 1e-4 });
    expect(loose.converged).toBe(true);
    expect(loose.passes).toBeLessThan(exact.passes);
    loose.fits.forEach((f, k) => {
      // KKT relative to each threshold, checked from scratch (with room for the original scale)
      expect(checkKkt(x, y, f, f.lambda, { family: 'binomial' }).maxViolation).toBeLessThan(2e-4);
      const e = exact.fits[k]!;
      expect(f.objective).toBeGreaterThanOrEqual(e.objective * (1 - 1e-12));
      expect((f.objective - e.objective) / e.objective).toBeLessThan(1e-6);
    });
    for (const bad of [0, 1, -1e-3, Number.NaN])
      expect(() => solvePath(x, y, { ...options, kktTolerance: bad })).toThrow(
        /kktTolerance must be in \(0, 1\)/,
      );
  });
});

describe('gaussian kktTolerance (naive updates)', () => {
  it('a looser KKT tolerance is met with fewer sweeps; the default reaches the optimum of the dense path', () => {
    const { x, y } = sparseProblem(600, 300, 0.03, 43);
    const options = { nLambda: 30, earlyStop: false, mode: 'naive' } as const;
    const exact = solvePath(x, y, options);
    const loose = solvePath(x, y, { ...options, kktTolerance: 1e-3, gapTolerance: 1e-300 });
    expect(exact.converged && loose.converged).toBe(true);
    expect(loose.passes).toBeLessThan(exact.passes);
    // the same data as a dense design (its own kernels, no WebAssembly sweep): the same optimum
    const dense = new DenseDesign(x.rows, x.cols, new Float64Array(x.rows * x.cols));
    for (let j = 0; j < x.cols; j++)
      for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++)
        dense.values[j * x.rows + x.rowIndex[k]!] = x.values[k]!;
    const viaDense = solvePath(dense, y, options);
    loose.fits.forEach((f, k) => {
      // KKT relative to each threshold, checked from scratch (with room for the original scale)
      expect(checkKkt(x, y, f, f.lambda).maxViolation, `λ_${k}`).toBeLessThan(2e-3);
      const e = exact.fits[k]!;
      // the certificate is a duality gap ≤ 1e-10·var(y): it bounds the objective's excess (below),
      // each feature's KKT violation only loosely (a few 1e-6 here, relative)
      expect(checkKkt(x, y, e, e.lambda).maxViolation, `λ_${k}`).toBeLessThan(1e-5);
      expect(f.objective).toBeGreaterThanOrEqual(e.objective * (1 - 1e-12));
      expect((f.objective - e.objective) / e.objective).toBeLessThan(1e-5);
      const d = viaDense.fits[k]!;
      expect(Math.abs(d.objective - e.objective) / e.objective).toBeLessThan(1e-10);
    });
  });
});

describe('WebAssembly kernels', () => {
  it('sparse designs: the same path, bit for bit, with and without them (gaussian and binomial)', () => {
    for (const [family, n, p] of [
      ['gaussian', 80, 300],
      ['binomial', 600, 100],
    ] as const) {
      const { x, y } = sparseProblem(n, p, 0.1, 17, family === 'binomial');
      const options = { family, nLambda: 20, earlyStop: false } as const;
      const wasm = solvePath(x, y, options);
      const js = solvePath(x, y, { ...options, wasm: false });
      expect(wasm.converged).toBe(true);
      expect(wasm.passes).toBe(js.passes);
      wasm.fits.forEach((f, k) => {
        expect(f.intercept).toBe(js.fits[k]!.intercept);
        expect(Array.from(f.coefficients)).toEqual(Array.from(js.fits[k]!.coefficients));
      });
    }
  });

  it('dense designs: the same optimum to rounding (covariance mode and the binomial finish)', () => {
    const rng = new Rng(23);
    const n = 400;
    const p = 30;
    const values = Float64Array.from({ length: n * p }, () => rng.normal());
    const x = new DenseDesign(n, p, values);
    const eta = (i: number) => values[i]! - 0.7 * values[5 * n + i]! + 0.4 * values[11 * n + i]!;
    const yGaussian = Array.from({ length: n }, (_, i) => eta(i) + rng.normal());
    const yBinomial = Array.from({ length: n }, (_, i) => (rng.next() < 1 / (1 + Math.exp(-eta(i))) ? 1 : 0));
    for (const [family, y] of [
      ['gaussian', yGaussian],
      ['binomial', yBinomial],
    ] as const) {
      const options = { family, nLambda: 20, earlyStop: false, activeSetSolve: 'always' } as const;
      const wasm = solvePath(x, y, options);
      const js = solvePath(x, y, { ...options, wasm: false });
      expect(wasm.converged && js.converged).toBe(true);
      wasm.fits.forEach((f, k) => {
        const g = js.fits[k]!;
        expect(Math.abs(f.objective - g.objective) / g.objective).toBeLessThan(1e-13);
        expect(f.nonzero).toBe(g.nonzero);
        f.coefficients.forEach((b, j) =>
          expect(Math.abs(b - g.coefficients[j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b))),
        );
      });
    }
  });
});

describe('warm start', () => {
  it.each(['gaussian', 'binomial'] as const)(
    '%s: from the solution at λ, a nearby λ is reached in fewer sweeps than cold',
    (family) => {
      const { x, y } = sparseProblem(300, 120, 0.15, 9, family === 'binomial');
      const path = solvePath(x, y, { family, nLambda: 20 });
      const at = path.fits[10]!;
      const next = at.lambda * 0.9;
      const warm = solveAt(x, y, {
        family,
        lambda: next,
        start: { intercept: at.intercept, coefficients: at.coefficients },
      });
      const cold = solveAt(x, y, { family, lambda: next });
      expect(warm.converged).toBe(true);
      expect(cold.converged).toBe(true);
      expect(Math.abs(warm.objective - cold.objective) / cold.objective).toBeLessThan(1e-9);
      expect(warm.passes).toBeLessThan(cold.passes);
      // starting at the optimum itself costs at most a couple of sweeps
      const again = solveAt(x, y, { family, lambda: next, start: warm });
      expect(again.passes).toBeLessThanOrEqual(family === 'gaussian' ? 3 : 6);
      expect(Math.abs(again.objective - warm.objective) / warm.objective).toBeLessThan(1e-12);
    },
  );

  it('the start is on the original scale (standardize on)', () => {
    const { x, y } = sparseProblem(200, 20, 0.5, 5);
    const fit = solveAt(x, y, { lambda: 0.05 });
    const again = solveAt(x, y, { lambda: 0.05, start: fit });
    expect(again.passes).toBeLessThanOrEqual(3);
    fit.coefficients.forEach((c, j) => expect(again.coefficients[j]).toBeCloseTo(c, 9));
  });
});

describe('non-convergence is reported, never hidden', () => {
  it('a sweep budget too small says so with the count', () => {
    const { x, y } = sparseProblem(200, 50, 0.3, 1);
    const fit = solveAt(x, y, { lambda: 0.001, maxPasses: 3 });
    expect(fit.converged).toBe(false);
    expect(fit.passes).toBe(3);
    expect(fit.reason).toMatch(/no convergence within 3 coordinate sweeps/);
  });
});

describe('closed forms', () => {
  it('one standardized feature: β = S(⟨x̃,y⟩, λ)/(1 + λ(1−α)) on the standardized scale', () => {
    const xs = [1, 2, 3, 4, 6];
    const y = [1.5, 1.7, 3.9, 4.1, 7.3];
    const x = DenseDesign.fromRows(xs.map((v) => [v]));
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b) / n;
    const my = y.reduce((a, b) => a + b) / n;
    const sd = Math.sqrt(xs.reduce((a, v) => a + (v - mx) ** 2, 0) / n);
    const cxy = xs.reduce((a, v, i) => a + ((v - mx) / sd) * (y[i]! - my), 0) / n;
    const lambda = 0.3;
    const alpha = 0.6;
    const bStd = (cxy - lambda * alpha) / (1 + lambda * (1 - alpha));
    const fit = solveAt(x, y, { lambda, l1Ratio: alpha });
    expect(fit.coefficients[0]).toBeCloseTo(bStd / sd, 12);
    expect(fit.intercept).toBeCloseTo(my - (bStd / sd) * mx, 12);
  });
});

describe('adaptive lasso', () => {
  it('second stage uses pf = 1/|β̂| and keeps first-stage zeros out', () => {
    const { x, y } = sparseProblem(300, 40, 0.3, 21);
    const res = adaptiveLasso(x, y, { folds: 5, nLambda: 30 });
    const first = res.initial.path.fits[res.initial.indexMin]!;
    first.coefficients.forEach((c, j) => {
      if (c === 0) {
        expect(res.penaltyFactors[j]).toBe(Infinity);
        for (const f of res.path.fits) expect(f.coefficients[j]).toBe(0);
      } else expect(Number.isFinite(res.penaltyFactors[j]!)).toBe(true);
    });
    for (const f of res.path.fits.slice(0, 10)) {
      const kkt = checkKkt(x, y, f, f.lambda, { penaltyFactors: res.penaltyFactors });
      expect(kkt.maxViolation).toBeLessThan(1e-6);
    }
  });
});

describe('bad input', () => {
  const x = DenseDesign.fromRows([
    [1, 2],
    [2, 1],
    [3, 5],
  ]);
  it('λ absent: named with the entry point, as its other option problems are', () => {
    expect(() => solveAt(x, [1, 2, 3], {} as never)).toThrow(
      new DataError('solveAt: lambda must be a finite number >= 0, got undefined'),
    );
  });

  it('λ < 0', () => {
    expect(() => solveAt(x, [1, 2, 3], { lambda: -1 })).toThrow(DataError);
    expect(() => solveAt(x, [1, 2, 3], { lambda: -1 })).toThrow(
      /lambda must be a finite number >= 0, got -1/,
    );
  });
  it('constant target for a path', () => {
    expect(() => solvePath(x, [2, 2, 2])).toThrow(/target is constant/);
  });
  it('single-class binomial target', () => {
    expect(() => solvePath(x, [1, 1, 1], { family: 'binomial' })).toThrow(/single class/);
  });
  it('non 0/1 binomial target', () => {
    expect(() => solveAt(x, [0, 2, 1], { family: 'binomial', lambda: 0.1 })).toThrow(
      /must be 0 or 1, row 1 has 2/,
    );
  });
  it('wrong lengths and non-finite values', () => {
    expect(() => solveAt(x, [1, 2], { lambda: 0.1 })).toThrow(/target has 2 entries, expected 3/);
    expect(() => solveAt(x, [1, NaN, 3], { lambda: 0.1 })).toThrow(/target\[1\] is not a finite number/);
    expect(() => solveAt(x, [1, 2, 3], { lambda: 0.1, l1Ratio: 0 })).toThrow(/l1Ratio must be in \(0, 1\]/);
  });
  it('a constant column gets a zero coefficient and is reported', () => {
    const xc = DenseDesign.fromRows([
      [1, 7],
      [2, 7],
      [3, 7],
      [5, 7],
    ]);
    const path = solvePath(xc, [1, 2.5, 2.9, 5.2], { nLambda: 5 });
    expect(path.constantColumns).toEqual([1]);
    for (const f of path.fits) expect(f.coefficients[1]).toBe(0);
    const obj = objectiveValue(xc, [1, 2.5, 2.9, 5.2], path.fits[4]!, path.fits[4]!.lambda).objective;
    expect(obj).toBeCloseTo(path.fits[4]!.objective, 12);
  });
});
