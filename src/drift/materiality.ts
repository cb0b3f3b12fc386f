import type { ModelSnapshot } from '../model/snapshot.js';

/**
 * How much a coefficient matters, scale-free: `|β_j| · s_j / max_k |β_k| · s_k`, where `s_j` is the
 * feature's standard deviation when the caller knows it (`scaleOf`, e.g. the online scaler), so the
 * weight is the coefficient on the standardized scale (DESIGN §1) and does not depend on the unit of
 * any feature or of the target; without `scaleOf`, `s_j = 1` and the share only ignores the unit of
 * the target (the same relative criterion for every feature). Writes shares into `out` and returns it.
 */
export function relativeWeights(
  snapshot: ModelSnapshot,
  out: Map<string, number>,
  scaleOf?: (name: string) => number,
): Map<string, number> {
  out.clear();
  let max = 0;
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
 * The coefficients a support or sign check acts on, by relative weight r: those with r ≥ `floor`,
 * and those with r ≥ `trackedFloor` whose feature the support detector tracks (in the support or on
 * a streak, which only matters below `exit`). A snapshot without the others raises the same alerts.
 */
export interface MaterialFilter {
  readonly floor: number;
  readonly trackedFloor: number;
  readonly tracked: (name: string) => boolean;
}
