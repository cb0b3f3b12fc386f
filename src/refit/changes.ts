import { choleskyPivotFailure } from '../solve/cholesky.js';
import { type Design, SparseDesign } from '../solve/design.js';
import type { Family } from '../core/event.js';
import type { Standardize } from '../solve/problem.js';

/**
 * Most columns measured: of the two refits' supports together, those with the largest effects
 * (the ones the drift checks can count); the information matrix over them is factored dense
 * (k³ / 3 products: about 0.7 M at 128).
 */
export const CHANGE_COLUMNS_MAX = 128;
/**
 * Most rows the information is summed over: a larger window's rows are taken at an even stride and
 * the sums scaled to the window (an estimate of its information, at a fixed cost per refit).
 */
export const CHANGE_ROWS_MAX = 4096;
/**
 * Most products summed into the information (Σ over the rows taken of their entries among the
 * columns, squared, halved): rows with many of the columns (dense ones) are taken at a wider stride,
 * down to `CHANGE_ROWS_MIN` rows.
 */
export const CHANGE_PRODUCTS_MAX = 8_000_000;
export const CHANGE_ROWS_MIN = 1024;
/**
 * Of a window longer than CHANGE_ROWS_MAX, a column is measured by the information matrix only
 * with at least this many entries expected in the rows it is summed over; a rarer one (an id seen
 * a few times) from its own information over all its rows, less the intercept's share.
 */
export const CHANGE_SAMPLED_MIN = 16;

/** How far each coefficient of a refit is from 0, and moved from the previous refit's, in standard errors. */
export interface CoefficientChanges {
  /**
   * Design columns, in order: those non-zero in either refit, less any that the intercept and the
   * columns measured before it determine (levels of a field that sum to the intercept: the last of
   * them is left out). Of more than CHANGE_COLUMNS_MAX, those with the largest effects
   * (`largestEffects`) are measured by the whole information matrix, the others (and columns too
   * rare for the rows it is summed over: CHANGE_SAMPLED_MIN) as `strength` says.
   */
  readonly cols: Int32Array;
  /**
   * |β_after| / se_after: how many standard errors the new coefficient is from 0 (0 where it is 0);
   * for a column beyond those measured, se from its own information less the intercept's share (a
   * lower bound: its correlation with the other columns is ignored).
   */
  readonly strength: Float64Array;
  /**
   * |β_after − β_before| / (√2 · se_after), se from the information matrix over the columns
   * measured and the intercept; NaN for a column beyond them (`largestEffects`), absent without a
   * previous refit (`before` null).
   */
  readonly z?: Float64Array;
  /**
   * For each of `levels` (design columns, −1 none), its standard error from its own information
   * less the intercept's share, whatever its coefficient (NaN for −1 or a column without spread).
   */
  readonly levelSe?: Float64Array;
}

/**
 * The coefficients of a refit as z-scores: each one's distance from 0 over its standard error
 * (`strength`), and, given the previous refit's, its move over the standard error of a difference
 * of two estimates with this window's standard error (√2 · se). se is the Wald standard error at
 * the new fit, from the inverse of the (observation-weighted) Fisher information over the columns
 * non-zero in either fit and the intercept, so collinear columns that trade places share their
 * uncertainty; summed over at most CHANGE_ROWS_MAX rows. Of more than CHANGE_COLUMNS_MAX such
 * columns, those with the largest effects (`largestEffects`, by `standardize`) are measured so,
 * ignoring their correlation with the others, and the others, like columns too rare for the rows
 * sampled (`CHANGE_SAMPLED_MIN`), from their own information over every row, less the intercept's
 * share (both se a little small). Null when there is nothing to measure.
 *
 * A measure for the drift checks (the support and sign detectors take a coefficient this close to
 * 0 for noise, and report a move this large at once), not an inference: the penalty's shrinkage and
 * the selection are ignored.
 */
export function coefficientChanges(
  x: Design,
  y: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  family: Family,
  intercept: number,
  after: ArrayLike<number>,
  before: ArrayLike<number> | null,
  standardize: Standardize = true,
  levels?: Int32Array,
): CoefficientChanges | null {
  const n = x.rows;
  const all: number[] = [];
  for (let c = 0; c < x.cols; c++) if (after[c] !== 0 || (before !== null && before[c] !== 0)) all.push(c);
  const nonZero = all.length;
  // the levels asked whose coefficients are 0 in both: their own information is summed too
  if (levels !== undefined) {
    const asked = new Set<number>();
    for (const c of levels)
      if (c >= 0 && after[c] === 0 && (before === null || before[c] === 0)) asked.add(c);
    for (const c of [...asked].sort((a, b) => a - b)) all.push(c);
  }
  if (nonZero === 0) return null;
  // the columns measured by the whole information matrix (with entries enough in the rows it is
  // summed over), by position in `all` (else −1)
  const firstStride = Math.ceil(n / CHANGE_ROWS_MAX);
  const candidates = all
    .slice(0, nonZero)
    .filter((c) => firstStride === 1 || x.columnNnz(c) >= CHANGE_SAMPLED_MIN * firstStride);
  const list =
    candidates.length > CHANGE_COLUMNS_MAX
      ? largestEffects(x, candidates, after, before, standardize)
      : candidates;
  const k = list.length;
  const position = new Int32Array(all.length).fill(-1);
  for (let a = 0, b = 0; a < nonZero; a++) if (b < k && all[a] === list[b]) position[a] = b++;
  // the rows' weights with mean 1 (a window's observation weights, or none)
  let total = n;
  if (weights !== undefined) {
    total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
  }
  if (!(total > 0)) return null;
  // every row's information weight W_i at the fit (and the gaussian residual), from η over the
  // columns non-zero in it: exact, so that every column's own information below is too
  const eta = new Float64Array(n).fill(intercept);
  let active = 0;
  for (const c of all) {
    if (after[c] === 0) continue;
    active++;
    x.axpy(c, after[c]!, eta);
  }
  const rowWeight = new Float64Array(n);
  let residual = 0;
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    const v = weights === undefined ? 1 : (weights[i]! * n) / total;
    let w: number;
    if (family === 'binomial') {
      const p = 1 / (1 + Math.exp(-eta[i]!));
      w = v * p * (1 - p);
    } else {
      w = v;
      const gap = y[i]! - eta[i]!;
      residual += v * gap * gap;
    }
    rowWeight[i] = w;
    weightSum += w;
  }
  // gaussian: the residual variance (the information is Xᵀ W X / σ²)
  const sigma2 = family === 'gaussian' ? residual / Math.max(1, n - active - 1) : 1;
  // (a gaussian fit through every row: no noise to measure against)
  if (!(sigma2 > 0) || !(weightSum > 0)) return null;
  // every column's own information and its cross term with the intercept, over all its entries
  const own = Float64Array.from(all, (c) => x.weightedSquares(c, rowWeight));
  const withIntercept = Float64Array.from(all, (c) => x.dot(c, rowWeight));
  // the information matrix over the intercept and `list`, summed over an even sample of the rows
  // (the columns' entries by row: a sum over rows of the outer products of their few entries)
  let stride = firstStride;
  let { start, at, value } = entriesByRow(x, list, stride);
  for (let work = products(start); work > CHANGE_PRODUCTS_MAX && n / (2 * stride) >= CHANGE_ROWS_MIN;) {
    stride *= 2;
    ({ start, at, value } = entriesByRow(x, list, stride));
    work = products(start);
  }
  const s = k + 1;
  const info = new Float64Array(s * s);
  let sampled = 0;
  for (let i = 0; i < n; i += stride) {
    const r = sampled++;
    const w = rowWeight[i]!;
    info[0]! += w;
    const from = start[r]!;
    const to = start[r + 1]!;
    for (let e = from; e < to; e++) {
      const wx = w * value[e]!;
      const row = (at[e]! + 1) * s;
      info[row]! += wx;
      for (let f = from; f <= e; f++) info[row + at[f]! + 1]! += wx * value[f]!;
    }
  }
  // the sampled rows' sums stand for the window's n rows
  const scale = sigma2 * (sampled / n);
  // factored over the columns kept: one that the others determine (a pivot at rounding level) is
  // left out and the rest factored again
  const kept = Array.from({ length: s }, (_, a) => a);
  const keptInfo = (): Float64Array => {
    const m = kept.length;
    const f = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b <= a; b++) f[a * m + b] = info[kept[a]! * s + kept[b]!]!;
    return f;
  };
  let factor = keptInfo();
  for (let failed = choleskyPivotFailure(factor, s); failed >= 0;) {
    if (failed === 0 || kept.length === 2) return null;
    kept.splice(failed, 1);
    factor = keptInfo();
    failed = choleskyPivotFailure(factor, kept.length);
  }
  const m = kept.length;
  const variance = inverseDiagonal(factor, m);
  const cols: number[] = [];
  const strength: number[] = [];
  const z: number[] = [];
  const add = (c: number, v: number, moved: boolean): void => {
    cols.push(c);
    strength.push(v > 0 ? Math.abs(after[c]!) / Math.sqrt(v) : 0);
    if (before !== null)
      z.push(!moved ? NaN : v > 0 ? Math.abs(after[c]! - before[c]!) / Math.sqrt(2 * v) : 0);
  };
  for (let a = 1; a < m; a++) add(list[kept[a]! - 1]!, scale * variance[a]!, true);
  // the columns beyond `list`: their information with only the intercept taken out (a lower bound on
  // their variance), for `strength`; their moves are not measured
  const ownVariance = (a: number): number => {
    const schur = own[a]! - (withIntercept[a]! * withIntercept[a]!) / weightSum;
    return schur > 1e-13 * own[a]! ? sigma2 / schur : NaN;
  };
  for (let a = 0; a < nonZero; a++) {
    if (position[a]! >= 0) continue;
    const v = ownVariance(a);
    if (!Number.isNaN(v)) add(all[a]!, v, false);
  }
  const order = Array.from(cols.keys()).sort((p, q) => cols[p]! - cols[q]!);
  let levelSe: Float64Array | undefined;
  if (levels !== undefined) {
    const at = new Map<number, number>();
    all.forEach((c, a) => at.set(c, a));
    levelSe = Float64Array.from(levels, (c) => {
      const a = c >= 0 ? at.get(c) : undefined;
      return a === undefined ? NaN : Math.sqrt(ownVariance(a));
    });
  }
  return {
    cols: Int32Array.from(order, (o) => cols[o]!),
    strength: Float64Array.from(order, (o) => strength[o]!),
    ...(before === null ? {} : { z: Float64Array.from(order, (o) => z[o]!) }),
    ...(levelSe === undefined ? {} : { levelSe }),
  };
}

/**
 * The CHANGE_COLUMNS_MAX columns of `list` with the largest effects max(|β_after|, |β_before|) · s,
 * in order; s the scale the drift checks weigh a coefficient by (the model's `columnScale`, here
 * from the window): 1 without standardization and, with "auto", for a 0/1 column; else its sd.
 */
function largestEffects(
  x: Design,
  list: readonly number[],
  after: ArrayLike<number>,
  before: ArrayLike<number> | null,
  standardize: Standardize,
): number[] {
  const n = x.rows;
  const ones = new Float64Array(n).fill(1);
  // by position in `list`
  const effect = new Float64Array(list.length);
  list.forEach((c, a) => {
    let scale = 1;
    if (standardize === true || (standardize === 'auto' && !x.isIndicator(c, ones))) {
      const mean = x.dot(c, ones) / n;
      scale = Math.sqrt(Math.max(0, x.weightedSquares(c, ones) / n - mean * mean));
    }
    effect[a] = Math.max(Math.abs(after[c]!), before === null ? 0 : Math.abs(before[c]!)) * scale;
  });
  return Array.from(list.keys())
    .sort((a, b) => effect[b]! - effect[a]! || a - b)
    .slice(0, CHANGE_COLUMNS_MAX)
    .sort((a, b) => a - b)
    .map((a) => list[a]!);
}

/** The products the information matrix sums: over the rows taken, (their entries)² / 2. */
function products(start: Int32Array): number {
  let work = 0;
  for (let r = 0; r + 1 < start.length; r++) {
    const e = start[r + 1]! - start[r]!;
    work += (e * (e + 1)) / 2;
  }
  return work;
}

/**
 * The diagonal of A⁻¹ from A's factor L (row-major, lower): (A⁻¹)_aa = ‖L⁻¹ e_a‖², column a of
 * L⁻¹ by forward substitution from row a (m³ / 6 products in all).
 */
function inverseDiagonal(l: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  const v = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    let sum = 0;
    for (let b = a; b < m; b++) {
      const row = b * m;
      let s = b === a ? 1 : 0;
      for (let c = a; c < b; c++) s -= l[row + c]! * v[c]!;
      const vb = s / l[row + b]!;
      v[b] = vb;
      sum += vb * vb;
    }
    out[a] = sum;
  }
  return out;
}

/**
 * The entries of `x`'s columns `list` in the rows taken (every `stride`-th from row 0), by row:
 * the r-th row taken has `[start[r], start[r + 1])`, `at` their position in `list`.
 */
function entriesByRow(
  x: Design,
  list: readonly number[],
  stride: number,
): { readonly start: Int32Array; readonly at: Int32Array; readonly value: Float64Array } {
  const n = x.rows;
  const taken = Math.ceil(n / stride);
  // each column's entries (a sparse design's as stored; a dense one's non-zeros)
  const columns = list.map((c) => {
    if (x instanceof SparseDesign) {
      const from = x.colStart[c]!;
      const to = x.colStart[c + 1]!;
      return { rows: x.rowIndex.subarray(from, to), values: x.values.subarray(from, to) };
    }
    const dense = new Float64Array(n);
    x.axpy(c, 1, dense);
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (dense[i] !== 0) rows.push(i);
    return { rows: Int32Array.from(rows), values: Float64Array.from(rows, (i) => dense[i]!) };
  });
  const start = new Int32Array(taken + 1);
  for (const { rows } of columns)
    for (let e = 0; e < rows.length; e++) if (rows[e]! % stride === 0) start[rows[e]! / stride + 1]!++;
  for (let r = 0; r < taken; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, taken);
  const at = new Int32Array(start[taken]!);
  const value = new Float64Array(start[taken]!);
  columns.forEach(({ rows, values }, a) => {
    for (let e = 0; e < rows.length; e++) {
      if (rows[e]! % stride !== 0) continue;
      const slot = fill[rows[e]! / stride]!++;
      at[slot] = a;
      value[slot] = values[e]!;
    }
  });
  return { start, at, value };
}
