import { checkOptions } from './options.js';
import type { Family } from '../core/event.js';
import { shownValue } from '../config/unknownKey.js';
import { DataError } from '../core/errors.js';
import { usesCovariance } from './covariance.js';
import { columnStats, DenseDesign, SparseDesign, type Design } from './design.js';

/** Options shared by every solver entry point (docs/conventions.md). */
export interface SolverOptions {
  /** 'gaussian' (default) or 'binomial'. */
  readonly family?: Family;
  /** L1 share α in (0, 1] (default 1: lasso). */
  readonly l1Ratio?: number;
  /**
   * Fit on columns scaled to unit population sd, report on the original scale (default true, as
   * glmnet); "auto" leaves the 0/1 indicators unscaled and scales the other columns by their sd per
   * presence (`penaltyScale`).
   */
  readonly standardize?: Standardize;
  /** Observation weights v_i ≥ 0 (default 1); normalized to sum to n. */
  readonly weights?: ArrayLike<number>;
  /** Per-feature penalty factors pf_j ≥ 0 (default 1; 0 = unpenalized). Used as given, not rescaled. */
  readonly penaltyFactors?: ArrayLike<number>;
  /**
   * Coordinate-descent tolerance: a sweep is converged when max_j h_j Δβ_j² < tolerance · var(y)
   * (default 1e-14, or 1e-9 with `stopping: 'glmnet'`; h_j is the coordinate's curvature).
   * Gaussian fits also certify the result with a duality gap ≤ gapTolerance · null loss (unless
   * `stopping` is 'glmnet').
   */
  readonly tolerance?: number;
  /** Gaussian only: relative duality-gap certificate (default 1e-10). */
  readonly gapTolerance?: number;
  /**
   * The KKT conditions must hold to this fraction of each feature's threshold λ α pf_j (default
   * 1e-10: the optimum to rounding). Larger values (1e-4 is about where glmnet's default stops for
   * binomial) trade accuracy for speed. Binomial fits stop on it; gaussian fits with naive updates
   * stop on it or on the duality gap, whichever holds first (covariance mode: the gap).
   */
  readonly kktTolerance?: number;
  /**
   * Gaussian only: when a λ is solved. 'certified' (default): the duality gap or the KKT
   * conditions above certify the optimum. 'glmnet': glmnet's passes and rule, no certificate:
   * sweeps over the active set, then the working set, until the largest h_j Δβ_j² of a sweep is
   * below tolerance · var(y) (glmnet's `thresh`) and no feature outside the working set violates
   * its KKT condition. Its default tolerance here is 1e-9, not glmnet's 1e-7: the rule bounds no
   * error, and at the same threshold the two land on either side of each other's objective λ by
   * λ. At 1e-9, with a path's predicted starts (`predictStart`), the sparse benchmark's objective
   * is at or below glmnet-default's at every λ (bench/results/solve-sparse-s15.md); 3e-9 is not.
   * Naive updates only: covariance mode always certifies (its exact active-set finish is cheap).
   */
  readonly stopping?: Stopping;
  /** Limit on coordinate sweeps per λ (default 100000). */
  readonly maxPasses?: number;
  /**
   * Gaussian update scheme: 'covariance' (glmnet's covariance updates, O(p) per change), 'naive'
   * (residual updates, O(nnz of the column)), or 'auto' (default: covariance when n > p and p ≤ 2000).
   */
  readonly mode?: 'auto' | 'covariance' | 'naive';
  /** Binomial only: limit on Newton (IRLS) iterations per λ (default 100). */
  readonly maxOuter?: number;
  /**
   * Finish each λ on the active set instead of sweeping through the slow linear tail of
   * coordinate descent (default true). Gaussian covariance mode: once the sweeps reach moderate
   * accuracy, the active set's optimality conditions are solved exactly (a Cholesky solve,
   * accepted only if it keeps every sign and every KKT condition). Binomial: Newton steps on the
   * active set, when their cost (the active set's Hessian) is repaid by the sweeps they save;
   * `'always'` tries them regardless of cost (for tests and comparisons).
   */
  readonly activeSetSolve?: boolean | 'always';
  /**
   * Gaussian, naive updates, certified stopping: Anderson extrapolation of the sweeps' iterates
   * every few sweeps, kept when it lowers the objective (default true; the same optimum in fewer
   * sweeps on ill-conditioned designs; false for tests and comparisons).
   */
  readonly extrapolate?: boolean;
  /**
   * Run the O(n·p) column kernels in WebAssembly (a copy of the design in its memory) where it is
   * available (default true); false keeps everything in JavaScript (same results to rounding).
   */
  readonly wasm?: boolean;
  /**
   * Binomial lasso on a sparse design, `solveAt` with a kktTolerance of 1e-3 or more (a refit's
   * default) from zero (no start, or a refused one): columns stored in one row only are profiled
   * out of the solve (`singletons.ts`: each row's share of them solved in closed form), the same
   * optimum, and a row's move sits on one of its singletons (the cheapest, the lowest column
   * among equals). Default true; 'always' profiles from a start too (on the refit bench's warm
   * starts it cost more than it saved); false solves them as any column.
   */
  readonly profileSingletons?: boolean | 'always';
}

/** When a gaussian λ is solved: certified optimum, or glmnet's convergence rule (`SolverOptions.stopping`). */
export type Stopping = 'certified' | 'glmnet';

/**
 * Column scaling: all columns (true), none (false), or "auto": 0/1 indicators unscaled, the other
 * columns by their sd per presence (`penaltyScale`).
 */
export type Standardize = boolean | 'auto';

/**
 * The scale s_j that the penalty applies to (docs/conventions.md: λ pf_j (α s_j|β_j| + ...)) for a column
 * with population sd `sd` under weights `w` (summing to 1): sd with `standardize` true, 1 with
 * false; with "auto", 1 for a column whose entries (in rows of positive weight) are all 0 or 1,
 * else sd / √q with q the weight of the rows where it is not 0 (sd for a column present in every
 * row; about the size of its values for a rare one, where sd ≈ that size × √q would all but lift
 * the penalty).
 */
export function penaltyScale(
  x: Design,
  j: number,
  w: Float64Array,
  sd: number,
  standardize: Standardize,
): number {
  if (standardize === 'auto') {
    if (x.isIndicator(j, w)) return 1;
    const q = x.presentShare(j, w);
    return q > 0 && q !== 1 ? sd / Math.sqrt(q) : sd;
  }
  return standardize ? sd : 1;
}

/** A validated problem: normalized weights (summing to 1), column statistics, penalty factors. */
export interface Problem {
  /**
   * The design the solver reads: the caller's (`given`), or a copy of a dense one whose columns far
   * from 0 beside their spread are shifted by `columnShift` (`shiftFarColumns`).
   */
  readonly x: Design;
  /** The design as the caller gave it. */
  readonly given: Design;
  /**
   * What was subtracted from each column of `given` to make `x` (null: nothing): a model on `x`
   * with intercept b has intercept b − Σ_j β_j columnShift_j on `given`.
   */
  readonly columnShift: Float64Array | null;
  readonly y: Float64Array;
  /** Weights normalized to sum to 1 (v_i / n after the normalization to sum n of docs/conventions.md). */
  readonly w: Float64Array;
  readonly family: Family;
  readonly alpha: number;
  readonly standardize: Standardize;
  readonly mean: Float64Array;
  /** Column scale s_j (`penaltyScale`): the population sd or 1 (1 also for constant columns). */
  readonly scale: Float64Array;
  readonly sd: Float64Array;
  readonly pf: Float64Array;
  /** 1 for columns that cannot enter the model (constant, or pf = Infinity): coefficient fixed at 0. */
  readonly excluded: Uint8Array;
  /**
   * Columns left out as constant: constant in the rows of positive weight, or with values too
   * large or too small to scale (past 1e150, or all within 1e-150 of 0); their coefficients are 0.
   */
  readonly constantColumns: readonly number[];
  /** Weighted mean of y. */
  readonly yMean: number;
  /** Σ w (y − ȳ)²: the scale of all tolerances (the variance of y). */
  readonly yVar: number;
  readonly tolerance: number;
  readonly gapTolerance: number;
  readonly kktTolerance: number;
  readonly stopping: Stopping;
  readonly maxPasses: number;
  readonly maxOuter: number;
  readonly mode: 'auto' | 'covariance' | 'naive';
  readonly activeSetSolve: boolean | 'always';
  readonly extrapolate: boolean;
  readonly wasm: boolean;
  readonly profileSingletons: boolean | 'always';
}

/**
 * A `Problem` as an instance of one class, whatever made it (`prepareProblem`, a copy with other
 * excluded columns): the solver reads its fields everywhere. An object literal's fields that hold
 * typed arrays lose their recorded class when the literal is made a second time, which deoptimized
 * every solver function optimized on the first (the second refit in a worker, issue 14); a class's
 * instances keep theirs.
 */
export class ProblemRecord implements Problem {
  readonly x: Problem['x'];
  readonly given: Problem['given'];
  readonly columnShift: Problem['columnShift'];
  readonly y: Problem['y'];
  readonly w: Problem['w'];
  readonly family: Problem['family'];
  readonly alpha: Problem['alpha'];
  readonly standardize: Problem['standardize'];
  readonly mean: Problem['mean'];
  readonly scale: Problem['scale'];
  readonly sd: Problem['sd'];
  readonly pf: Problem['pf'];
  readonly excluded: Problem['excluded'];
  readonly constantColumns: Problem['constantColumns'];
  readonly yMean: Problem['yMean'];
  readonly yVar: Problem['yVar'];
  readonly tolerance: Problem['tolerance'];
  readonly gapTolerance: Problem['gapTolerance'];
  readonly kktTolerance: Problem['kktTolerance'];
  readonly stopping: Problem['stopping'];
  readonly maxPasses: Problem['maxPasses'];
  readonly maxOuter: Problem['maxOuter'];
  readonly mode: Problem['mode'];
  readonly activeSetSolve: Problem['activeSetSolve'];
  readonly extrapolate: Problem['extrapolate'];
  readonly wasm: Problem['wasm'];
  readonly profileSingletons: Problem['profileSingletons'];

  constructor(fields: Problem) {
    this.x = fields.x;
    this.given = fields.given;
    this.columnShift = fields.columnShift;
    this.y = fields.y;
    this.w = fields.w;
    this.family = fields.family;
    this.alpha = fields.alpha;
    this.standardize = fields.standardize;
    this.mean = fields.mean;
    this.scale = fields.scale;
    this.sd = fields.sd;
    this.pf = fields.pf;
    this.excluded = fields.excluded;
    this.constantColumns = fields.constantColumns;
    this.yMean = fields.yMean;
    this.yVar = fields.yVar;
    this.tolerance = fields.tolerance;
    this.gapTolerance = fields.gapTolerance;
    this.kktTolerance = fields.kktTolerance;
    this.stopping = fields.stopping;
    this.maxPasses = fields.maxPasses;
    this.maxOuter = fields.maxOuter;
    this.mode = fields.mode;
    this.activeSetSolve = fields.activeSetSolve;
    this.extrapolate = fields.extrapolate;
    this.wasm = fields.wasm;
    this.profileSingletons = fields.profileSingletons;
  }
}

function finiteArray(name: string, a: ArrayLike<number>, len: number, min: number): Float64Array {
  if (a.length !== len) throw new DataError(`${name} has ${a.length} entries, expected ${len}`);
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const v = a[i]!;
    // shownValue: a string "1" read (1), as if it were the number
    if (!Number.isFinite(v)) throw new DataError(`${name}[${i}] is not a finite number (${shownValue(v)})`);
    if (v < min) throw new DataError(`${name}[${i}] must be >= ${min}, got ${v}`);
    out[i] = v;
  }
  return out;
}

/**
 * A NaN or infinite entry makes its column's mean non-finite (0·NaN is NaN, so rows of weight 0
 * count too); without this check such a column passed as constant and the fit silently left it out.
 */
function checkFiniteDesign(x: Design, mean: Float64Array): void {
  for (let j = 0; j < x.cols; j++) {
    if (Number.isFinite(mean[j])) continue;
    for (let i = 0; i < x.rows; i++) {
      const v = x.get(i, j);
      if (!Number.isFinite(v)) {
        throw new DataError(
          `design row ${i}, column ${j} is ${v}: every entry must be a finite number (drop or impute that row)`,
        );
      }
    }
    throw new DataError(`design column ${j}: its weighted mean overflows (${mean[j]}): rescale the column`);
  }
}

/**
 * Columns with values past 1e150, or of at most 1e-150 and not all equal: their squares (x², sd²)
 * overflow past 1.8e308 or fall below the smallest normal double, so their variance reads 0 or
 * infinite (a fit gave NaN, or dropped them as constant without a word).
 */
export const UNSCALABLE_ABOVE = 1e150;
const UNSCALABLE_BELOW = 1e-150;

/**
 * The columns whose values are too large or too small to scale (`UNSCALABLE_ABOVE`), judged by
 * their values in rows of positive weight; the statistics pick the few worth reading.
 */
function unscalableColumns(x: Design, w: Float64Array, mean: Float64Array, sd: Float64Array): number[] {
  const found: number[] = [];
  let column: Float64Array | null = null;
  for (let j = 0; j < x.cols; j++) {
    const s = sd[j]!;
    const m = Math.abs(mean[j]!);
    const suspect =
      s === 0
        ? m > UNSCALABLE_ABOVE || (m < UNSCALABLE_BELOW && x.columnNnz(j) > 0)
        : !(s >= UNSCALABLE_BELOW && s <= UNSCALABLE_ABOVE);
    if (!suspect) continue;
    column ??= new Float64Array(x.rows);
    column.fill(0);
    x.axpy(j, 1, column);
    let top = 0;
    let first = NaN;
    let varies = false;
    for (let i = 0; i < column.length; i++) {
      if (!(w[i]! > 0)) continue;
      const v = column[i]!;
      top = Math.max(top, Math.abs(v));
      if (Number.isNaN(first)) first = v;
      else if (v !== first) varies = true;
    }
    if (top > UNSCALABLE_ABOVE || (top > 0 && top < UNSCALABLE_BELOW && varies)) found.push(j);
  }
  return found;
}

/**
 * A column whose mean is this many of its sds or more from 0 (epoch milliseconds, years, a price
 * level) is shifted by its mean in a copy of the design before the solve: dense columns, and
 * sparse ones stored in every row (a column this far from 0 is present in 99.99 % of rows or
 * more). The solver centres columns implicitly (sums of x_ij, then the mean taken off), which
 * leaves the rounding of x_ij ≈ m_j (|m_j|·2^-52 each) in every sum: at 1e6 sds the coefficients
 * were 1e-4 off, and at 1e8 NaN, each with converged: true. Shifting changes only the intercept.
 */
const SHIFT_MEAN_SDS = 100;

/** `x` with its far columns shifted by their means (`SHIFT_MEAN_SDS`), or null when none is. */
function shiftFarColumns(
  x: Design,
  stats: { readonly mean: Float64Array; readonly sd: Float64Array },
  unscalable: ReadonlySet<number>,
): { x: Design; shift: Float64Array } | null {
  if (!(x instanceof DenseDesign) && !(x instanceof SparseDesign)) return null;
  const { mean, sd } = stats;
  const n = x.rows;
  let shift: Float64Array | null = null;
  for (let j = 0; j < x.cols; j++) {
    const s = sd[j]!;
    if (!(s > 0) || unscalable.has(j) || !(Math.abs(mean[j]!) >= SHIFT_MEAN_SDS * s)) continue;
    // (a sparse column's absent entries would become −m_j: only one stored in every row)
    if (x instanceof SparseDesign && x.colStart[j + 1]! - x.colStart[j]! !== n) continue;
    shift ??= new Float64Array(x.cols);
    shift[j] = mean[j]!;
  }
  if (shift === null) return null;
  const values = x.values.slice();
  for (let j = 0; j < x.cols; j++) {
    const c = shift[j]!;
    if (c === 0) continue;
    const [from, to] = x instanceof DenseDesign ? [j * n, (j + 1) * n] : [x.colStart[j]!, x.colStart[j + 1]!];
    for (let k = from; k < to; k++) values[k]! -= c;
  }
  return {
    x:
      x instanceof DenseDesign
        ? new DenseDesign(n, x.cols, values)
        : new SparseDesign(n, x.cols, x.colStart, x.rowIndex, values),
    shift,
  };
}

/** Names row i of the data in an error (`weights[i]`/`target[i]` for the library, a line for the CLI). */
export type RowName = (i: number, field: 'weights' | 'target') => string;

const libraryRow: RowName = (i, field) => `${field}[${i}]`;

/**
 * The weights scaled to sum to 1 (when their sum overflows, divided by the largest first) and
 * the target's weighted mean and variance. Throws when one weight outweighs all the others together by more than 2^52 (they could not move the fit, and a binomial fit would
 * see one class), or when the target's variance overflows.
 */
export function weightedTarget(
  y: Float64Array,
  raw: ArrayLike<number>,
  row: RowName = libraryRow,
): { readonly w: Float64Array; readonly yMean: number; readonly yVar: number } {
  const n = y.length;
  let top = 0;
  let at = 0;
  for (let i = 0; i < n; i++) if (raw[i]! > top) [top, at] = [raw[i]!, i];
  if (!(top > 0)) throw new DataError('the observation weights sum to 0');
  let others = 0;
  for (let i = 0; i < n; i++) if (i !== at) others += raw[i]! / top;
  if (others > 0 && others < 2 ** -52) {
    throw new DataError(
      `${row(at, 'weights')}: weight ${top} outweighs all the other weights together by more than 2^52, ` +
        'so they cannot change the fit: weights are relative, scale them to a smaller range',
    );
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += raw[i]!;
  const w = new Float64Array(n);
  // the plain sum unless it overflows (the same weights as before for every sum below 1.8e308)
  for (let i = 0; i < n; i++) w[i] = Number.isFinite(sum) ? raw[i]! / sum : raw[i]! / top / (1 + others);
  // a constant target is constant exactly: its weighted mean would round (5 → 5.000000000000001),
  // leave a variance of 1e-31 and a fit of nothing but rounding at λ ≈ 1e-30
  const first = w.findIndex((wi) => wi > 0);
  let constant = true;
  for (let i = first; i < n && constant; i++) if (w[i]! > 0 && y[i] !== y[first]) constant = false;
  if (constant) return { w, yMean: y[first]!, yVar: 0 };
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += w[i]! * y[i]!;
  let yVar = 0;
  for (let i = 0; i < n; i++) yVar += w[i]! * (y[i]! - yMean) ** 2;
  if (Number.isFinite(yVar)) return { w, yMean, yVar };
  let far = 0;
  for (let i = 1; i < n; i++)
    if (w[i]! > 0 && !(Math.abs(y[i]! - yMean) <= Math.abs(y[far]! - yMean))) far = i;
  throw new DataError(
    `${row(far, 'target')}: label ${y[far]} makes the target's variance overflow (past 1.8e308): ` +
      'rescale the target (e.g. to other units) or drop the row',
  );
}

/**
 * Validates inputs and computes the statistics every solve on this data shares. Options no solver
 * entry point reads (`standardise`), or values of the wrong kind, are refused (`checkOptions`);
 * those of `solveAt`, `solvePath` and `crossValidate` are taken and their own keys ignored.
 */
export function prepareProblem(x: Design, yIn: ArrayLike<number>, options: SolverOptions = {}): Problem {
  checkOptions('prepareProblem', options);
  return problemOf(x, yIn, options);
}

/**
 * `prepareProblem` for the solver's own callers, whose options hold keys of their own (a path's,
 * a cross-validation's), checked where they entered.
 */
export function problemOf(given: Design, yIn: ArrayLike<number>, options: SolverOptions = {}): Problem {
  const n = given.rows;
  const p = given.cols;
  const family = options.family ?? 'gaussian';
  if (family !== 'gaussian' && family !== 'binomial') {
    throw new DataError(`family must be "gaussian" or "binomial", got "${String(family)}"`);
  }
  if (n === 0) throw new DataError('the data set has no rows');
  const alpha = options.l1Ratio ?? 1;
  if (!(alpha > 0 && alpha <= 1)) throw new DataError(`l1Ratio must be in (0, 1], got ${alpha}`);
  const y = finiteArray('target', yIn, n, -Infinity);
  if (family === 'binomial') {
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0 && y[i] !== 1)
        throw new DataError(`binomial target must be 0 or 1, row ${i} has ${y[i]}`);
    }
  }
  const { w, yMean, yVar } = weightedTarget(
    y,
    options.weights ? finiteArray('weights', options.weights, n, 0) : new Float64Array(n).fill(1),
  );
  // pf_j = Infinity keeps feature j out of the model (as glmnet's `exclude`; adaptive lasso uses it)
  const pf = new Float64Array(p).fill(1);
  const excludedByPf = new Uint8Array(p);
  if (options.penaltyFactors) {
    const raw = options.penaltyFactors;
    if (raw.length !== p) throw new DataError(`penaltyFactors has ${raw.length} entries, expected ${p}`);
    for (let j = 0; j < p; j++) {
      const v = raw[j]!;
      if (v === Infinity) excludedByPf[j] = 1;
      else if (!(Number.isFinite(v) && v >= 0))
        throw new DataError(`penaltyFactors[${j}] must be a number >= 0 (or Infinity to exclude), got ${v}`);
      else pf[j] = v;
    }
  }
  const standardize = options.standardize ?? true;
  const stats = columnStats(given, w);
  checkFiniteDesign(given, stats.mean);
  const unscalable = new Set(unscalableColumns(given, w, stats.mean, stats.sd));
  const shifted = shiftFarColumns(given, stats, unscalable);
  const x = shifted?.x ?? given;
  const { mean, sd } = shifted === null ? stats : columnStats(x, w);
  const scale = new Float64Array(p);
  const excluded = new Uint8Array(p);
  const constantColumns: number[] = [];
  for (let j = 0; j < p; j++) {
    // a column too large or too small to scale is left out as a constant one is
    if (sd[j] === 0 || unscalable.has(j)) {
      excluded[j] = 1;
      constantColumns.push(j);
      scale[j] = 1;
    } else scale[j] = penaltyScale(given, j, w, sd[j]!, standardize);
    if (excludedByPf[j]) {
      excluded[j] = 1;
      pf[j] = 0;
    }
  }
  const stopping = options.stopping ?? 'certified';
  if (stopping !== 'certified' && stopping !== 'glmnet')
    throw new DataError(`stopping must be "certified" or "glmnet", got "${String(stopping)}"`);
  if (stopping === 'glmnet' && family !== 'gaussian')
    throw new DataError('stopping "glmnet" applies to gaussian fits (binomial fits stop on kktTolerance)');
  const tolerance = options.tolerance ?? (stopping === 'glmnet' ? 1e-9 : 1e-14);
  if (!(tolerance > 0)) throw new DataError(`tolerance must be > 0, got ${tolerance}`);
  const kktTolerance = options.kktTolerance ?? 1e-10;
  if (!(kktTolerance > 0 && kktTolerance < 1)) {
    throw new DataError(`kktTolerance must be in (0, 1), got ${kktTolerance}`);
  }
  const problem = new ProblemRecord({
    x,
    given,
    columnShift: shifted?.shift ?? null,
    y,
    w,
    family,
    alpha,
    standardize,
    mean,
    scale,
    sd,
    pf,
    excluded,
    constantColumns,
    yMean,
    yVar,
    tolerance,
    gapTolerance: options.gapTolerance ?? 1e-10,
    kktTolerance,
    stopping,
    maxPasses: options.maxPasses ?? 100_000,
    maxOuter: options.maxOuter ?? 100,
    mode: options.mode ?? 'auto',
    activeSetSolve: options.activeSetSolve ?? true,
    extrapolate: options.extrapolate ?? true,
    wasm: options.wasm ?? true,
    profileSingletons: options.profileSingletons ?? true,
  });
  // covariance mode certifies: its exact active-set finish is cheap
  if (stopping === 'glmnet' && usesCovariance(problem))
    return new ProblemRecord({ ...problem, stopping: 'certified', tolerance: options.tolerance ?? 1e-14 });
  return problem;
}
