import type { Counts } from './outcome.js';
import type { WasmSparseColumns } from './kernels/sparseColumns.js';
import type { CdState } from './state.js';

/** Sweeps whose largest change has not dropped below STALL_PROGRESS of its best in this many passes stall. */
export const STALL_PASSES = 50;
export const STALL_PROGRESS = 0.99;
/** …unless (`stallProgress`) the objective fell by more than this share of it over those passes. */
export const STALL_OBJECTIVE = 1e-12;

/**
 * Coordinate sweeps over the working set and the screening around them: sequential strong rules
 * before a λ, a KKT check over all features after the sweeps converge (violators join the
 * working set and the sweeps go on), and the largest KKT violation of a point.
 */

/** Sequential strong rule (Tibshirani et al. 2012): keep j if |g_j| ≥ α pf_j (2λ − λ_prev). */
export function addStrongSet(st: CdState, lambda: number, lambdaPrev: number): void {
  const { alpha, pf } = st.problem;
  const cut = alpha * (2 * lambda - lambdaPrev);
  for (let j = 0; j < st.p; j++) if (Math.abs(st.grad[j]!) >= cut * pf[j]!) st.addToSet(j);
}

/**
 * One cyclic sweep over the working set (or `list[0..count)`: `st.set` or `st.active`) and the
 * intercept; returns the largest h·Δ².
 */
export function sweep(st: CdState, lambda: number, list: Int32Array = st.set, count = st.setSize): number {
  const { alpha } = st.problem;
  const l1 = lambda * alpha;
  const l2 = lambda * (1 - alpha);
  st.columnVisits += count;
  const kernels = st.sparseKernels;
  let maxChange: number;
  if (kernels) {
    // the whole sweep in WebAssembly: the operations of sweepFeatures, in the same order
    const current = st.allStamp === st.stampNo;
    if (!current) for (let k = 0; k < count; k++) st.ensureColumn(list[k]!);
    maxChange =
      current && st.inverseSweeps
        ? kernels.sweepInverse(list, count, st.uniformWeight, l1, st.sumW, st)
        : kernels.sweep(list, count, st.uniformWeight, l1, l2, st.sumW, st);
  } else maxChange = sweepFeatures(st, l1, l2, list, count);
  const d0 = (st.sumWrho + st.shift * st.sumW) / st.sumW;
  if (d0 !== 0) {
    st.b0 += d0;
    st.shift -= d0;
    const c = st.sumW * d0 * d0;
    if (c > maxChange) maxChange = c;
  }
  return maxChange;
}

/** The features' part of a sweep, in JavaScript; returns the largest h·Δ². */
function sweepFeatures(st: CdState, l1: number, l2: number, list: Int32Array, count: number): number {
  const { x, mean, scale, pf } = st.problem;
  const beta = st.beta;
  const inverse = st.inverseSweeps;
  let maxChange = 0;
  for (let k = 0; k < count; k++) {
    const j = list[k]!;
    st.ensureColumn(j);
    const hj = st.h[j]!;
    const bj = beta[j]!;
    // `inverseSweeps`: sparseSweepInverse's multiplications by 1/s_j and 1/(h_j + l2·pf_j)
    const is = inverse ? 1 / scale[j]! : 0;
    const u = hj * bj + (inverse ? st.gradientTimes(j, is) : st.gradient(j));
    const t = l1 * pf[j]!;
    const au = Math.abs(u);
    const v = u > 0 ? au - t : t - au;
    const nb = au <= t ? 0 : inverse ? v * (1 / (hj + l2 * pf[j]!)) : v / (hj + l2 * pf[j]!);
    if (nb !== bj) {
      const d = nb - bj;
      beta[j] = nb;
      const s = scale[j]!;
      if (inverse) {
        x.axpy(j, -d * is, st.rho);
        st.shift += d * mean[j]! * is;
        st.sumWrho -= d * is * st.colW[j]!;
      } else {
        x.axpy(j, -d / s, st.rho);
        st.shift += (d * mean[j]!) / s;
        st.sumWrho -= (d / s) * st.colW[j]!;
      }
      const c = hj * d * d;
      if (c > maxChange) maxChange = c;
    }
  }
  return maxChange;
}

/** A check of the caller's own stopping rule during long sweeps (`solveWorkingSet`). */
export interface Probe {
  /** The pass count at which `stop` is next called (the probe moves it on). */
  next: number;
  /** Whether the point is good enough to end the sweeps (then `solveWorkingSet` returns true). */
  stop(): boolean;
  /** Whether `stop` is also asked each time the sweeps converge, before the check of every feature. */
  readonly atConvergence?: boolean;
}

/** Focused sweeps of a quadratic model's tail (`tailSweeps.ts`), around each full sweep. */
export interface Tail {
  /** Before a full sweep. */
  mark(): void;
  /** After a full sweep whose largest change was at or above `thr`. */
  run(lambda: number, thr: number): void;
}

/**
 * Sweeps until converged at threshold `thr`, then checks KKT over all features, adds
 * violators, and repeats; after `maxRounds` checks that found violators it returns with the
 * last ones added but not swept. Updates `grad` for every feature. Returns false when the pass
 * budget ran out. `sorted`: keep the working set in column order (`CdState.sortSet`).
 * `minPasses`: the sweeps go on below `thr` until the pass count reaches it. `tail`: focused
 * sweeps after each full one (`tailSweeps.ts`). `stallProgress` > 0: sweeps whose largest change
 * stopped falling are not stalled while the model's objective falls by more than this share of
 * itself in STALL_PASSES passes (`STALL_OBJECTIVE`).
 */
export function solveWorkingSet(
  st: CdState,
  lambda: number,
  thr: number,
  budget: number,
  counts: Counts,
  probe?: Probe,
  sorted = false,
  maxRounds = Infinity,
  minPasses = 0,
  tail: Tail | null = null,
  stallProgress = 0,
): boolean {
  const { excluded, pf, alpha } = st.problem;
  const l1 = lambda * alpha;
  let rounds = 0;
  for (;;) {
    // A sweep that stops making progress is at the rounding level of its sums: the incremental
    // Σ W ρ drifts from the residual over many updates, and a constant false gradient then drives
    // a cycle of the intercept and uncentred columns that never goes below `thr`. Recompute the
    // sums once; if it still stalls, the point is as good as sweeps can make it (the caller's
    // KKT check decides).
    let best = Infinity;
    let since = 0;
    let refreshed = false;
    // (the objective where the sweeps began, then at each stall check)
    let objective = stallProgress > 0 ? st.quadraticObjective(lambda) : NaN;
    for (;;) {
      if (counts.passes >= budget) return false;
      counts.passes++;
      tail?.mark();
      const change = sweep(st, lambda);
      if (change < thr && counts.passes >= minPasses) break;
      tail?.run(lambda, thr);
      if (probe && counts.passes >= probe.next) {
        if (probe.stop()) return true;
      }
      if (change < STALL_PROGRESS * best) {
        best = change;
        since = 0;
      } else if (++since >= STALL_PASSES) {
        // near an interpolating fit (p ≥ n, small λ) the largest change hovers for thousands of
        // sweeps while the objective goes on falling: 13 × 17 at λ = 4e-4 stopped 12.8 % above
        // the optimum after 1,023 sweeps, and converges in 13,440
        if (stallProgress > 0) {
          const q = st.quadraticObjective(lambda);
          if (q < objective - stallProgress * Math.abs(q)) {
            objective = q;
            since = 0;
            continue;
          }
        }
        if (refreshed) break;
        st.refreshSums();
        refreshed = true;
        best = Infinity;
        since = 0;
      }
    }
    if (probe?.atConvergence && probe.stop()) return true;
    // exact sums before the full check (drift from incremental updates)
    st.refreshSums();
    counts.kkt++;
    let violators = 0;
    const kernels = st.sparseKernels;
    if (kernels) violators = kernelGradients(st, kernels, l1);
    else
      for (let j = 0; j < st.p; j++) {
        if (excluded[j]) {
          st.grad[j] = 0;
          continue;
        }
        st.columnVisits++;
        if (st.inSet[j]) st.ensureColumn(j);
        else st.ensureColumnSum(j);
        const g = st.gradient(j);
        st.grad[j] = g;
        if (!st.inSet[j] && Math.abs(g) > l1 * pf[j]!) {
          st.addToSet(j);
          violators++;
        }
      }
    if (violators === 0) return true;
    // a loosely solved model (inexact Newton) need not hold every violator: they are in the set
    // for the next model, whose Newton step starts from an exact gradient
    if (++rounds >= maxRounds) {
      st.roundsCapped++;
      return true;
    }
    if (sorted) st.sortSet();
  }
}

/**
 * Every feature's gradient into `grad`, computed in one WebAssembly pass over the sparse design
 * (`WasmSparseColumns.gradients`: the products with the residual, every column's Σ W x_j where W
 * changed since the last check, and the gradients of `gradientFrom`); features outside the working
 * set that violate their KKT condition join it, in column order. Returns how many joined.
 */
function kernelGradients(st: CdState, kernels: WasmSparseColumns, l1: number): number {
  const { excluded } = st.problem;
  const weighted = st.uniformWeight === 0;
  let mode: 0 | 1 | 2 = weighted ? 1 : 0;
  if (st.allStamp !== st.stampNo && !st.allSumsCurrent) {
    // W changed since the last check (a Newton step): its column sums in the same pass
    if (weighted) mode = 2;
    else st.ensureAllSums();
  }
  const count = kernels.gradients(mode, st.uniformWeight, st.shift, st.sumWrho + st.shift * st.sumW, l1);
  if (mode === 2) st.markAllSums();
  const grad = st.grad;
  grad.set(kernels.dots);
  const live = st.liveColumnCount();
  if (live < st.p) for (let j = 0; j < st.p; j++) if (excluded[j]) grad[j] = 0;
  st.columnVisits += live;
  const candidates = kernels.candidates;
  let violators = 0;
  for (let k = 0; k < count; k++) {
    const j = candidates[k]!;
    if (!excluded[j] && !st.inSet[j]) {
      st.addToSet(j);
      violators++;
    }
  }
  return violators;
}

/**
 * The rounding level of a gradient, relative to sd(y): a KKT violation within it, absolute, is no
 * evidence against a point (the binomial solver's floor; the gaussian ones' where the duality gap
 * cannot certify, `roundingCertificate`).
 */
export const GRADIENT_ROUNDING = 1e-12;

/**
 * The rounding of a gradient (x̃_j · w r summed over n rows, less m_j/s_j · Σ w r) per unit of its
 * column's `CdState.roundingScales`, for residuals of root mean square `rmsResidual` (weights
 * summing to 1): each sum's error is about √n ε of Σ w |x_j| |r| ≤ rms(x_j)·rms(r), taken 8 times.
 * A column far larger than the others, unstandardized (values near 1e8), has gradients whose
 * rounding alone passes `GRADIENT_ROUNDING`·sd(y) by orders of magnitude.
 */
export function gradientRounding(n: number, rmsResidual: number): number {
  return 8 * Math.sqrt(n) * Number.EPSILON * rmsResidual;
}

/**
 * A gaussian λ whose thresholds λα·pf_j are below the gradients' rounding level has no useful
 * duality gap: its dual point is scaled by λα / |Xᵀr|, which rounding makes ≪ 1, so the gap stays
 * near r²/2 at the optimum. Such a fit is certified instead when every KKT condition holds beyond
 * that level (`GRADIENT_ROUNDING`·sd(y)) to `kktTolerance`.
 */
export function roundingCertificate(st: CdState, lambda: number, scaleVar: number): boolean {
  return kktViolation(st, lambda, GRADIENT_ROUNDING * Math.sqrt(scaleVar)) <= st.problem.kktTolerance;
}

/**
 * Largest KKT violation from `grad` beyond an absolute `floor`, relative to each feature's L1
 * threshold (1 when that is 0); with `rounding` > 0 (`gradientRounding`), beyond each feature's
 * own rounding level where that is above the floor.
 */
export function kktViolation(st: CdState, lambda: number, floor: number, rounding = 0): number {
  const { excluded, pf, alpha } = st.problem;
  const l1 = lambda * alpha;
  const l2 = lambda * (1 - alpha);
  const scales = rounding > 0 && rounding * columnScaleMax(st) > floor ? st.roundingScales() : null;
  let worst = 0;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j]) continue;
    const b = st.beta[j]!;
    const level = scales === null ? floor : Math.max(floor, rounding * scales[j]!);
    const rel = featureViolation(st.grad[j]!, b, l1 * pf[j]!, l2 * pf[j]! * b, level);
    if (rel > worst) worst = rel;
  }
  return worst;
}

/** The largest of the features' `CdState.roundingScales`. */
export function columnScaleMax(st: CdState): number {
  if (Number.isNaN(st.maxRoundingScale)) st.roundingScales();
  return st.maxRoundingScale;
}

/**
 * A feature's KKT violation beyond an absolute `floor`, relative to its L1 threshold `t` (1 when
 * that is 0): `g` its gradient, `b` its coefficient, `ridge` its ridge term's slope at `b`.
 */
export function featureViolation(g: number, b: number, t: number, ridge: number, floor: number): number {
  const v = Math.max(
    0,
    (b === 0 ? Math.max(0, Math.abs(g) - t) : Math.abs(g - ridge - (b > 0 ? t : -t))) - floor,
  );
  return v / (t > 0 ? t : 1);
}
