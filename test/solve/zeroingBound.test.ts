import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { checkKkt } from '../../src/solve/kkt.js';
import { prepareProblem, type Problem } from '../../src/solve/problem.js';
import { zeroingBound, zeroRoundingLevel } from '../../src/solve/roundingZeros.js';
import { Rng } from '../helpers/random.js';

// `zeroRoundingLevel` keeps its zeros without the two KKT checks from scratch when `zeroingBound`
// proves that they raise no feature's violation by more than the tolerance. The bound must hold:
// it is compared here with the rise those checks measure.

function randomDesign(rng: Rng, n: number, p: number): SparseDesign {
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < p; j++) {
    // rare columns (1 to 3 rows) and popular ones, values of both signs
    const count = j % 4 === 0 ? 1 + rng.int(n / 2) : 1 + rng.int(3);
    const seen = new Set<number>();
    for (let k = 0; k < count; k++) {
      const i = rng.int(n);
      if (seen.has(i)) continue;
      seen.add(i);
      rows.push(i);
      cols.push(j);
      values.push(j % 3 === 0 ? 1 : rng.normal());
    }
  }
  return SparseDesign.fromTriplets(n, p, rows, cols, values);
}

const optionsOf = (problem: Problem) => ({
  family: problem.family,
  l1Ratio: problem.alpha,
  weights: problem.w,
  penaltyFactors: problem.pf,
  standardize: problem.standardize,
});

/** checkKkt's largest violation before and after `candidates` are zeroed as zeroRoundingLevel does. */
function measured(
  problem: Problem,
  intercept: number,
  c: Float64Array,
  candidates: number[],
  lambda: number,
) {
  const options = optionsOf(problem);
  const before = checkKkt(problem.x, problem.y, { intercept, coefficients: c }, lambda, options, problem);
  const zeroed = new Float64Array(c);
  let b0 = intercept;
  for (const j of candidates) {
    b0 += zeroed[j]! * problem.mean[j]!;
    zeroed[j] = 0;
  }
  const after = checkKkt(
    problem.x,
    problem.y,
    { intercept: b0, coefficients: zeroed },
    lambda,
    options,
    problem,
  );
  return { before: before.maxViolation, after: after.maxViolation };
}

/** Each feature's violation as checkKkt defines it (relative to its threshold), one by one. */
function violations(problem: Problem, intercept: number, c: Float64Array, lambda: number): Float64Array {
  const { x, y, w, scale, pf, alpha, sd } = problem;
  let sw = 0;
  for (let i = 0; i < x.rows; i++) sw += w[i]!;
  const eta = new Float64Array(x.rows).fill(intercept);
  for (let j = 0; j < x.cols; j++) if (c[j] !== 0) x.axpy(j, c[j]!, eta);
  const r = eta.map((e, i) => y[i]! - (problem.family === 'binomial' ? 1 / (1 + Math.exp(-e)) : e));
  const out = new Float64Array(x.cols);
  for (let j = 0; j < x.cols; j++) {
    if (!(sd[j]! > 0)) continue;
    let g = 0;
    for (let i = 0; i < x.rows; i++) g += (w[i]! / sw) * x.get(i, j) * r[i]!;
    const s = scale[j]!;
    const t = lambda * alpha * pf[j]! * s;
    const b = c[j]!;
    const v =
      b !== 0
        ? Math.abs(g - lambda * pf[j]! * (alpha * s * Math.sign(b) + (1 - alpha) * s * s * b))
        : Math.max(0, Math.abs(g) - t);
    out[j] = v / t;
  }
  return out;
}

/** The largest rise of a feature's violation when `candidates` are zeroed. */
function largestRise(
  problem: Problem,
  intercept: number,
  c: Float64Array,
  candidates: number[],
  lambda: number,
) {
  const zeroed = new Float64Array(c);
  let b0 = intercept;
  for (const j of candidates) {
    b0 += zeroed[j]! * problem.mean[j]!;
    zeroed[j] = 0;
  }
  const before = violations(problem, intercept, c, lambda);
  const after = violations(problem, b0, zeroed, lambda);
  return Math.max(...after.map((v, j) => v - before[j]!));
}

describe('the bound on the rise of the violations when coefficients are zeroed', () => {
  it('holds on random designs, models and weights, and the sum over entries is within the cheap one', () => {
    const rng = new Rng(11);
    let cases = 0;
    for (const family of ['binomial', 'gaussian'] as const)
      for (const standardize of [true, false, 'auto'] as const)
        for (const alpha of [1, 0.5])
          for (const weighted of [false, true])
            for (let round = 0; round < 3; round++) {
              const n = 60;
              const x = randomDesign(rng, n, 40);
              const y = Float64Array.from({ length: n }, () =>
                family === 'binomial' ? (rng.next() < 0.4 ? 1 : 0) : rng.normal(),
              );
              const weights = weighted
                ? Float64Array.from({ length: n }, () => 0.2 + 2 * rng.next())
                : undefined;
              const problem = prepareProblem(x, y, { family, standardize, l1Ratio: alpha, weights });
              const lambda = 0.02 + 0.1 * rng.next();
              const c = new Float64Array(x.cols);
              for (let j = 0; j < x.cols; j++) if (rng.next() < 0.3) c[j] = 0.5 * rng.normal();
              const candidates: number[] = [];
              for (let j = 0; j < x.cols; j++)
                if (problem.sd[j]! > 0 && rng.next() < 0.1) {
                  c[j] = 0.05 * rng.normal();
                  candidates.push(j);
                }
              if (candidates.length === 0) continue;
              const intercept = 0.3 * rng.normal();
              const { before, after } = measured(problem, intercept, c, candidates, lambda);
              const rise = largestRise(problem, intercept, c, candidates, lambda);
              expect(after - before).toBeLessThanOrEqual(rise + 1e-9);
              const cheap = zeroingBound(problem, c, candidates, lambda);
              const exact = zeroingBound(problem, c, candidates, lambda, true);
              expect(Number.isFinite(cheap)).toBe(true);
              expect(rise).toBeLessThanOrEqual(exact);
              expect(exact).toBeLessThanOrEqual(cheap * (1 + 1e-12));
              cases++;
            }
    expect(cases).toBeGreaterThan(60);
  });

  // copies of a column of one row; the candidates are among them, at the intercept-only point of
  // a balanced sample: a copy left at 0 has its violation raised by nearly the whole bound
  function copies(betas: number[]) {
    const n = 100;
    const k = betas.length + 1;
    const x = SparseDesign.fromTriplets(
      n,
      k,
      Array.from({ length: k }, () => 0),
      Array.from({ length: k }, (_, j) => j),
      Array.from({ length: k }, () => 1),
    );
    const y = Float64Array.from({ length: n }, (_, i) => (i === 0 || i % 2 === 1 ? 1 : 0));
    const problem = prepareProblem(x, y, { family: 'binomial', kktTolerance: 1e-2 });
    // the last copy's gradient (1/n)(1 − σ(Σβ)) just above its threshold λ sd
    const lambda = (0.45 / n / problem.sd[k - 1]!) * 0.98;
    const c = Float64Array.from([...betas, 0]);
    return { problem, c, lambda, candidates: betas.map((_, j) => j) };
  }

  it('is nearly reached: a copy of a zeroed column of one row', () => {
    const { problem, c, lambda, candidates } = copies([0.2]);
    const { before, after } = measured(problem, 0, c, candidates, lambda);
    for (const exact of [false, true]) {
      const bound = zeroingBound(problem, c, candidates, lambda, exact);
      expect(after - before).toBeLessThanOrEqual(bound);
      expect(after - before).toBeGreaterThan(0.9 * bound);
    }
  });

  it('is nearly reached through the intercept: a column on the other rows of a zeroed popular one', () => {
    const n = 100;
    const rows = Array.from({ length: n }, (_, i) => i);
    const x = SparseDesign.fromTriplets(
      n,
      2,
      rows,
      rows.map((i) => (i < n / 2 ? 0 : 1)),
      rows.map(() => 1),
    );
    // the second column's rows mostly 0: its gradient is negative and grows as their η does
    const y = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : i % 10 === 0 ? 1 : 0));
    // the zeroed column's own threshold raised, so that the other column's bound is the largest
    const problem = prepareProblem(x, y, { family: 'binomial', penaltyFactors: [10, 1] });
    const c = Float64Array.from([0.02, 0]);
    const rise = largestRise(problem, -0.01, c, [0], 0.01);
    const bound = zeroingBound(problem, c, [0], 0.01, true);
    expect(rise).toBeLessThanOrEqual(bound);
    expect(rise).toBeGreaterThan(0.9 * bound);
  });

  it("is nearly reached on a candidate's own ridge term (l1Ratio 0.5, at its optimum)", () => {
    const { problem: p0, c } = copies([0.2]);
    const problem = prepareProblem(p0.x, p0.y, { family: 'binomial', l1Ratio: 0.5 });
    // λ where the candidate's gradient (1/n)(1 − σ(β)) equals λ (α s + (1 − α) s² β): its violation is 0
    const s = problem.scale[0]!;
    const lambda = (1 - 1 / (1 + Math.exp(-0.2))) / problem.x.rows / (0.5 * s + 0.5 * s * s * 0.2);
    expect(violations(problem, 0, c, lambda)[0]!).toBeLessThan(1e-9);
    const rise = largestRise(problem, 0, c, [0], lambda);
    const bound = zeroingBound(problem, c, [0], lambda, true);
    expect(rise).toBeLessThanOrEqual(bound);
    expect(rise).toBeGreaterThan(0.9 * bound);
  });

  it('lets zeroRoundingLevel keep the zeros the checks from scratch keep, and refuse those they refuse', () => {
    const tol = 1e-10; // zeroRoundingLevel's rounding level, below the problem's tolerance
    const { problem, lambda } = copies([0]);
    // the largest rounding-level coefficient of such a column: |β| c sd²/s ≤ tol λ (s = sd)
    const top = (tol * lambda) / (0.25 * problem.sd[0]!);
    const outcomes: string[] = [];
    for (const betas of [[1e-15], [0.01 * top, 0.02 * top], [0.999 * top], [0.9 * top, 0.9 * top], [1e-3]]) {
      const { problem, c, lambda, candidates } = copies(betas);
      const model = { intercept: 0, coefficients: Float64Array.from(c) };
      const zeroed = zeroRoundingLevel(problem, model, lambda);
      const { before, after } = measured(problem, 0, c, candidates, lambda);
      const rounding = betas.every((b) => b < top);
      const bounded = zeroingBound(problem, c, candidates, lambda) <= tol;
      // the checks' own rule, as zeroRoundingLevel applied it before the bound
      expect(zeroed).toBe(rounding && !(after > before + tol) ? betas.length : 0);
      for (const j of candidates) expect(model.coefficients[j]).toBe(zeroed > 0 ? 0 : betas[j]);
      outcomes.push(
        !rounding ? 'not rounding' : bounded ? 'bounded' : zeroed > 0 ? 'checked, kept' : 'checked, refused',
      );
    }
    // every path is taken
    expect(outcomes).toEqual(['bounded', 'bounded', 'checked, kept', 'checked, refused', 'not rounding']);
  });
});
