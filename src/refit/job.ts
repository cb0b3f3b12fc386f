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
 * Compacts a window's columns to 0..p-1 in order of first appearance (row by row) and builds the
 * column-compressed design straight from the rows (`SparseDesign.fromRows`: one counting sort, no
 * triplets), the same design as triplets of (row, compact column, value) would give.
 */
export function windowDesign(rows: WindowRows): WindowDesign {
  const n = rows.rows;
  const nnz = rows.rowStart[n]!;
  const cols = rows.cols;
  let maxCol = -1;
  for (let k = 0; k < nnz; k++) if (cols[k]! > maxCol) maxCol = cols[k]!;
  const compactCols = new Int32Array(nnz);
  const seen = new Int32Array(Math.min(nnz, maxCol + 1));
  let p = 0;
  let table: Int32Array | null = null;
  let map: Map<number, number> | null = null;
  // a typed lookup table by model column (1 + design column; 0 = not seen) up to 2^24 columns
  if (maxCol < 1 << 24 && !lookupBusy) {
    if (lookup === null || lookup.length <= maxCol) lookup = new Int32Array(Math.max(maxCol + 1, 1024));
    table = lookup;
    lookupBusy = true;
    for (let k = 0; k < nnz; k++) {
      const j = cols[k]!;
      let c = table[j]! - 1;
      if (c < 0) {
        c = p++;
        table[j] = p;
        seen[c] = j;
      }
      compactCols[k] = c;
    }
  } else {
    map = new Map<number, number>();
    for (let k = 0; k < nnz; k++) {
      const j = cols[k]!;
      let c = map.get(j);
      if (c === undefined) {
        c = p++;
        map.set(j, c);
        seen[c] = j;
      }
      compactCols[k] = c;
    }
  }
  const modelCol = seen.subarray(0, p);
  const x = SparseDesign.fromRows(n, p, rows.rowStart, compactCols, rows.values);
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
  const problem = prepareProblem(x, rows.y, {
    ...options,
    kktTolerance: job.kktTolerance,
    gapTolerance: job.gapTolerance,
  });
  const prepareMs = performance.now() - tp;
  const dense = (m: SparseCoefficients): Float64Array => {
    const beta = new Float64Array(p);
    for (let k = 0; k < m.cols.length; k++) {
      const c = design.column(m.cols[k]!);
      if (c >= 0) beta[c] = m.values[k]!;
    }
    return beta;
  };
  let start: { intercept: number; coefficients: Float64Array } | undefined;
  let warmStart: WarmStartSource = 'none';
  const startObjectives: Partial<Record<'online' | 'refit', number>> = {};
  let best = Infinity;
  for (const s of job.starts) {
    const candidate = { intercept: s.model.intercept, coefficients: dense(s.model) };
    const f = objectiveValue(x, rows.y, candidate, job.lambda, options, problem).objective;
    startObjectives[s.source] = f;
    if (f < best) {
      best = f;
      start = candidate;
      warmStart = s.source;
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
