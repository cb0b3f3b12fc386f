import { oneRowColumns, SparseDesign } from './design.js';
import { ProblemRecord, type Problem } from './problem.js';
import type { Coefficients } from './solve.js';

/**
 * A profiled row whose singletons move u (below) has a loss linear in η up to where they
 * reach 0, then the logistic curve: its curvature in the quadratic model is t / (|u| + PROFILE_REACH)
 * (0 would be the generalized Hessian, which overshoots past that point; t / |u|, the model's
 * minimum at it, slows Newton to a crawl: warm refit on the bench's window, λ = 0.001, KKT 1e-2,
 * 62 Newton iterations, against 13 here and 15 with 0).
 */
export const PROFILE_REACH = 32;

/**
 * The profile applies to fits with a KKT tolerance of at least this (a refit's default is 1e-2).
 * At the optimum a row whose singletons move has no curvature, so the other columns of such rows
 * only (ids seen twice in them) lie on flat directions of the profiled loss, and PROFILE_REACH's
 * curvature makes Newton converge linearly: on a 5,000-event window at λ = 0.001, KKT 1e-10 was
 * not met in 100 Newton iterations (violation 3e-4). Profiling to 1e-3 and finishing without it
 * met 1e-10 in more sweeps than without it (λ = 0.002, 2,000 events, warm: 883; main: under 720).
 */
export const PROFILE_KKT = 1e-3;

/**
 * Columns stored in one row only ("singletons": ids seen once in a window) of a binomial lasso
 * (α = 1) on a sparse design, profiled out of the solve exactly.
 *
 * A singleton j of row i moves only η_i, relative to the intercept, by u = β_j x_ij / s_j at an L1
 * cost λ pf_j s_j / |x_ij| per unit of u. Every singleton of the row moves the same η_i, so only
 * the cheapest (`rep`, the lowest column among equals) can be non-zero at an optimum, and given
 * the rest of the model (η_i without it, e) its best move has a closed form: with t = that cost
 * / w_i, the row's loss w_i ℓ(y_i, e + u) + w_i t |u| is least at u = 0 while |y_i − p(e)| ≤ t,
 * else at the u that brings |y_i − p| to t (η_i = ±logit(1 − t)). The row's profiled loss is that
 * minimum: the logistic loss while the singleton is at 0, then linear in e with slope ∓w_i t
 * (its residual clipped to ±t). The solver sees the other columns only, with every row's loss
 * profiled (`CdState.setProfileLambda`); `Engine.expandProfile` puts each row's u back on its
 * `rep`. The objective is the same function of the other columns, so the optimum and the KKT
 * conditions of every column are those of the full problem: the row's other singletons have
 * gradient within their thresholds (|w_i (y_i − p_i)| ≤ w_i t ≤ theirs).
 */
export interface SingletonProfile {
  /** Per row: the singleton column that carries its move, −1 when the row is not profiled. */
  readonly rep: Int32Array;
  /** Per row: the rep's stored value x_ij. */
  readonly value: Float64Array;
  /** Per row: the L1 cost of a unit move of η_i per unit of λ, over w_i (t = λ · unit). */
  readonly unit: Float64Array;
  /** Columns left out of the solve (every singleton of a profiled row). */
  readonly columns: number;
  /** Rows with a rep. */
  readonly rows: number;
}

/**
 * The profile of `problem`'s singletons and the problem the solver sees (those columns
 * `excluded`), or null when it does not apply (not binomial, α < 1, dense, a KKT tolerance below
 * PROFILE_KKT, no singleton, or `profileSingletons` off). A row with an unpenalized singleton (pf 0: its loss goes to 0 at
 * η = ±∞) is left as it is.
 */
export function singletonProfile(problem: Problem): { problem: Problem; profile: SingletonProfile } | null {
  if (problem.profileSingletons === false || problem.family !== 'binomial' || problem.alpha !== 1)
    return null;
  if (!(problem.kktTolerance >= PROFILE_KKT)) return null;
  const { x, excluded, w } = problem;
  if (!(x instanceof SparseDesign)) return null;
  const n = x.rows;
  const { rep, value, cost, columns: singles, rows } = cheapestSingletons(problem, x);
  let profiled = 0;
  const unit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (rep[i]! < 0) continue;
    unit[i] = cost[i]! / w[i]!;
    profiled++;
  }
  if (profiled === 0) return null;
  const out = excluded.slice();
  let columns = 0;
  for (let k = 0; k < singles.length; k++) {
    if (rep[rows[k]!]! >= 0) {
      out[singles[k]!] = 1;
      columns++;
    }
  }
  return {
    problem: new ProblemRecord({ ...problem, excluded: out }),
    profile: { rep, value, unit, columns, rows: profiled },
  };
}

/**
 * The singletons a binomial lasso (α = 1) on a sparse design can leave out exactly: in each row,
 * every singleton but its cheapest (`rep`, as in `singletonProfile`). They all move the same η_i,
 * so a move of any of them is one of the rep at no more L1 cost; and the KKT condition of each
 * (|x_ij w_i (y_i − p_i)| ≤ its threshold, relative to that threshold) holds whenever the rep's
 * does, since the rep's cost per unit move is the lowest. On the bench's refit window 42,384 of
 * its 61,564 singletons are such twins (binary ids, standardized: equal costs).
 *
 * Returns the problem with them `excluded`, its design, and per column the rep a twin's move goes
 * to (−1 for other columns), or null when it does not apply (not binomial, α < 1, dense, no twin).
 */
export function singletonTwins(
  problem: Problem,
): { problem: Problem; x: SparseDesign; twinOf: Int32Array } | null {
  const { x, excluded } = problem;
  if (problem.family !== 'binomial' || problem.alpha !== 1 || !(x instanceof SparseDesign)) return null;
  const { rep, columns, rows } = cheapestSingletons(problem, x);
  const twinOf = new Int32Array(x.cols).fill(-1);
  const out = excluded.slice();
  let twins = 0;
  for (let k = 0; k < columns.length; k++) {
    const j = columns[k]!;
    const r = rep[rows[k]!]!;
    if (r < 0 || r === j) continue;
    twinOf[j] = r;
    out[j] = 1;
    twins++;
  }
  if (twins === 0) return null;
  return { problem: new ProblemRecord({ ...problem, excluded: out }), x, twinOf };
}

/**
 * `start` (original scale) with each twin's coefficient moved onto its rep (`singletonTwins`):
 * the same η on every row, at no more L1 cost. Returns `start` itself when no twin is non-zero.
 */
export function mergeTwins(x: SparseDesign, start: Coefficients, twinOf: Int32Array): Coefficients {
  const { colStart, values } = x;
  const from = start.coefficients;
  let coefficients: Float64Array | null = null;
  for (let j = 0; j < twinOf.length; j++) {
    const r = twinOf[j]!;
    if (r < 0 || from[j] === 0) continue;
    coefficients ??= Float64Array.from(from);
    coefficients[r]! += (coefficients[j]! * values[colStart[j]!]!) / values[colStart[r]!]!;
    coefficients[j] = 0;
  }
  return coefficients === null ? start : { intercept: start.intercept, coefficients };
}

/**
 * Per row, its cheapest singleton (`rep`: the lowest column among equals; −1 when the row has
 * none, or has an unpenalized one), with its stored value and its L1 cost per unit move of η_i
 * per unit of λ (pf_j s_j / |x_ij|); and every singleton column (not excluded) with its row.
 */
interface Singletons {
  readonly rep: Int32Array;
  readonly value: Float64Array;
  readonly cost: Float64Array;
  readonly columns: Int32Array;
  readonly rows: Int32Array;
}

function cheapestSingletons(problem: Problem, x: SparseDesign): Singletons {
  const { pf, scale, excluded, w } = problem;
  const n = x.rows;
  const rep = new Int32Array(n).fill(-1);
  const value = new Float64Array(n);
  const cost = new Float64Array(n).fill(Infinity);
  const blocked = new Uint8Array(n);
  const ones = oneRowColumns(x);
  const columns = new Int32Array(ones.cols.length);
  const rows = new Int32Array(ones.cols.length);
  let count = 0;
  for (let q = 0; q < ones.cols.length; q++) {
    const j = ones.cols[q]!;
    if (excluded[j]) continue;
    const i = ones.rows[q]!;
    columns[count] = j;
    rows[count++] = i;
    const v = ones.values[q]!;
    if (v === 0 || !(w[i]! > 0)) continue;
    if (pf[j] === 0) {
      blocked[i] = 1;
      continue;
    }
    const c = (pf[j]! * scale[j]!) / Math.abs(v);
    if (c < cost[i]!) {
      cost[i] = c;
      rep[i] = j;
      value[i] = v;
    }
  }
  for (let i = 0; i < n; i++) if (blocked[i]) rep[i] = -1;
  return { rep, value, cost, columns: columns.subarray(0, count), rows: rows.subarray(0, count) };
}
