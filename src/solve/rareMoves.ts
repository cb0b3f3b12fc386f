import { allEqual, SparseDesign } from './design.js';
import type { Engine } from './engine.js';
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
  return rareStart(problem, start, lambda)?.moved ?? start;
}

/**
 * `rareMoves`, with the objective of `start` itself (docs/conventions.md's, as `Engine.objective`
 * computes it up to rounding) from the same pass over its η: a fit that tests its start first
 * needs no point set in the engine for it (bench/results/warm-s33.md). A start whose objective is
 * above `limit` is not moved (a fit refuses it). Null where `rareMoves` does not apply, or for a
 * start of the wrong length or not finite.
 *
 * `engine`: an engine of `problem` whose point is not set yet. With equal weights its WebAssembly
 * copy of the design then checks the rare columns (`rareScan`: the same sums, in the same order;
 * bench/results/warm-s34.md).
 */
export function rareStart(
  problem: Problem,
  start: Coefficients,
  lambda: number,
  limit = Infinity,
  engine: Engine | null = null,
): { moved: Coefficients; objective: number } | null {
  const x = problem.x;
  if (problem.family !== 'binomial' || !(x instanceof SparseDesign) || !(lambda > 0)) return null;
  const { colStart, rowIndex, values } = x;
  const { y, w, excluded, pf, alpha, scale } = problem;
  const tol = problem.kktTolerance;
  const n = x.rows;
  const p = x.cols;
  // a start of the wrong length or not finite is `toStandardized`'s to report
  if (start.coefficients.length !== p || !Number.isFinite(start.intercept)) return null;
  const c0 = w[0] ?? 0;
  const equal = allEqual(w, c0);
  const kernels = equal && engine?.problem === problem ? engine.sparseKernels : null;
  const scan = kernels?.copies(x) === true ? kernels : null;
  const coef = Float64Array.from(start.coefficients);
  let b0 = start.intercept;
  // η and σ(η) of the start as the solver takes it (excluded columns dropped, `toStandardized`),
  // and its penalty on the standardized scale (`Engine.objective`)
  const eta = new Float64Array(n).fill(b0);
  let penalty = 0;
  for (let j = 0; j < p; j++) {
    const c = coef[j]!;
    if (!Number.isFinite(c)) return null;
    if (excluded[j]) {
      coef[j] = 0;
      continue;
    }
    if (c === 0) continue;
    const b = c * scale[j]!;
    penalty += pf[j]! * (alpha * Math.abs(b) + ((1 - alpha) / 2) * b * b);
    for (let k = colStart[j]!; k < colStart[j + 1]!; k++) eta[rowIndex[k]!]! += c * values[k]!;
  }
  // σ(η) − y per row, kept with η; equal weights (the default) as the constant, not read per row
  const prob = new Float64Array(n);
  const gap = scan?.rareGap ?? new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const e = eta[i]!;
    const q = Math.exp(-Math.abs(e));
    prob[i] = e >= 0 ? 1 / (1 + q) : q / (1 + q);
    gap[i] = prob[i]! - y[i]!;
    // log(1 + e^η) − yη, stably
    loss += w[i]! * ((e > 0 ? e : 0) + Math.log1p(q) - y[i]! * e);
  }
  const objective = loss + lambda * penalty;
  if (objective > limit) return { moved: start, objective };
  // the intercept's steps stop once its condition holds to SOLVE_SHARE of the fit's (`BinomialSolver`'s)
  const l1 = lambda * alpha;
  const interceptStop = SOLVE_SHARE * tol * (l1 < 1 ? l1 : 1);
  // the columns a pass checks: stored in 1..RARE_ROWS rows, penalized
  const rare = scan?.rareList ?? new Int32Array(p);
  let count = 0;
  for (let j = 0; j < p; j++) {
    const size = colStart[j + 1]! - colStart[j]!;
    if (size === 0 || size > RARE_ROWS || excluded[j] || !(pf[j]! > 0)) continue;
    rare[count++] = j;
  }
  const l2c = lambda * (1 - alpha);
  scan?.rareCoef.set(coef);
  // the first m ≥ `from` whose column's start violates its condition beyond tol (or count)
  const firstViolation = scan
    ? (from: number): number => scan.rareScan(from, count, c0, l1, l2c, tol)
    : (from: number): number => {
        for (let m = from; m < count; m++) {
          const j = rare[m]!;
          const t = l1 * pf[j]! * scale[j]!;
          const c = coef[j]!;
          let g = l2c * pf[j]! * scale[j]! * scale[j]! * c;
          for (let k = colStart[j]!; k < colStart[j + 1]!; k++) {
            const i = rowIndex[k]!;
            g += (equal ? c0 : w[i]!) * values[k]! * gap[i]!;
          }
          const violation = c === 0 ? Math.abs(g) - t : Math.abs(g + (c > 0 ? t : -t));
          if (violation > tol * t) return m;
        }
        return count;
      };
  let moved = 0;
  for (let pass = 0; pass < RARE_PASSES; pass++) {
    let movedHere = 0;
    for (let m = firstViolation(0); m < count; m = firstViolation(m + 1)) {
      const j = rare[m]!;
      const t = l1 * pf[j]! * scale[j]!;
      const l2 = l2c * pf[j]! * scale[j]! * scale[j]!;
      const c = coef[j]!;
      const next = optimum(j, c, t, l2, SOLVE_SHARE * tol * t, x, eta, y, w);
      const d = next - c;
      if (d === 0) continue;
      coef[j] = next;
      if (scan) scan.rareCoef[j] = next;
      for (let k = colStart[j]!; k < colStart[j + 1]!; k++) {
        const i = rowIndex[k]!;
        eta[i]! += d * values[k]!;
        prob[i] = sigmoid(eta[i]!);
        gap[i] = prob[i]! - y[i]!;
      }
      movedHere++;
    }
    moved += movedHere;
    if (movedHere === 0) break;
    b0 = interceptSteps({ y, w, eta, prob, gap }, b0, interceptStop);
  }
  return { moved: moved === 0 ? start : { intercept: b0, coefficients: coef }, objective };
}

/** Rows as `rareStart` keeps them: η, σ(η) and σ(η) − y, with the labels and weights. */
export interface RareRows {
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly eta: Float64Array;
  readonly prob: Float64Array;
  readonly gap: Float64Array;
}

/**
 * Up to INTERCEPT_STEPS Newton steps of the intercept (unpenalized) on Σ w (σ(η) − y) = 0, each
 * moving every row's η, σ(η) and gap; they stop once |Σ w (σ(η) − y)| is within `stop` (a step
 * then would move the fit's intercept condition by less than it needs: it cost n exponentials).
 * Returns the intercept `b0` moved by them.
 */
export function interceptSteps(rows: RareRows, b0: number, stop: number): number {
  const { y, w, eta, prob, gap } = rows;
  const n = eta.length;
  let b = b0;
  for (let step = 0; step < INTERCEPT_STEPS; step++) {
    let g = 0;
    let h = 0;
    for (let i = 0; i < n; i++) {
      const q = prob[i]!;
      g += w[i]! * (q - y[i]!);
      h += w[i]! * q * (1 - q);
    }
    if (!(h > 0) || Math.abs(g) <= stop) break;
    const d = -g / h;
    b += d;
    for (let i = 0; i < n; i++) {
      eta[i]! += d;
      prob[i] = sigmoid(eta[i]!);
      gap[i] = prob[i]! - y[i]!;
    }
  }
  return b;
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
  slopeAt(0, c, l2, from, to, rowIndex, values, eta, y, w);
  let slope = slopeCurve[0]!;
  let curve = slopeCurve[1]!;
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
    slopeAt(cp, c, l2, from, to, rowIndex, values, eta, y, w);
    slope = slopeCurve[0]!;
    curve = slopeCurve[1]!;
  }
  return cp;
}

/** `slopeAt`'s results: the slope and the curvature. */
const slopeCurve = new Float64Array(2);

/**
 * The smooth part's slope and curvature over column j's entries [from, to) at c' = `cp` (η at
 * coefficient `c`), into `slopeCurve`: a function of its own, with locals, since a closure's
 * captured doubles were a new heap number at each entry (2.2 MB per warm fit on the refit window).
 */
function slopeAt(
  cp: number,
  c: number,
  l2: number,
  from: number,
  to: number,
  rowIndex: Int32Array,
  values: Float64Array,
  eta: Float64Array,
  y: Float64Array,
  w: Float64Array,
): void {
  const d = cp - c;
  let slope = l2 * cp;
  let curve = l2;
  for (let k = from; k < to; k++) {
    const i = rowIndex[k]!;
    const v = values[k]!;
    const q = sigmoid(eta[i]! + d * v);
    slope += w[i]! * v * (q - y[i]!);
    curve += w[i]! * v * v * q * (1 - q);
  }
  slopeCurve[0] = slope;
  slopeCurve[1] = curve;
}
