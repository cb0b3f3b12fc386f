import { performance } from 'node:perf_hooks';

import { coefficientChanges } from './changes.js';
import type { Family } from '../core/event.js';
import { SparseDesign } from '../solve/design.js';
import { checkKkt } from '../solve/kkt.js';
import { objectiveValue, type ObjectiveOptions } from '../solve/objective.js';
import { problemOf, type Standardize } from '../solve/problem.js';
import { solveAtProblem } from '../solve/solve.js';
import type { WindowRows } from './window.js';

/** A model on the original scale, by model column (sparse). */
export interface SparseCoefficients {
  readonly intercept: number;
  readonly cols: Int32Array;
  readonly values: Float64Array;
}

export type WarmStartSource = 'online' | 'refit' | 'none';

/**
 * A binomial refit's default accuracy (`refit.tolerance` unset): it stops when every feature's
 * gradient is within 1 % of its L1 threshold. On the solver benchmark's window (20,000 events ×
 * 2^18 hashed ids, bench/results/solve-refit.md) that leaves the objective within about 5e-7
 * (relative) of the optimum, ten times closer than glmnet's default stopping rule, in less time.
 */
export const DEFAULT_REFIT_KKT = 1e-2;
/** A gaussian refit's default relative duality gap (`refit.tolerance` unset). */
export const DEFAULT_REFIT_GAP = 1e-8;

/** Everything a refit needs, in typed arrays (it crosses to a worker thread). */
export interface RefitJob {
  readonly key: string;
  readonly family: Family;
  readonly lambda: number;
  readonly l1Ratio: number;
  readonly standardize: Standardize;
  /** Binomial KKT tolerance relative to each threshold, gaussian duality-gap tolerance. */
  readonly kktTolerance: number;
  readonly gapTolerance: number;
  readonly rows: WindowRows;
  /** Model columns whose penalty factor is not 1, and their factors. */
  readonly penaltyCols: Int32Array;
  readonly penaltyValues: Float64Array;
  /** Candidate warm starts; the one with the lower objective on the window is used. */
  readonly starts: ReadonlyArray<{ readonly source: 'online' | 'refit'; readonly model: SparseCoefficients }>;
  /**
   * Measure the coefficients in standard errors (`RefitOutcome.changes`) for the drift checks: how
   * far each is from 0, and how far it moved since the previous refit.
   */
  readonly measureChanges?: boolean;
  /**
   * With `measureChanges`: model columns whose standard error is wanted whatever their coefficient
   * (the levels of the window's complete text fields, which the drift checks judge centred).
   */
  readonly levelCols?: Int32Array;
}

/** The solution of a refit, by model column, with its certificate (the README's refits). */
export interface RefitOutcome {
  readonly key: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Distinct columns in the window. */
  readonly columns: number;
  /** Of them, those left out of the solve (`ColumnScreen`): 0 at the optimum, certified. */
  readonly screenedColumns: number;
  readonly model: SparseCoefficients;
  readonly objective: number;
  /** Largest KKT violation, relative to the threshold λ·α·pf_j·sd_j. */
  readonly kktMaxViolation: number;
  readonly converged: boolean;
  readonly reason?: string;
  /**
   * True when the fit is no estimate (a binomial window of one class: no finite optimum), so it is
   * published with its reason but not served, handed back or checked for drift.
   */
  readonly noEstimate?: boolean;
  readonly passes: number;
  readonly outerIterations: number;
  readonly warmStart: WarmStartSource;
  /** Objective of each warm start considered, by source. */
  readonly startObjectives: Readonly<Partial<Record<'online' | 'refit', number>>>;
  /**
   * The coefficients non-zero in this refit or the previous one (its start) in standard errors
   * (`coefficientChanges`), by model column: each one's distance from 0 and, after a previous
   * refit, its move since it; absent when they were not measured (not asked, nothing non-zero, a
   * singular information matrix, a gaussian fit with no residual).
   */
  readonly changes?: {
    readonly cols: Int32Array;
    readonly strength: Float64Array;
    readonly z?: Float64Array;
    /** `RefitJob.levelCols` (model columns) and their standard errors (`CoefficientChanges.levelSe`). */
    readonly levelCols?: Int32Array;
    readonly levelSe?: Float64Array;
  };
  /** Building the design, solving, certifying and measuring `changes` (milliseconds, in the thread that ran it). */
  readonly buildMs: number;
  readonly solveMs: number;
  readonly kktMs: number;
}

/**
 * Solves docs/conventions.md's objective on a window's rows, at the model's λ, α and penalty factors, with
 * the window's own column scales (as a batch `fit` on those rows would), warm-started from the
 * better of the given starts, and certifies the result by a KKT check from scratch.
 */
export function solveRefitJob(job: RefitJob): RefitOutcome {
  const t0 = performance.now();
  const design = windowDesign(job.rows, refitScreen(job), true);
  try {
    return solveOnDesign(job, design, t0);
  } finally {
    design.release();
  }
}

/**
 * Columns a binomial refit on raw columns leaves out of its design (`windowDesign`): a column j
 * with Σ_i w_i |x_ij| ≤ λ α pf_j (w summing to 1) has |G_j| = |Σ_i w_i x_ij (y_i − p_i)| ≤ λ α pf_j
 * at every model, since |y − p| ≤ 1: its KKT condition holds at β_j = 0 whatever the others are,
 * so the optimum and any point's certificate are those of the problem without it. On the 200k
 * prefix's windows (λ = 1e-4, 20,000 events) that is 80 % of the columns (ids seen once or twice).
 */
export interface ColumnScreen {
  /** λ α. */
  readonly l1: number;
  /** Model columns whose penalty factor is not 1, and their factors. */
  readonly penaltyCols: Int32Array;
  readonly penaltyValues: Float64Array;
  /** Model columns kept whatever their bound (the starts' non-zeros: the same starts). */
  readonly keep: ReadonlyArray<Int32Array>;
}

/**
 * The columns a refit can leave out of its design (`ColumnScreen`): binomial, on raw columns
 * (the bound holds for the unscaled gradient), with an L1 penalty; else none.
 */
export function refitScreen(job: RefitJob): ColumnScreen | undefined {
  const l1 = job.lambda * job.l1Ratio;
  if (job.family !== 'binomial' || job.standardize !== false || !(l1 > 0)) return undefined;
  return {
    l1,
    penaltyCols: job.penaltyCols,
    penaltyValues: job.penaltyValues,
    keep: job.starts.map((s) => s.model.cols),
  };
}

/** A window's rows as a design on compact columns 0..p-1, and the model column of each. */
export interface WindowDesign {
  readonly x: SparseDesign;
  /** Distinct model columns in the window (the design's width unless columns were screened out). */
  readonly columns: number;
  /**
   * The largest Σ_i w_i |x_ij| / (λ α pf_j) of the columns screened out (0 if none): |G_j| of
   * each is at most this times max_i |y_i − p_i| relative to its threshold (`ColumnScreen`).
   */
  readonly screenBound: number;
  /** Model column of each design column (in order of first appearance in the window). */
  readonly modelCol: Int32Array;
  /** The design column of a model column, or -1 when the window has none of it. */
  column(j: number): number;
  /** Gives back the thread's lookup table (call once, when done with `column`). */
  release(): void;
}

/**
 * The model-column → design-column table, kept between jobs of a thread (a refit worker runs one
 * at a time) and all zeros between them: a hashed model has up to 2^24 columns, a window a few
 * hundred thousand, so clearing the ones used is cheaper than a new table per refit.
 */
let lookup: Int32Array | null = null;
let lookupBusy = false;

/**
 * Per design column while compacting: its model column, the last row (1-based) it was seen in and
 * its row count. Kept between jobs of a thread as the table is (they never leave `windowDesign`):
 * a window's worth of them (~186k columns, 800k entries on the 200k prefix's windows) anew per
 * refit was 8 MB of fresh pages to fault in and collect.
 */
interface Scratch {
  compact: Int32Array;
  modelCol: Int32Array;
  lastRow: Int32Array;
  counts: Int32Array;
  /** Σ_i w_i |x_ij| per design column (`ColumnScreen`). */
  mass: Float64Array;
  /** The design's entries: a refit job's (`windowDesign`'s `reuse`), or the whole design before a screen. */
  rowIndex: Int32Array;
  values: Float64Array;
}
let scratch: Scratch | null = null;

function takeScratch(nnz: number, columns: number): Scratch {
  const s = scratch;
  scratch = null;
  if (s !== null && s.compact.length >= nnz && s.modelCol.length >= columns) return s;
  const grow = (need: number, have: number): number => Math.max(need, Math.ceil(have * 1.25));
  const entries = grow(nnz, s?.compact.length ?? 0);
  const cols = grow(columns, s?.modelCol.length ?? 0);
  return {
    compact: new Int32Array(entries),
    modelCol: new Int32Array(cols),
    lastRow: new Int32Array(cols),
    counts: new Int32Array(cols + 1),
    mass: new Float64Array(cols),
    rowIndex: s?.rowIndex ?? new Int32Array(0),
    values: s?.values ?? new Float64Array(0),
  };
}

/**
 * Compacts a window's columns to 0..p-1 in order of first appearance (row by row) and builds the
 * column-compressed design straight from the rows, the same design as triplets of (row, compact
 * column, value) would give. The compaction also counts each column's rows and the indices
 * repeated within a row, so the design is built by one scatter (`SparseDesign.fromCountedRows`).
 * With `screen`, the columns it leaves out (`ColumnScreen`) are not in the design: the others keep
 * their order. With `reuse` (a refit job's), the design's entries are the thread's scratch arrays
 * (longer than the entries), valid until the next `reuse` in this thread: a window's worth anew
 * per refit (7 MB on the sparse-ids stream's) was pages to fault in and collect.
 */
export function windowDesign(rows: WindowRows, screen?: ColumnScreen, reuse = false): WindowDesign {
  const n = rows.rows;
  const rowStart = rows.rowStart;
  const nnz = rowStart[n]!;
  const cols = rows.cols;
  const maxCol = largest(cols, nnz);
  const work = takeScratch(nnz, Math.min(nnz, maxCol + 1));
  const { compact, lastRow, counts } = work;
  const seen = work.modelCol;
  let table: Int32Array | null = null;
  let map: Map<number, number> | null = null;
  // a typed lookup table by model column (1 + design column; 0 = not seen) up to 2^24 columns
  if (maxCol < 1 << 24 && !lookupBusy) {
    if (lookup === null || lookup.length <= maxCol) lookup = new Int32Array(Math.max(maxCol + 1, 1024));
    table = lookup;
    lookupBusy = true;
  } else map = new Map<number, number>();
  try {
    const p = compactRows(n, rowStart, cols, table, map, seen, lastRow, counts, compact);
    const repeats = nnz - sumCounts(counts, p);
    const all = seen.slice(0, p);
    const find = (j: number): number => {
      if (table !== null) return j >= 0 && j < table.length ? table[j]! - 1 : -1;
      return map!.get(j) ?? -1;
    };
    let released = false;
    const release = (): void => {
      if (released || table === null) return;
      released = true;
      clearTable(table, all);
      lookupBusy = false;
    };
    if (screen === undefined) {
      if (reuse) entriesRoom(work, nnz);
      const into = reuse ? work : undefined;
      const x = SparseDesign.fromCountedRows(n, p, rowStart, compact, rows.values, counts, repeats, into);
      return { x, columns: p, screenBound: 0, modelCol: all, column: find, release };
    }
    // the whole design into the thread's scratch, then the columns the screen keeps, in order
    entriesRoom(work, nnz);
    const full = SparseDesign.fromCountedRows(n, p, rowStart, compact, rows.values, counts, repeats, work);
    const { mass } = work;
    columnMass(full, rows.weights, mass);
    const unit = screen.l1 * total(rows.weights, n);
    // a penalty factor other than 1 scales its column's limit, the starts' columns stay (`ColumnScreen`)
    let bound = 0;
    for (let k = 0; k < screen.penaltyCols.length; k++) {
      const c = find(screen.penaltyCols[k]!);
      const pf = screen.penaltyValues[k]!;
      if (c >= 0) bound = Math.max(bound, scaleLimit(mass, c, unit, pf));
    }
    for (const keep of screen.keep) {
      for (let k = 0; k < keep.length; k++) {
        const c = find(keep[k]!);
        if (c >= 0) mass[c] = Infinity;
      }
    }
    const index = new Int32Array(p);
    const found = new Float64Array(2);
    const q = screenColumns(full.colStart, p, mass, unit, index, found);
    const x = keptColumns(full, index, q, found[1]!);
    bound = Math.max(bound, found[0]!);
    const modelCol = keptModelColumns(all, index, x.cols);
    const column = (j: number): number => {
      const c = find(j);
      return c < 0 ? -1 : index[c]!;
    };
    return { x, columns: p, screenBound: bound, modelCol, column, release };
  } catch (err) {
    if (table !== null) {
      table.fill(0);
      lookupBusy = false;
    }
    throw err;
  } finally {
    scratch = work;
  }
}

// The loops of `windowDesign`, each in a function of its own: a refit calls each once, so its
// loop is compiled on stack replacement; in one function, the code after a loop compiled that
// way had no type feedback yet and deoptimized it, in every refit of a stream (issue 14).

/** Room for `nnz` design entries in the thread's scratch. */
function entriesRoom(work: Scratch, nnz: number): void {
  if (work.values.length >= nnz) return;
  work.rowIndex = new Int32Array(work.compact.length);
  work.values = new Float64Array(work.compact.length);
}

function largest(a: Int32Array, count: number): number {
  let max = -1;
  for (let k = 0; k < count; k++) if (a[k]! > max) max = a[k]!;
  return max;
}

/**
 * Compacts the rows' columns through `table` (model column → 1 + design column, 0 = not seen), or
 * `map` past its reach: `seen`, `lastRow` (1-based) and `counts[c + 1]` of each design column,
 * `compact` of each entry. Returns the design's width.
 */
function compactRows(
  n: number,
  rowStart: Int32Array,
  cols: Int32Array,
  table: Int32Array | null,
  map: Map<number, number> | null,
  seen: Int32Array,
  lastRow: Int32Array,
  counts: Int32Array,
  compact: Int32Array,
): number {
  let p = 0;
  for (let i = 0, row = 1; i < n; i++, row++) {
    const end = rowStart[i + 1]!;
    for (let k = rowStart[i]!; k < end; k++) {
      const j = cols[k]!;
      let c: number;
      if (table !== null) c = table[j]! - 1;
      else c = map!.get(j) ?? -1;
      if (c < 0) {
        c = p++;
        if (table !== null) table[j] = p;
        else map!.set(j, c);
        seen[c] = j;
        lastRow[c] = row;
        counts[c + 1] = 1;
      } else if (lastRow[c] !== row) {
        lastRow[c] = row;
        counts[c + 1]!++;
      }
      compact[k] = c;
    }
  }
  return p;
}

function total(a: Float64Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += a[i]!;
  return sum;
}

/** The model columns of the design columns kept (`index` ≥ 0). */
function keptModelColumns(all: Int32Array, index: Int32Array, q: number): Int32Array {
  const modelCol = new Int32Array(q);
  for (let c = 0; c < all.length; c++) if (index[c]! >= 0) modelCol[index[c]!] = all[c]!;
  return modelCol;
}

/** Σ counts[1 .. p]: the entries that are not repeats within a row. */
function sumCounts(counts: Int32Array, p: number): number {
  let sum = 0;
  for (let c = 1; c <= p; c++) sum += counts[c]!;
  return sum;
}

function clearTable(table: Int32Array, modelCol: Int32Array): void {
  for (let c = 0; c < modelCol.length; c++) table[modelCol[c]!] = 0;
}

/** Σ_i w_i |x_ij| of each column of `x` into `mass`. */
function columnMass(x: SparseDesign, weights: Float64Array, mass: Float64Array): void {
  const { cols: p, colStart, rowIndex, values } = x;
  for (let c = 0; c < p; c++) {
    let m = 0;
    for (let k = colStart[c]!; k < colStart[c + 1]!; k++) m += weights[rowIndex[k]!]! * Math.abs(values[k]!);
    mass[c] = m;
  }
}

/** The columns of `x` whose `index` is not −1, in order: `nnz` entries. */
function keptColumns(x: SparseDesign, index: Int32Array, q: number, nnz: number): SparseDesign {
  const { rows: n, cols: p, colStart, rowIndex, values } = x;
  const start = new Int32Array(q + 1);
  const ri = new Int32Array(nnz);
  const vals = new Float64Array(nnz);
  for (let c = 0, at = 0; c < p; c++) {
    if (index[c]! < 0) continue;
    for (let k = colStart[c]!; k < colStart[c + 1]!; k++, at++) {
      ri[at] = rowIndex[k]!;
      vals[at] = values[k]!;
    }
    start[index[c]! + 1] = at;
  }
  return new SparseDesign(n, q, start, ri, vals);
}

/**
 * Column c's mass relative to its limit with penalty factor `pf` (the limit of the others is λα):
 * 0 when it is left out (Infinity, excluded, or at most λα pf), Infinity when kept; returns its
 * Σ w |x| / (λα pf) when left out with a finite pf (else 0).
 */
function scaleLimit(mass: Float64Array, c: number, unit: number, pf: number): number {
  const m = mass[c]!;
  if (m <= unit * (1 + SCREEN_MARGIN) * pf) {
    mass[c] = 0;
    return pf < Infinity ? m / (unit * pf) : 0;
  }
  mass[c] = Infinity;
  return 0;
}

/**
 * A margin above the masses' rounding (n terms: n · 2^-53 relative) that takes in the columns at
 * the bound (an id seen λ n times), whose |G_j| is below it unless some |y − p| rounds to 1: the
 * certificate checks that (`WindowDesign.screenBound`).
 */
const SCREEN_MARGIN = 1e-9;

/**
 * Each column's index among those whose `mass` is above `unit` (λα times Σ w), in order, or −1;
 * returns how many, with `found[0]` the largest mass / unit of the others and `found[1]` the
 * entries of those kept.
 */
function screenColumns(
  colStart: Int32Array,
  p: number,
  mass: Float64Array,
  unit: number,
  index: Int32Array,
  found: Float64Array,
): number {
  const limit = unit * (1 + SCREEN_MARGIN);
  let q = 0;
  let nnz = 0;
  let largestLeft = 0;
  for (let c = 0; c < p; c++) {
    const m = mass[c]!;
    if (m > limit) {
      index[c] = q++;
      nnz += colStart[c + 1]! - colStart[c]!;
    } else {
      index[c] = -1;
      if (m > largestLeft) largestLeft = m;
    }
  }
  found[0] = largestLeft / unit;
  found[1] = nnz;
  return q;
}

function solveOnDesign(job: RefitJob, design: WindowDesign, t0: number): RefitOutcome {
  const { rows } = job;
  const n = rows.rows;
  const { x, modelCol } = design;
  const p = modelCol.length;
  const penaltyFactors = new Float64Array(p).fill(1);
  for (let k = 0; k < job.penaltyCols.length; k++) {
    const c = design.column(job.penaltyCols[k]!);
    if (c >= 0) penaltyFactors[c] = job.penaltyValues[k]!;
  }
  const dense = (m: SparseCoefficients): Float64Array => {
    const beta = new Float64Array(p);
    for (let k = 0; k < m.cols.length; k++) {
      const c = design.column(m.cols[k]!);
      if (c >= 0) beta[c] = m.values[k]!;
    }
    return beta;
  };
  // the levels whose standard errors are asked, as design columns (−1: not in the design)
  const levelDesignCols =
    job.measureChanges === true && job.levelCols !== undefined
      ? job.levelCols.map((c) => design.column(c))
      : null;
  // the starts read through the column table while it is still in cache; then it is cleared
  const candidates = job.starts.map((s) => ({
    source: s.source,
    start: { intercept: s.model.intercept, coefficients: dense(s.model) },
  }));
  design.release();
  const options: ObjectiveOptions = {
    family: job.family,
    l1Ratio: job.l1Ratio,
    standardize: job.standardize,
    weights: rows.weights,
    penaltyFactors,
  };
  // the column statistics once: the solve, the starts' objectives and the certificate share them
  // (solveAt's own preparation, timed with the solve as before)
  const tp = performance.now();
  // a literal, not a spread of `options`: a spread's map is made per refit (the last one's is
  // collected in between) and every function optimized on the old one deoptimized and recompiled
  const problem = problemOf(x, rows.y, {
    family: options.family,
    l1Ratio: options.l1Ratio,
    standardize: options.standardize,
    weights: options.weights,
    penaltyFactors: options.penaltyFactors,
    kktTolerance: job.kktTolerance,
    gapTolerance: job.gapTolerance,
  });
  const prepareMs = performance.now() - tp;
  let start: { intercept: number; coefficients: Float64Array } | undefined;
  let warmStart: WarmStartSource = 'none';
  const startObjectives: Partial<Record<'online' | 'refit', number>> = {};
  let best = Infinity;
  for (const { source, start: candidate } of candidates) {
    const f = objectiveValue(x, rows.y, candidate, job.lambda, options, problem).objective;
    startObjectives[source] = f;
    if (f < best) {
      best = f;
      start = candidate;
      warmStart = source;
    }
  }
  const t1 = performance.now();
  // a previous refit's fit: its rare columns moved first (`rareMoves.ts`) and the sweeps' tails
  // focused (`tailSweeps.ts`); not from the online model
  const fromRefit = warmStart === 'refit';
  const fit = solveAtProblem(problem, job.lambda, start, fromRefit, fromRefit);
  const t2 = performance.now();
  const kkt = checkKkt(x, rows.y, fit, job.lambda, options, problem);
  // how far each coefficient is from 0 and moved since the previous refit, for the drift checks
  const previous = candidates.find((c) => c.source === 'refit');
  const moved =
    job.measureChanges !== true
      ? null
      : coefficientChanges(
          x,
          rows.y,
          rows.weights,
          job.family,
          fit.intercept,
          fit.coefficients,
          previous?.start.coefficients ?? null,
          job.standardize,
          levelDesignCols ?? undefined,
        );
  // the columns screened out of the design: |G_j| ≤ bound · max |y − p| of their threshold
  const screened = Math.max(0, design.screenBound * kkt.maxResidual - 1);
  let nonZero = 0;
  for (let c = 0; c < p; c++) if (fit.coefficients[c] !== 0) nonZero++;
  const cols = new Int32Array(nonZero);
  const values = new Float64Array(nonZero);
  for (let c = 0, k = 0; c < p; c++) {
    if (fit.coefficients[c] !== 0) {
      cols[k] = modelCol[c]!;
      values[k++] = fit.coefficients[c]!;
    }
  }
  // a binomial window of one class has no finite optimum: the solver stops where the gradient
  // rounds to 0 (an intercept near ±28 or beyond), which is no estimate (`fit` refuses such rows)
  const label = job.family === 'binomial' ? singleLabel(rows.y, rows.weights) : null;
  const reason =
    label !== null
      ? `every label of the window (of weight > 0) is ${label}: no finite model is optimal, so this refit is no estimate (not served, handed back or checked for drift)`
      : fit.reason;
  return {
    key: job.key,
    first: rows.first,
    last: rows.last,
    rows: n,
    columns: design.columns,
    screenedColumns: design.columns - p,
    model: { intercept: fit.intercept, cols, values },
    objective: fit.objective,
    kktMaxViolation: Math.max(kkt.maxViolation, screened),
    converged: fit.converged && label === null,
    ...(reason !== undefined ? { reason } : {}),
    ...(label !== null ? { noEstimate: true } : {}),
    passes: fit.passes,
    outerIterations: fit.outerIterations,
    // a start worse than the intercept-only model is refused by solveAt (it descends from λ_max)
    warmStart: fit.startRefused !== undefined ? 'none' : warmStart,
    startObjectives,
    ...(moved !== null
      ? {
          changes: {
            cols: moved.cols.map((c) => modelCol[c]!),
            strength: moved.strength,
            ...(moved.z !== undefined ? { z: moved.z } : {}),
            ...(moved.levelSe !== undefined ? { levelCols: job.levelCols!, levelSe: moved.levelSe } : {}),
          },
        }
      : {}),
    buildMs: t1 - t0 - prepareMs,
    solveMs: t2 - t1 + prepareMs,
    kktMs: performance.now() - t2,
  };
}

/** The label every row of weight > 0 has (binomial: one class), else null. */
function singleLabel(y: Float64Array, weights: Float64Array | undefined): number | null {
  let label: number | null = null;
  for (let i = 0; i < y.length; i++) {
    if (weights !== undefined && !(weights[i]! > 0)) continue;
    if (label === null) label = y[i]!;
    else if (y[i] !== label) return null;
  }
  return label;
}
