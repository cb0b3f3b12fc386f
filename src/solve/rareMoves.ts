import { SparseDesign } from './design.js';
import type { Problem } from './problem.js';
import type { Coefficients } from './solve.js';

/** Columns stored in at most this many rows are moved (`rareMoves`). */
const RARE_ROWS = 20;
/** Gauss–Seidel passes over them, each followed by the intercept's Newton steps. */
const RARE_PASSES = 3;
const INTERCEPT_STEPS = 3;
/** A one-dimensional solve stops when its subgradient is within this share of the tolerance, or after… */
const SOLVE_SHARE = 0.1;
const SOLVE_STEPS = 40;
/** …and moves η by at most this much per step while its far end is not bracketed. */
const MAX_ETA_STEP = 4;

function sigmoid(e: number): number {
  const q = Math.exp(-Math.abs(e));
  return e >= 0 ? 1 / (1 + q) : q / (1 + q);
}

/**
 * A binomial warm start with its rare columns moved to their exact one-dimensional optima. Each
 * column stored in at most RARE_ROWS rows whose KKT conditions the start violates (beyond the
 * problem's kktTolerance of its threshold) is set to the minimizer of the true logistic loss plus
 * its penalty given the rest of the model (a safeguarded Newton search on its subgradient, over
 * its few rows), in RARE_PASSES Gauss–Seidel passes with Newton steps of the intercept between.
 *
 * Why: after the window moves, its new events bring ids seen once or twice, whose start violates
 * their KKT conditions several times over (6 times λ after one new event on bench/solve's refit
 * window) and whose curvature is tiny; in the quadratic models of the Newton loop they take one
 * trust-region iteration after another (5 for that one event), each with its sweeps of the working
 * set and its checks of every column (bench/results/warm-s22.md). Off their few rows nothing else
 * moves, so their exact moves cost about their entries.
 *
 * Returns the start itself when no column moved, or when it does not apply (not binomial, a
 * dense design). The result is only a start: the fit's optimum and certificate are unchanged.
 */
export function rareMoves(problem: Problem, start: Coefficients, lambda: number): Coefficients {
  const x = problem.x;
  if (problem.family !== 'binomial' || !(x instanceof SparseDesign) || !(lambda > 0)) return start;
  const { colStart, rowIndex, values } = x;
  const { y, w, excluded, pf, alpha, scale } = problem;
  const tol = problem.kktTolerance;
  const n = x.rows;
  const p = x.cols;
  const coef = Float64Array.from(start.coefficients);
  let b0 = start.intercept;
  // η and σ(η) of the start as the solver takes it (excluded columns dropped, `toStandardized`)
  const eta = new Float64Array(n).fill(b0);
  for (let j = 0; j < p; j++) {
    if (excluded[j]) {
      coef[j] = 0;
      continue;
    }
    const c = coef[j]!;
    if (c === 0) continue;
    for (let k = colStart[j]!; k < colStart[j + 1]!; k++) eta[rowIndex[k]!]! += c * values[k]!;
  }
  // σ(η) − y per row, kept with η; equal weights (the default) as the constant, not read per row
  const prob = new Float64Array(n);
  const gap = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    prob[i] = sigmoid(eta[i]!);
    gap[i] = prob[i]! - y[i]!;
  }
  const c0 = w[0] ?? 0;
  const equal = w.every((u) => u === c0);
  let moved = 0;
  for (let pass = 0; pass < RARE_PASSES; pass++) {
    let movedHere = 0;
    for (let j = 0; j < p; j++) {
      const from = colStart[j]!;
      const to = colStart[j + 1]!;
      if (to === from || to - from > RARE_ROWS || excluded[j] || !(pf[j]! > 0)) continue;
      const t = lambda * alpha * pf[j]! * scale[j]!;
      const l2 = lambda * (1 - alpha) * pf[j]! * scale[j]! * scale[j]!;
      const c = coef[j]!;
      let g = l2 * c;
      for (let k = from; k < to; k++) {
        const i = rowIndex[k]!;
        g += (equal ? c0 : w[i]!) * values[k]! * gap[i]!;
      }
      const violation = c === 0 ? Math.abs(g) - t : Math.abs(g + (c > 0 ? t : -t));
      if (!(violation > tol * t)) continue;
      const next = optimum(j, c, t, l2, SOLVE_SHARE * tol * t, x, eta, y, w);
      const d = next - c;
      if (d === 0) continue;
      coef[j] = next;
      for (let k = from; k < to; k++) {
        const i = rowIndex[k]!;
        eta[i]! += d * values[k]!;
        prob[i] = sigmoid(eta[i]!);
        gap[i] = prob[i]! - y[i]!;
      }
      movedHere++;
    }
    moved += movedHere;
    if (movedHere === 0) break;
    // the intercept (unpenalized): Newton steps on Σ w (σ(η) − y) = 0
    for (let step = 0; step < INTERCEPT_STEPS; step++) {
      let g = 0;
      let h = 0;
      for (let i = 0; i < n; i++) {
        const q = prob[i]!;
        g += w[i]! * (q - y[i]!);
        h += w[i]! * q * (1 - q);
      }
      if (!(h > 0)) break;
      const d = -g / h;
      b0 += d;
      for (let i = 0; i < n; i++) {
        eta[i]! += d;
        prob[i] = sigmoid(eta[i]!);
        gap[i] = prob[i]! - y[i]!;
      }
    }
  }
  return moved === 0 ? start : { intercept: b0, coefficients: coef };
}

/**
 * The minimizer over c' of Σ w_i ℓ(η_i + (c' − c) x_ij) + t |c'| + l2 c'² / 2 over column j's rows
 * (η at coefficient c), to a subgradient within `stop`: 0 when the smooth part's slope at 0 is within ±t, else the root of the
 * increasing subgradient on the side it points to, by Newton steps kept inside a bracket.
 */
function optimum(
  j: number,
  c: number,
  t: number,
  l2: number,
  stop: number,
  x: SparseDesign,
  eta: Float64Array,
  y: Float64Array,
  w: Float64Array,
): number {
  const { colStart, rowIndex, values } = x;
  const from = colStart[j]!;
  const to = colStart[j + 1]!;
  let xmax = 0;
  for (let k = from; k < to; k++) xmax = Math.max(xmax, Math.abs(values[k]!));
  // slope (smooth part) and curvature at c'
  let slope = 0;
  let curve = 0;
  const at = (cp: number): void => {
    const d = cp - c;
    slope = l2 * cp;
    curve = l2;
    for (let k = from; k < to; k++) {
      const i = rowIndex[k]!;
      const v = values[k]!;
      const q = sigmoid(eta[i]! + d * v);
      slope += w[i]! * v * (q - y[i]!);
      curve += w[i]! * v * v * q * (1 - q);
    }
  };
  at(0);
  if (Math.abs(slope) <= t) return 0;
  // f(c') = slope(c') + s t is increasing, with f(0) of sign −s: the root has the sign s
  const s = slope > t ? -1 : 1;
  let near = 0; // f has sign −s here
  let far = s * Infinity; // f has sign s here (once bracketed)
  let cp = 0;
  for (let step = 0; step < SOLVE_STEPS; step++) {
    const f = slope + s * t;
    if (Math.abs(f) <= stop && cp !== 0) return cp;
    if (Math.sign(f) === s) far = cp;
    else near = cp;
    let nextCp = curve > 0 ? cp - f / curve : far;
    if (Number.isFinite(far)) {
      if (!((nextCp - near) * s > 0 && (far - nextCp) * s > 0)) nextCp = 0.5 * (near + far);
    } else {
      const cap = MAX_ETA_STEP / (xmax > 0 ? xmax : 1);
      if (!((nextCp - near) * s > 0) || Math.abs(nextCp - cp) > cap) nextCp = cp + s * cap;
    }
    if (nextCp === cp) return cp;
    cp = nextCp;
    at(cp);
  }
  return cp;
}
