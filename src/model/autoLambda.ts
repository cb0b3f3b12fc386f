import type { SparseVector } from '../core/sparse.js';
import { DataError } from '../core/errors.js';
import { SparseDesign } from '../solve/design.js';
import type { Standardize } from '../solve/problem.js';
import { solveAt } from '../solve/solve.js';

/**
 * `lambda: "auto"` (the default): λ = `fraction` · λ_max, where λ_max (docs/conventions.md: the smallest λ
 * that keeps every coefficient at 0) is computed on the model's first labelled events, with the
 * column scales and penalty factors the model uses. λ_max carries the units of the label and of
 * the columns, so a fraction of it is the same penalty whatever they are; 0.03 was chosen by
 * measurement on a dense stream (examples/ad-clicks), a sparse high-cardinality one and a gaussian
 * one with the label in its own units (bench/defaults/run.ts; README "Choosing λ").
 *
 * The events are gathered until there are `events` of them and, for a binomial model, at least
 * `minority` of each label (a rare class makes λ_max small and noisy), or `maxEvents` in all.
 * If λ_max is still 0 then (every label equal, or no feature varies), λ is `fallback`.
 * At most half of the columns more than `outlierGap` above the rest do not set λ_max (`lambdaMax`).
 *
 * Gaussian: λ is at most the universal threshold σ̂·√(2 ln p / n) (Donoho & Johnstone 1994),
 * the λ that keeps a pure-noise standardized column out of a lasso on n events with high
 * probability, at n = `referenceEvents` (the default refit window) and p the columns seen, σ̂ the
 * residual sd of the lasso fit (α = 1) at 0.03 λ_max(α = 1) on the warm-up (`noiseLambda`). A fraction of λ_max
 * follows the signal, not the noise: where the label is mostly signal, 0.03 λ_max shrinks the
 * planted coefficients by far more than the noise needs (on the revenue stream, the optimum's
 * MSE is 3.5 % above the noise at 0.03 λ_max, 0.35 % at the threshold). The cap is on λ, not on
 * λα, and σ̂ does not depend on α: in docs/conventions.md's objective the ridge part λ(1 − α)/2·β² is in the
 * label's units, and an elastic net at σ̂/α (σ̂ from its own fit at 0.03 λ_max(α), which that ridge
 * part over-shrinks) was far worse (rev_g, α = 0.5: λ 0.899, MSE 428.5; at the lasso's λ 0.259,
 * 275; noise 225; 10-fold CV's λ.1se is smaller still, 0.03).
 */
export const autoLambdaRule = {
  events: 1000,
  minority: 20,
  maxEvents: 20_000,
  fraction: 0.03,
  fallback: 5e-3,
  referenceEvents: 20_000,
  outlierGap: 1e6,
} as const;

/** A column's gradient at most this share of Σ |r x_ij| is 0 up to rounding (`lambdaMax`). */
const ROUNDING = 1e-10;

/** A labelled event of the warm-up: its raw (unscaled) features, label and weight. */
export interface WarmupEvent {
  readonly x: SparseVector;
  readonly y: number;
  readonly weight: number;
}

/**
 * λ_max = max_j |Σ_i v_i x_ij (y_i − ȳ)| / (Σ_i v_i · s_j · α · pf_j) over the columns with
 * s_j > 0 and pf_j > 0, where s_j is the column's divisor (its sd, or 1) and ȳ the weighted mean
 * label: the gradient of the loss at the intercept-only model, on the scaled columns; unless
 * half of the columns or fewer are more than `outlierGap` above the rest (`withoutOutliers`).
 */
export function lambdaMax(
  events: readonly WarmupEvent[],
  scaleOf: (j: number) => number,
  penaltyFactor: (j: number) => number,
  l1Ratio: number,
): number {
  let sw = 0;
  let sy = 0;
  for (const e of events) {
    sw += e.weight;
    sy += e.weight * e.y;
  }
  if (!(sw > 0)) return 0;
  const mean = sy / sw;
  const gradient = new Map<number, number>();
  // Σ |r x_ij|: a gradient far below it is a sum that cancels to 0 up to rounding (a column in
  // every event, whose gradient Σ r is 0), which must not set λ_max (`withoutOutliers` would take
  // it for the ordinary columns' level, with λ at 1e-18)
  const magnitude = new Map<number, number>();
  for (const e of events) {
    const r = e.weight * (e.y - mean);
    if (r === 0) continue;
    for (let k = 0; k < e.x.nnz; k++) {
      const j = e.x.indices[k];
      gradient.set(j, (gradient.get(j) ?? 0) + r * e.x.values[k]);
      magnitude.set(j, (magnitude.get(j) ?? 0) + Math.abs(r * e.x.values[k]));
    }
  }
  const columns: number[] = [];
  for (const [j, g] of gradient) {
    const d = scaleOf(j) * l1Ratio * penaltyFactor(j);
    if (d > 0 && Math.abs(g) > ROUNDING * magnitude.get(j)!) columns.push(Math.abs(g) / (sw * d));
  }
  return withoutOutliers(columns);
}

/**
 * The largest of the columns' λ_max, except that at most half of the columns above all the others by
 * more than `autoLambdaRule.outlierGap` (a column of 1e154 among ordinary ones, unscaled) does not
 * set it: the largest below the gap does.
 */
function withoutOutliers(columns: number[]): number {
  columns.sort((a, b) => b - a);
  const top = columns[0] ?? 0;
  const k = columns.findIndex((v) => v * autoLambdaRule.outlierGap < top);
  return k > 0 && k <= columns.length / 2 ? columns[k]! : top;
}

/** True when the warm-up has enough events to choose λ (`autoLambdaRule`). */
export function enoughForLambda(count: number, positives: number, binomial: boolean): boolean {
  if (count >= autoLambdaRule.maxEvents) return true;
  if (count < autoLambdaRule.events) return false;
  return !binomial || Math.min(positives, count - positives) >= autoLambdaRule.minority;
}

/** λ from λ_max by `autoLambdaRule`. */
export function autoLambda(max: number): number {
  return max > 0 ? autoLambdaRule.fraction * max : autoLambdaRule.fallback;
}

/**
 * Gaussian: σ̂·√(2 ln p / n_ref) (`autoLambdaRule`), where σ̂² = Σ v_i r_i² / (Σ v_i − k − 1) with
 * r the residuals of the lasso fit (α = 1) at `lambda`·α, the same L1 threshold, on `events` (k
 * non-zeros; the elastic net's ridge part would inflate σ̂) and p
 * the columns present in them; Infinity when there are too few events for σ̂ (Σ v_i − k − 1 <
 * half the events) or no columns.
 */
export function noiseLambda(
  events: readonly WarmupEvent[],
  lambda: number,
  options: {
    readonly standardize: Standardize;
    readonly l1Ratio: number;
    readonly penaltyFactor: (j: number) => number;
  },
): number {
  // the columns present, renumbered 0..p−1
  const column = new Map<number, number>();
  const rowStart = new Int32Array(events.length + 1);
  events.forEach((e, i) => {
    rowStart[i + 1] = rowStart[i] + e.x.nnz;
    for (let k = 0; k < e.x.nnz; k++)
      if (!column.has(e.x.indices[k])) column.set(e.x.indices[k], column.size);
  });
  const p = column.size;
  const n = events.length;
  if (p === 0 || n === 0) return Infinity;
  const cols = new Int32Array(rowStart[n]);
  const values = new Float64Array(rowStart[n]);
  events.forEach((e, i) => {
    for (let k = 0; k < e.x.nnz; k++) {
      cols[rowStart[i] + k] = column.get(e.x.indices[k])!;
      values[rowStart[i] + k] = e.x.values[k];
    }
  });
  const penaltyFactors = new Float64Array(p);
  for (const [j, c] of column) penaltyFactors[c] = options.penaltyFactor(j);
  const y = Float64Array.from(events, (e) => e.y);
  const weights = Float64Array.from(events, (e) => e.weight);
  let fit: ReturnType<typeof solveAt>;
  try {
    fit = solveAt(SparseDesign.fromRows(n, p, rowStart, cols, values), y, {
      family: 'gaussian',
      lambda: lambda * options.l1Ratio,
      l1Ratio: 1,
      standardize: options.standardize,
      weights,
      penaltyFactors,
    });
  } catch (err) {
    // warm-up events the batch solver refuses (one weight above all the others by 2^52): no σ̂,
    // so no cap, as with too few events (the online model learns them)
    if (err instanceof DataError) return Infinity;
    throw err;
  }
  let sw = 0;
  let rss = 0;
  events.forEach((e, i) => {
    let eta = fit.intercept;
    for (let k = rowStart[i]; k < rowStart[i + 1]; k++) eta += fit.coefficients[cols[k]] * values[k];
    sw += e.weight;
    rss += e.weight * (e.y - eta) ** 2;
  });
  const dof = sw - fit.nonzero - 1;
  if (!(dof >= sw / 2)) return Infinity;
  const sigma = Math.sqrt(rss / dof);
  // (a fit that did not give finite residuals caps nothing)
  return Number.isFinite(sigma)
    ? sigma * Math.sqrt((2 * Math.log(p)) / autoLambdaRule.referenceEvents)
    : Infinity;
}
