import { performance } from 'node:perf_hooks';

import type { Family } from '../core/event.js';
import { SparseDesign } from '../solve/design.js';
import { checkKkt } from '../solve/kkt.js';
import { objectiveValue, type ObjectiveOptions } from '../solve/objective.js';
import { solveAt } from '../solve/solve.js';
import type { Standardize } from '../solve/problem.js';
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
  const { rows } = job;
  const n = rows.rows;
  // Compact the window's columns to 0..p-1 (a hashed model has 2^bits columns, most absent here):
  // a typed lookup table by model column (1 + compact index; 0 = not seen) up to 2^24 columns.
  const nnz = rows.cols.length;
  let maxCol = -1;
  for (let k = 0; k < nnz; k++) if (rows.cols[k] > maxCol) maxCol = rows.cols[k];
  const table = maxCol < 1 << 24 ? new Int32Array(maxCol + 1) : null;
  const map = table === null ? new Map<number, number>() : null;
  const modelCol: number[] = [];
  const tripletRows = new Int32Array(nnz);
  const tripletCols = new Int32Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let k = rows.rowStart[i]; k < rows.rowStart[i + 1]; k++) {
      const j = rows.cols[k];
      let c = table !== null ? table[j] - 1 : (map!.get(j) ?? -1);
      if (c < 0) {
        c = modelCol.length;
        if (table !== null) table[j] = c + 1;
        else map!.set(j, c);
        modelCol.push(j);
      }
      tripletRows[k] = i;
      tripletCols[k] = c;
    }
  }
  const compact = {
    get: (j: number): number | undefined => {
      if (table !== null) return j >= 0 && j < table.length && table[j] > 0 ? table[j] - 1 : undefined;
      return map!.get(j);
    },
  };
  const p = modelCol.length;
  const x = SparseDesign.fromTriplets(n, p, tripletRows, tripletCols, rows.values);
  const penaltyFactors = new Float64Array(p).fill(1);
  for (let k = 0; k < job.penaltyCols.length; k++) {
    const c = compact.get(job.penaltyCols[k]);
    if (c !== undefined) penaltyFactors[c] = job.penaltyValues[k];
  }
  const options: ObjectiveOptions = {
    family: job.family,
    l1Ratio: job.l1Ratio,
    standardize: job.standardize,
    weights: rows.weights,
    penaltyFactors,
  };
  const dense = (m: SparseCoefficients): Float64Array => {
    const beta = new Float64Array(p);
    for (let k = 0; k < m.cols.length; k++) {
      const c = compact.get(m.cols[k]);
      if (c !== undefined) beta[c] = m.values[k];
    }
    return beta;
  };
  let start: { intercept: number; coefficients: Float64Array } | undefined;
  let warmStart: WarmStartSource = 'none';
  const startObjectives: Partial<Record<'online' | 'refit', number>> = {};
  let best = Infinity;
  for (const s of job.starts) {
    const candidate = { intercept: s.model.intercept, coefficients: dense(s.model) };
    const f = objectiveValue(x, rows.y, candidate, job.lambda, options).objective;
    startObjectives[s.source] = f;
    if (f < best) {
      best = f;
      start = candidate;
      warmStart = s.source;
    }
  }
  const t1 = performance.now();
  const fit = solveAt(x, rows.y, {
    ...options,
    lambda: job.lambda,
    kktTolerance: job.kktTolerance,
    gapTolerance: job.gapTolerance,
    ...(start ? { start } : {}),
  });
  const t2 = performance.now();
  const kkt = checkKkt(x, rows.y, fit, job.lambda, options);
  const cols: number[] = [];
  const values: number[] = [];
  for (let c = 0; c < p; c++) {
    if (fit.coefficients[c] !== 0) {
      cols.push(modelCol[c]);
      values.push(fit.coefficients[c]);
    }
  }
  return {
    key: job.key,
    first: rows.first,
    last: rows.last,
    rows: n,
    columns: p,
    model: { intercept: fit.intercept, cols: Int32Array.from(cols), values: Float64Array.from(values) },
    objective: fit.objective,
    kktMaxViolation: kkt.maxViolation,
    converged: fit.converged,
    ...(fit.reason !== undefined ? { reason: fit.reason } : {}),
    passes: fit.passes,
    outerIterations: fit.outerIterations,
    // a start worse than the intercept-only model is refused by solveAt (it descends from λ_max)
    warmStart: fit.startRefused !== undefined ? 'none' : warmStart,
    startObjectives,
    buildMs: t1 - t0,
    solveMs: t2 - t1,
    kktMs: performance.now() - t2,
  };
}
