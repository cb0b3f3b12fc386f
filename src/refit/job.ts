import { performance } from 'node:perf_hooks';

import type { Family } from '../core/event.js';
import { SparseDesign } from '../solve/design.js';
import { checkKkt } from '../solve/kkt.js';
import { objectiveValue, type ObjectiveOptions } from '../solve/objective.js';
import { prepareProblem, type Standardize } from '../solve/problem.js';
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
}

/** The solution of a refit, by model column, with its certificate (DESIGN §7). */
export interface RefitOutcome {
  readonly key: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Distinct columns in the window (the design's width). */
  readonly columns: number;
  readonly model: SparseCoefficients;
  readonly objective: number;
  /** Largest KKT violation, relative to the threshold λ·α·pf_j·sd_j. */
  readonly kktMaxViolation: number;
  readonly converged: boolean;
  readonly reason?: string;
  readonly passes: number;
  readonly outerIterations: number;
  readonly warmStart: WarmStartSource;
  /** Objective of each warm start considered, by source. */
  readonly startObjectives: Readonly<Partial<Record<'online' | 'refit', number>>>;
  /** Building the design, solving, certifying (milliseconds, in the thread that ran it). */
  readonly buildMs: number;
  readonly solveMs: number;
  readonly kktMs: number;
}

/**
 * Solves DESIGN §1's objective on a window's rows, at the model's λ, α and penalty factors, with
 * the window's own column scales (as a batch `fit` on those rows would), warm-started from the
 * better of the given starts, and certifies the result by a KKT check from scratch.
 */
export function solveRefitJob(job: RefitJob): RefitOutcome {
  const t0 = performance.now();
  const design = windowDesign(job.rows);
  try {
    return solveOnDesign(job, design, t0);
  } finally {
    design.release();
  }
}

/** A window's rows as a design on compact columns 0..p-1, and the model column of each. */
export interface WindowDesign {
  readonly x: SparseDesign;
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
  };
}

/**
 * Compacts a window's columns to 0..p-1 in order of first appearance (row by row) and builds the
 * column-compressed design straight from the rows, the same design as triplets of (row, compact
 * column, value) would give. The compaction also counts each column's rows and the indices
 * repeated within a row, so the design is built by one scatter (`SparseDesign.fromCountedRows`).
 */
export function windowDesign(rows: WindowRows): WindowDesign {
  const n = rows.rows;
  const rowStart = rows.rowStart;
  const nnz = rowStart[n]!;
  const cols = rows.cols;
  let maxCol = -1;
  for (let k = 0; k < nnz; k++) if (cols[k]! > maxCol) maxCol = cols[k]!;
  const work = takeScratch(nnz, Math.min(nnz, maxCol + 1));
  const { compact, lastRow, counts } = work;
  const seen = work.modelCol;
  let p = 0;
  let repeats = 0;
  let table: Int32Array | null = null;
  let map: Map<number, number> | null = null;
  // a typed lookup table by model column (1 + design column; 0 = not seen) up to 2^24 columns
  if (maxCol < 1 << 24 && !lookupBusy) {
    if (lookup === null || lookup.length <= maxCol) lookup = new Int32Array(Math.max(maxCol + 1, 1024));
    table = lookup;
    lookupBusy = true;
  } else map = new Map<number, number>();
  try {
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
        } else if (lastRow[c] === row) repeats++;
        else {
          lastRow[c] = row;
          counts[c + 1]!++;
        }
        compact[k] = c;
      }
    }
    const modelCol = seen.slice(0, p);
    const x = SparseDesign.fromCountedRows(n, p, rowStart, compact, rows.values, counts, repeats);
    let released = false;
    return {
      x,
      modelCol,
      column: (j) => {
        if (table !== null) return j >= 0 && j < table.length ? table[j]! - 1 : -1;
        return map!.get(j) ?? -1;
      },
      release: () => {
        if (released || table === null) return;
        released = true;
        for (let c = 0; c < p; c++) table[modelCol[c]!] = 0;
        lookupBusy = false;
      },
    };
  } catch (err) {
    if (table !== null) {
      for (let c = 0; c < p; c++) table[seen[c]!] = 0;
      lookupBusy = false;
    }
    throw err;
  } finally {
    scratch = work;
  }
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
  const problem = prepareProblem(x, rows.y, {
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
  const fit = solveAtProblem(problem, job.lambda, start);
  const t2 = performance.now();
  const kkt = checkKkt(x, rows.y, fit, job.lambda, options, problem);
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
  return {
    key: job.key,
    first: rows.first,
    last: rows.last,
    rows: n,
    columns: p,
    model: { intercept: fit.intercept, cols, values },
    objective: fit.objective,
    kktMaxViolation: kkt.maxViolation,
    converged: fit.converged,
    ...(fit.reason !== undefined ? { reason: fit.reason } : {}),
    passes: fit.passes,
    outerIterations: fit.outerIterations,
    // a start worse than the intercept-only model is refused by solveAt (it descends from λ_max)
    warmStart: fit.startRefused !== undefined ? 'none' : warmStart,
    startObjectives,
    buildMs: t1 - t0 - prepareMs,
    solveMs: t2 - t1 + prepareMs,
    kktMs: performance.now() - t2,
  };
}
