import type { SparseVector } from '../core/sparse.js';

/**
 * `lambda: "auto"` (the default): λ = `fraction` · λ_max, where λ_max (DESIGN §1: the smallest λ
 * that keeps every coefficient at 0) is computed on the model's first labelled events, with the
 * column scales and penalty factors the model uses. λ_max carries the units of the label and of
 * the columns, so a fraction of it is the same penalty whatever they are; 0.03 was chosen by
 * measurement on a dense stream (examples/ad-clicks), a sparse high-cardinality one and a gaussian
 * one with the label in its own units (bench/defaults/run.ts; README "Choosing λ").
 *
 * The events are gathered until there are `events` of them and, for a binomial model, at least
 * `minority` of each label (a rare class makes λ_max small and noisy), or `maxEvents` in all.
 * If λ_max is still 0 then (every label equal, or no feature varies), λ is `fallback`.
 */
export const autoLambdaRule = {
  events: 1000,
  minority: 20,
  maxEvents: 20_000,
  fraction: 0.03,
  fallback: 5e-3,
} as const;

/** A labelled event of the warm-up: its raw (unscaled) features, label and weight. */
export interface WarmupEvent {
  readonly x: SparseVector;
  readonly y: number;
  readonly weight: number;
}

/**
 * λ_max = max_j |Σ_i v_i x_ij (y_i − ȳ)| / (Σ_i v_i · s_j · α · pf_j) over the columns with
 * s_j > 0 and pf_j > 0, where s_j is the column's divisor (its sd, or 1) and ȳ the weighted mean
 * label: the gradient of the loss at the intercept-only model, on the scaled columns.
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
  for (const e of events) {
    const r = e.weight * (e.y - mean);
    if (r === 0) continue;
    for (let k = 0; k < e.x.nnz; k++) {
      const j = e.x.indices[k];
      gradient.set(j, (gradient.get(j) ?? 0) + r * e.x.values[k]);
    }
  }
  let max = 0;
  for (const [j, g] of gradient) {
    const d = scaleOf(j) * l1Ratio * penaltyFactor(j);
    if (d > 0) max = Math.max(max, Math.abs(g) / (sw * d));
  }
  return max;
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
