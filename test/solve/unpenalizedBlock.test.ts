/**
 * A gaussian fit with nearly collinear unpenalized columns far from 0 (penalty factor 0), more
 * columns than rows, weights with zeros: a certified fit has its intercept and those features at
 * their optimum given the other coefficients. Their gradients reach rounding level long before
 * they are there (a nearly collinear block has a Hessian near singular along some direction), and
 * a duality gap whose dual point is the scaled residual bounds nothing until they are: the KKT
 * test certified such points 3e-8 to 7e-5·var(y) above the optimum (a differential test against
 * exact rational polishes). The check here is independent of the solver: the objective's fall
 * when that block moves to its weighted least-squares optimum, ½‖P r‖² with P the projection on
 * [1, X_U] (Gram–Schmidt twice, on the centred columns).
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign, solveAt, solvePath } from '../../src/index.js';
import { sparseFromRows } from '../helpers/designs.js';
import { Rng } from '../helpers/random.js';

interface Case {
  rows: number[][];
  y: number[];
  weights: number[];
  penaltyFactors: number[];
  alpha: number;
  sparse: boolean;
}

/** The fuzz's shape: k0 ≤ 6 unpenalized columns M(1 ± 0.2) + scale·(a·z + δ·noise), M 1e4–3e6. */
function collinearCase(seed: number): Case {
  const rng = new Rng(seed);
  const n = 20 + rng.int(40);
  const p = 100 + rng.int(500);
  const k0 = 1 + rng.int(6);
  const big = 10 ** (4 + 2.5 * rng.next());
  const delta = 10 ** (-9 + 7 * rng.next());
  const z = Array.from({ length: n }, () => rng.normal());
  const sparse = rng.next() < 0.5;
  const density = 0.02 + 0.28 * rng.next();
  const keepDense = rng.next() < 0.5;
  const cols: number[][] = [];
  for (let j = 0; j < p; j++) {
    if (j < k0) {
      const a = (0.5 + 1.5 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
      const scale = 10 ** (-1 + 3 * rng.next());
      const level = big * (1 + 0.4 * (rng.next() - 0.5));
      cols.push(z.map((zi) => level + scale * (a * zi + delta * rng.normal())));
    } else {
      cols.push(
        Array.from({ length: n }, () => rng.normal() * 10 ** (rng.next() < 0.5 ? 6 * rng.next() - 3 : 0)),
      );
    }
    if (sparse && !(j < k0 && keepDense)) cols[j] = cols[j]!.map((v) => (rng.next() < density ? v : 0));
  }
  const rows = Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
  const unit = 10 ** (6 * rng.next() - 3);
  const y = rows.map((r, i) => unit * (0.5 * z[i]! + r[k0]! / (Math.abs(r[k0]!) + 1) + rng.normal()));
  const weights = Array.from({ length: n }, () => (rng.next() < 0.3 ? 0 : 3 * rng.next()));
  const penaltyFactors = Array.from({ length: p }, (_, j) => (j < k0 ? 0 : 1));
  const alpha = rng.next() < 0.5 ? 1 : 0.05 + 0.9 * rng.next();
  return { rows, y, weights, penaltyFactors, alpha, sparse };
}

/** ½ Σ w (P r)², w normalized to sum 1: what moving the intercept and the unpenalized block to their optimum gains. */
function blockGain(c: Case, intercept: number, coefficients: Float64Array): number {
  const n = c.rows.length;
  const total = c.weights.reduce((s, v) => s + v, 0);
  const w = c.weights.map((v) => v / total);
  const r = c.y.map((yi, i) => {
    let fitted = intercept;
    c.rows[i]!.forEach((x, j) => (fitted += coefficients[j]! * x));
    return yi - fitted;
  });
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + w[i]! * v * b[i]!, 0);
  const basis: number[][] = [];
  const columns = [Array.from({ length: n }, () => 1)];
  c.penaltyFactors.forEach((f, j) => {
    if (f !== 0) return;
    const x = c.rows.map((row) => row[j]!);
    const m = dot(x, columns[0]!);
    columns.push(x.map((v) => v - m));
  });
  for (const column of columns) {
    let v = column.slice();
    for (let round = 0; round < 2; round++) {
      for (const q of basis) {
        const d = dot(v, q);
        v = v.map((t, i) => t - d * q[i]!);
      }
    }
    const norm = Math.sqrt(dot(v, v));
    if (norm > 1e-12 * Math.sqrt(dot(column, column))) basis.push(v.map((t) => t / norm));
  }
  let gain = 0;
  for (const q of basis) gain += dot(r, q) ** 2;
  return gain / 2;
}

describe('nearly collinear unpenalized columns far from 0, weighted, wide', () => {
  it('a certified fit has them at their optimum given the rest (seeds where the KKT test certified 3e-8 to 7e-5·var(y) above it)', () => {
    let certified = 0;
    for (const seed of [4, 6, 7, 15, 20, 21, 33]) {
      const c = collinearCase(seed);
      const x = c.sparse ? sparseFromRows(c.rows) : DenseDesign.fromRows(c.rows);
      const base = {
        family: 'gaussian' as const,
        l1Ratio: c.alpha,
        penaltyFactors: c.penaltyFactors,
        weights: c.weights,
      };
      const total = c.weights.reduce((s, v) => s + v, 0);
      const mean = c.y.reduce((s, v, i) => s + c.weights[i]! * v, 0) / total;
      const variance = c.y.reduce((s, v, i) => s + c.weights[i]! * (v - mean) ** 2, 0) / total;
      const lambdaMax = solvePath(x, c.y, { ...base, nLambda: 2, lambdaMinRatio: 0.5 }).fits[0]!.lambda;
      for (const ratio of [0.8, 0.3]) {
        const fit = solveAt(x, c.y, { ...base, lambda: ratio * lambdaMax });
        if (!fit.converged) continue;
        certified++;
        const gain = blockGain(c, fit.intercept, fit.coefficients);
        expect(gain / variance, `seed ${seed}, λ = ${ratio}·λ_max`).toBeLessThan(1e-9);
      }
    }
    // (seeds 15 to 33 say they did not converge: coordinate descent stalls on them)
    expect(certified).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
