import { growFloat64 } from '../core/sparse.js';
import type { ModelSnapshot, SnapshotSource } from '../model/snapshot.js';

/**
 * How much a coefficient matters, scale-free: `|β_j| · s_j / max(max_k |β_k| · s_k, unit)`, where
 * `s_j` is the feature's standard deviation when the caller knows it (`scaleOf`, e.g. the online
 * scaler), so the weight is the coefficient on the standardized scale (docs/conventions.md) and does not depend
 * on the unit of any feature; without `scaleOf`, `s_j = 1`. With `unit` 0 the share also ignores the
 * unit of the target; `unit` > 0 (the effect that counts as wholly material, in the target's unit)
 * keeps a model whose every effect is small from having material coefficients. Writes shares into
 * `out` and returns it.
 */
export function relativeWeights(
  snapshot: ModelSnapshot,
  out: Map<string, number>,
  scaleOf?: (name: string) => number,
  unit = 0,
): Map<string, number> {
  out.clear();
  let max = unit;
  for (const name in snapshot.coefficients) {
    const beta = snapshot.coefficients[name];
    const s = scaleOf === undefined ? 1 : scaleOf(name);
    const w = Math.abs(beta) * (Number.isFinite(s) && s > 0 ? s : 1);
    if (!Number.isFinite(w)) continue;
    out.set(name, w);
    if (w > max) max = w;
  }
  if (max > 0) for (const [name, w] of out) out.set(name, w / max);
  return out;
}

/**
 * Coefficients with their relative weights (`relativeWeights`), in arrays: entry k < `count` is
 * feature `names[k]`, coefficient `values[k]` (original scale) and relative weight `weights[k]`, in
 * the key order of the snapshot record they stand for. What the support and sign detectors read.
 */
export interface WeightedCoefficients {
  readonly count: number;
  readonly names: readonly string[];
  readonly values: Float64Array;
  readonly weights: Float64Array;
  /**
   * The largest effect |β_k|·s_k and what the weights were divided by (it, or the `unit` when
   * larger): a check whose own unit is smaller rescales the weights (`shareScale`). Absent: the
   * weights are shares of the largest effect.
   */
  readonly largest?: number | undefined;
  readonly normalizer?: number | undefined;
}

/**
 * The factor that turns `c`'s weights into shares under a check's own `unit` (`relativeWeights`
 * with it): normalizer / max(largest, unit); 1 without a unit, or where `c` does not say how it
 * was weighed.
 */
export function shareScale(c: WeightedCoefficients, unit: number): number {
  const { largest, normalizer } = c;
  if (!(unit > 0) || largest === undefined || normalizer === undefined || !(normalizer > 0)) return 1;
  return normalizer / Math.max(largest, unit);
}

/**
 * A model's coefficients for a support and sign check without a snapshot record
 * (`OnlineModel.driftView`): the material ones (`MaterialFilter`) with their relative weights under
 * the model's own scales, and what an alert cites of the snapshot. Valid until the model's next view.
 */
export interface DriftView extends WeightedCoefficients {
  readonly key: string;
  readonly version: number;
  readonly offset: number;
  readonly source: SnapshotSource;
}

/** `WeightedCoefficients` in arrays that grow and are reused. */
export class WeightedBuffer implements WeightedCoefficients {
  count = 0;
  readonly names: string[] = [];
  values = new Float64Array(16);
  weights = new Float64Array(16);
  largest: number | undefined = undefined;
  normalizer: number | undefined = undefined;

  /** Room for `n` entries (the first `count` kept). */
  reserve(n: number): void {
    if (n <= this.values.length) return;
    this.values = growFloat64(this.values, n);
    this.weights = growFloat64(this.weights, n);
  }

  /** `relativeWeights` of a record's coefficients, in its key order (`for … in`). */
  weigh(coefficients: Readonly<Record<string, number>>, scaleOf?: (name: string) => number, unit = 0): this {
    this.count = 0;
    let max = unit;
    let largest = 0;
    for (const name in coefficients) {
      const beta = coefficients[name];
      const s = scaleOf === undefined ? 1 : scaleOf(name);
      const w = Math.abs(beta) * (Number.isFinite(s) && s > 0 ? s : 1);
      if (!Number.isFinite(w)) continue;
      this.add(name, beta, w);
      if (w > max) max = w;
      if (w > largest) largest = w;
    }
    const weights = this.weights;
    if (max > 0) for (let k = 0; k < this.count; k++) weights[k] = weights[k] / max;
    this.largest = largest;
    this.normalizer = max;
    return this;
  }

  /** Relative weights given by name (a `relativeWeights` Map), in its order; β from `coefficients`. */
  fromWeights(coefficients: Readonly<Record<string, number>>, weights: ReadonlyMap<string, number>): this {
    this.count = 0;
    this.largest = undefined;
    this.normalizer = undefined;
    for (const [name, r] of weights) this.add(name, coefficients[name], r);
    return this;
  }

  /** Appends an entry. */
  add(name: string, value: number, weight: number): void {
    const k = this.count++;
    if (k === this.values.length) this.reserve(k + 1);
    if (k < this.names.length) this.names[k] = name;
    else this.names.push(name);
    this.values[k] = value;
    this.weights[k] = weight;
  }
}

/**
 * The coefficients a support or sign check acts on, by relative weight r (`relativeWeights` with
 * `unit`): those with r ≥ `floor`, and those with r ≥ `trackedFloor` whose feature the support
 * detector tracks (in the support or on a streak, which only matters below `exit`). A snapshot
 * without the others raises the same alerts.
 */
export interface MaterialFilter {
  /** The effect that counts as wholly material, on the model's original scale (0: none). */
  readonly unit: number;
  readonly floor: number;
  readonly trackedFloor: number;
  readonly tracked: (name: string) => boolean;
}
