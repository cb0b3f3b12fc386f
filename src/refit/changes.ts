import { choleskyPivotFailure, choleskySolve } from '../solve/cholesky.js';
import { type Design, SparseDesign } from '../solve/design.js';
import type { Family } from '../core/event.js';

/**
 * Most columns (the two refits' supports together) whose moves are measured: the information
 * matrix is built dense over them (n · k² products).
 */
export const CHANGE_COLUMNS_MAX = 48;
/**
 * Most rows the information is summed over: a larger window's rows are taken at an even stride and
 * the sums scaled to the window (an estimate of its information, at a fixed cost per refit).
 */
export const CHANGE_ROWS_MAX = 4096;

/** How far each coefficient of a refit moved from the previous refit's, in standard errors. */
export interface CoefficientChanges {
  /**
   * Design columns: those non-zero in either refit, less any that the intercept and the columns
   * before it determine (levels of a field that sum to the intercept: the last of them is left out).
   */
  readonly cols: Int32Array;
  /** |β_after − β_before| / (√2 · se_after), se from the information matrix over `cols` and the intercept. */
  readonly z: Float64Array;
}

/**
 * The moves of the coefficients between two refits as z-scores: the difference over the standard
 * error of a difference of two estimates with this window's standard error (√2 · se). se is the
 * Wald standard error at the new fit, from the inverse of the (observation-weighted) Fisher
 * information over the columns non-zero in either fit and the intercept, so collinear columns that
 * trade places share their uncertainty; summed over at most CHANGE_ROWS_MAX rows. Null when there
 * is nothing to measure or more than CHANGE_COLUMNS_MAX columns.
 *
 * A measure for the drift checks (the support and sign detectors report a move this large at once),
 * not an inference: the penalty's shrinkage and the selection are ignored.
 */
export function coefficientChanges(
  x: Design,
  y: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  family: Family,
  intercept: number,
  after: ArrayLike<number>,
  before: ArrayLike<number>,
): CoefficientChanges | null {
  const n = x.rows;
  const list: number[] = [];
  for (let c = 0; c < x.cols; c++) if (after[c] !== 0 || before[c] !== 0) list.push(c);
  const k = list.length;
  if (k === 0 || k > CHANGE_COLUMNS_MAX) return null;
  // the rows' weights with mean 1 (a window's observation weights, or none)
  let total = n;
  if (weights !== undefined) {
    total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
  }
  if (!(total > 0)) return null;
  // the columns' entries by row (in each row by position in `list`): the information is a sum over
  // rows of the outer products of their few entries, not k² products of whole columns
  const stride = Math.ceil(n / CHANGE_ROWS_MAX);
  const { start, at, value } = entriesByRow(x, list, stride);
  let active = 0;
  for (const c of list) if (after[c] !== 0) active++;
  const s = k + 1;
  const info = new Float64Array(s * s);
  let residual = 0;
  let sampled = 0;
  for (let i = 0; i < n; i += stride) {
    const r = sampled++;
    let eta = intercept;
    for (let e = start[r]!; e < start[r + 1]!; e++) eta += after[list[at[e]!]!]! * value[e]!;
    const v = weights === undefined ? 1 : (weights[i]! * n) / total;
    let w: number;
    if (family === 'binomial') {
      const p = 1 / (1 + Math.exp(-eta));
      w = v * p * (1 - p);
    } else {
      w = v;
      const gap = y[i]! - eta;
      residual += v * gap * gap;
    }
    info[0]! += w;
    for (let e = start[r]!; e < start[r + 1]!; e++) {
      const row = (at[e]! + 1) * s;
      const wx = w * value[e]!;
      info[row]! += wx;
      for (let f = start[r]!; f <= e; f++) info[row + at[f]! + 1]! += wx * value[f]!;
    }
  }
  // gaussian: the residual variance (the information is Xᵀ W X / σ²); the sampled rows' sums
  // stand for the window's n rows
  const sigma2 = family === 'gaussian' ? residual / Math.max(1, sampled - active - 1) : 1;
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
  const cols = new Int32Array(m - 1);
  const z = new Float64Array(m - 1);
  const unit = new Float64Array(m);
  for (let a = 1; a < m; a++) {
    unit.fill(0);
    unit[a] = 1;
    choleskySolve(factor, m, unit);
    const variance = scale * unit[a]!;
    const c = list[kept[a]! - 1]!;
    cols[a - 1] = c;
    z[a - 1] = variance > 0 ? Math.abs(after[c]! - before[c]!) / Math.sqrt(2 * variance) : 0;
  }
  return { cols, z };
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
