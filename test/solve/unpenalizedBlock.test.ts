/**
 * A gaussian fit with nearly collinear unpenalized columns far from 0 (penalty factor 0), weights
 * with zeros: a certified fit has its intercept and those features at their optimum given the
 * other coefficients. Their gradients reach rounding level long before they are there (a nearly
 * collinear block has a Hessian near singular along some direction), and a duality gap whose dual
 * point is the scaled residual bounds nothing until they are: with more columns than rows the KKT
 * test certified such points 3e-8 to 7e-5·var(y) above the optimum (a differential test against
 * exact rational polishes); in covariance mode (n ≫ p) the exact active-set solve, a Cholesky of
 * their covariances, left 4e-9 to 9e-9·var(y) to gain. The check here is independent of the solver: the objective's fall
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

/**
 * A block of nearly collinear columns far from 0: each M(1 ± 0.2) + scale·(a·z + δ·noise), M in
 * 1e4–3e6 and δ in 1e-9–1e-2 for the block, `column` draws one.
 */
function collinearBlock(rng: Rng, n: number): { z: number[]; column: () => number[] } {
  const big = 10 ** (4 + 2.5 * rng.next());
  const delta = 10 ** (-9 + 7 * rng.next());
  const z = Array.from({ length: n }, () => rng.normal());
  const column = (): number[] => {
    const a = (0.5 + 1.5 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
    const scale = 10 ** (-1 + 3 * rng.next());
    const level = big * (1 + 0.4 * (rng.next() - 0.5));
    return z.map((zi) => level + scale * (a * zi + delta * rng.normal()));
  };
  return { z, column };
}

/** The fuzz's shape: wide, k0 ≤ 6 unpenalized columns of a `collinearBlock`, sparse or dense. */
function collinearCase(seed: number): Case {
  const rng = new Rng(seed);
  const n = 20 + rng.int(40);
  const p = 100 + rng.int(500);
  const k0 = 1 + rng.int(6);
  const { z, column } = collinearBlock(rng, n);
  const sparse = rng.next() < 0.5;
  const density = 0.02 + 0.28 * rng.next();
  const keepDense = rng.next() < 0.5;
  const cols: number[][] = [];
  for (let j = 0; j < p; j++) {
    if (j < k0) cols.push(column());
    else {
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

/** Tall (covariance mode): 2 to 4 such columns beside standard normal ones, weights with zeros. */
function tallCase(seed: number): Case {
  const rng = new Rng(seed);
  const n = 200 + rng.int(1000);
  const p = 8 + rng.int(12);
  const k0 = 2 + rng.int(3);
  const { z, column } = collinearBlock(rng, n);
  const cols: number[][] = [];
  for (let j = 0; j < p; j++) {
    if (j < k0) cols.push(column());
    else cols.push(Array.from({ length: n }, () => rng.normal()));
  }
  const rows = Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
  const y = rows.map((r, i) => 0.5 * z[i]! + r[k0]! - 0.3 * r[k0 + 1]! + rng.normal());
  const weights = Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : 0.5 + rng.next()));
  const penaltyFactors = Array.from({ length: p }, (_, j) => (j < k0 ? 0 : 1));
  return { rows, y, weights, penaltyFactors, alpha: 1, sparse: false };
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

/** Σ w (y − ȳ)² / Σ w. */
function weightedVariance(y: number[], weights: number[]): number {
  const total = weights.reduce((s, v) => s + v, 0);
  const mean = y.reduce((s, v, i) => s + weights[i]! * v, 0) / total;
  return y.reduce((s, v, i) => s + weights[i]! * (v - mean) ** 2, 0) / total;
}

/**
 * Fits each case at `ratios` of its λ_max; every certified one must leave the block at most
 * 1e-9·var(y) to gain. Returns how many were certified.
 */
function certifiedAtBlockOptimum(cases: Map<number, Case>, ratios: number[]): number {
  let certified = 0;
  for (const [seed, c] of cases) {
    const x = c.sparse ? sparseFromRows(c.rows) : DenseDesign.fromRows(c.rows);
    const base = {
      family: 'gaussian' as const,
      l1Ratio: c.alpha,
      penaltyFactors: c.penaltyFactors,
      weights: c.weights,
    };
    const variance = weightedVariance(c.y, c.weights);
    const lambdaMax = solvePath(x, c.y, { ...base, nLambda: 2, lambdaMinRatio: 0.5 }).fits[0]!.lambda;
    for (const ratio of ratios) {
      const fit = solveAt(x, c.y, { ...base, lambda: ratio * lambdaMax });
      if (!fit.converged) continue;
      certified++;
      const gain = blockGain(c, fit.intercept, fit.coefficients);
      expect(gain / variance, `seed ${seed}, λ = ${ratio}·λ_max`).toBeLessThan(1e-9);
    }
  }
  return certified;
}

describe('nearly collinear unpenalized columns far from 0, weighted', () => {
  it('wide: a certified fit has them at their optimum given the rest (seeds where the KKT test certified 3e-8 to 7e-5·var(y) above it)', () => {
    const cases = new Map([4, 6, 7, 15, 20, 21, 33].map((seed) => [seed, collinearCase(seed)]));
    // (seeds 15 to 33 say they did not converge: coordinate descent stalls on them)
    expect(certifiedAtBlockOptimum(cases, [0.8, 0.3])).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('tall (covariance mode): a certified fit has them at their optimum (seed 29: 4e-9 to 8.5e-9·var(y) to gain)', () => {
    const cases = new Map([26, 27, 28, 29, 30].map((seed) => [seed, tallCase(seed)]));
    expect(certifiedAtBlockOptimum(cases, [0.3, 0.1, 0.01])).toBeGreaterThanOrEqual(9);
  }, 120_000);
});
