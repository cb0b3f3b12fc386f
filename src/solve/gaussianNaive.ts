import type { Counts, LambdaOutcome } from './outcome.js';
import type { CdState } from './state.js';
import { kktViolation, solveWorkingSet, STALL_PASSES, STALL_PROGRESS, sweep } from './sweeps.js';

/**
 * Gaussian with naive (residual) updates. With `stopping: 'glmnet'`, glmnet's sweeps and rule
 * (`sweepToThreshold`): done when they converge at tolerance · var(y), no certificate. Otherwise
 * sweeps over the working set with KKT checks, certified by a duality gap or by the KKT
 * conditions (`kktTolerance`, relative to each threshold), whichever holds first; the sweep
 * threshold is tightened 100× until one does.
 */
export function solveGaussianNaive(st: CdState, lambda: number): LambdaOutcome {
  const pr = st.problem;
  const certify = pr.stopping === 'certified';
  // glmnet's rule keeps the residual from λ to λ (a fresh one costs a pass over the support)
  if (certify || !st.residualCurrent) st.resetResidual(pr.y);
  st.residualCurrent = true;
  const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
  let thr = pr.tolerance * scaleVar;
  const counts = { passes: 0, kkt: 0 };
  let gap = NaN;
  for (;;) {
    const ok = certify
      ? solveWorkingSet(st, lambda, thr, pr.maxPasses, counts)
      : sweepToThreshold(st, lambda, thr, pr.maxPasses, counts);
    if (!ok) {
      return {
        converged: false,
        passes: counts.passes,
        kktChecks: counts.kkt,
        outerIterations: 1,
        dualGap: gap,
        reason: `no convergence within ${pr.maxPasses} coordinate sweeps`,
      };
    }
    if (!certify || lambda * pr.alpha === 0 || pr.yVar === 0) break;
    gap = dualGap(st, lambda);
    const target = pr.gapTolerance * Math.max(scaleVar, 1e-300);
    if (gap <= target) break;
    const v = kktViolation(st, lambda, 0);
    // the KKT conditions to kktTolerance (every gradient is exact after solveWorkingSet's check)
    if (v <= pr.kktTolerance) break;
    thr /= 100;
    if (thr < 1e-30 * scaleVar) {
      return {
        converged: false,
        passes: counts.passes,
        kktChecks: counts.kkt,
        outerIterations: 1,
        dualGap: gap,
        reason: `duality gap ${gap.toExponential(3)} stalls above ${target.toExponential(3)}`,
      };
    }
  }
  return {
    converged: true,
    passes: counts.passes,
    kktChecks: counts.kkt,
    outerIterations: 1,
    dualGap: gap,
  };
}

/**
 * Sweeps at threshold `thr` in glmnet's pass structure (glmnetpp `elnet_point`): sweeps over the
 * active set alone (the non-zero coefficients) until they converge, then a sweep over the
 * working set; while that moves some coordinate by h·Δ² ≥ thr, the same again. After a
 * working-set sweep below `thr`, the features outside the working set get their gradient (those
 * inside keep a stale one: the strong rules only read the others) and those that violate their
 * KKT condition join it; this repeats until none does. Returns false when the sweep budget ran out.
 */
export function sweepToThreshold(
  st: CdState,
  lambda: number,
  thr: number,
  budget: number,
  counts: Counts,
): boolean {
  const beta = st.beta;
  const active = st.active;
  // Outer: sweeps over the working set. A sweep that stops making progress is at the rounding
  // level of its sums (see `solveWorkingSet`): the sums are recomputed once, and if it still
  // stalls the point is as good as sweeps make it (the KKT check and the caller decide).
  const outer = new Stall();
  const inner = new Stall();
  // From a warm start, the active set's sweeps come first (glmnet starts each λ with them).
  let activePasses = true;
  for (;;) {
    if (activePasses) {
      let count = 0;
      for (let k = 0; k < st.setSize; k++) {
        const j = st.set[k]!;
        if (beta[j] !== 0) active[count++] = j;
      }
      inner.reset();
      // none, or all of the working set: its sweeps are the active set's
      while (count > 0 && count < st.setSize) {
        if (counts.passes >= budget) return false;
        counts.passes++;
        const c = sweep(st, lambda, active, count);
        if (c < thr || inner.stalled(st, c)) break;
      }
    }
    if (counts.passes >= budget) return false;
    counts.passes++;
    const change = sweep(st, lambda);
    activePasses = true;
    if (change < thr || outer.stalled(st, change)) {
      if (screen(st, lambda, counts) === 0) return true;
      outer.reset();
      // new features: a sweep over the working set again
      activePasses = false;
    }
  }
}

/** Progress of a sequence of sweeps: stalled after STALL_PASSES without progress, twice. */
class Stall {
  private best = Infinity;
  private since = 0;
  private refreshed = false;

  reset(): void {
    this.best = Infinity;
    this.since = 0;
    this.refreshed = false;
  }

  /** Whether the sweeps have stalled, given the last one's change (refreshes the sums once first). */
  stalled(st: CdState, change: number): boolean {
    if (change < STALL_PROGRESS * this.best) {
      this.best = change;
      this.since = 0;
      return false;
    }
    if (++this.since < STALL_PASSES) return false;
    if (this.refreshed) return true;
    st.refreshSums();
    this.refreshed = true;
    this.best = Infinity;
    this.since = 0;
    return false;
  }
}

/** Below this share of the features in the working set, the KKT pass takes every gradient in one call. */
const SCREEN_ALL_BELOW = 0.125;

/**
 * The KKT check after the sweeps converge: the gradients of the features outside the working set
 * from exact sums, violators added to the working set; returns how many joined.
 */
function screen(st: CdState, lambda: number, counts: Counts): number {
  const { excluded, pf, alpha } = st.problem;
  const l1 = lambda * alpha;
  st.refreshSums();
  counts.kkt++;
  const kernels = st.sparseKernels;
  // every column's product with the residual in one WebAssembly call, unless few are needed
  const batch = kernels !== null && st.setSize < SCREEN_ALL_BELOW * st.p;
  if (batch) kernels.dotsAll(st.uniformWeight === 0);
  let violators = 0;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j]) {
      st.grad[j] = 0;
      continue;
    }
    if (st.inSet[j]) continue;
    st.columnVisits++;
    st.ensureColumnSum(j);
    const g = batch ? st.gradientFrom(j, kernels.dots[j]!) : st.gradient(j);
    st.grad[j] = g;
    if (Math.abs(g) > l1 * pf[j]!) {
      st.addToSet(j);
      violators++;
    }
  }
  return violators;
}

/**
 * Duality gap of the gaussian problem (Fercoq, Gramfort & Salmon 2015; as scikit-learn's
 * `enet_coordinate_descent`, with weights and penalty factors), from `grad` just computed.
 */
export function dualGap(st: CdState, lambda: number): number {
  let r2 = 0;
  const W = st.W;
  const rho = st.rho;
  const shift = st.shift;
  for (let i = 0; i < st.n; i++) {
    const r = rho[i]! + shift;
    r2 += W[i]! * r * r;
  }
  return dualGapFrom(st, lambda, r2);
}

/** The gap given r² = Σ w r² and the current `grad`. */
export function dualGapFrom(st: CdState, lambda: number, r2: number): number {
  const { excluded, pf, alpha } = st.problem;
  const l1 = lambda * alpha;
  const l2 = lambda * (1 - alpha);
  let bg = 0;
  let norm1 = 0;
  let norm2 = 0;
  let dual = 1;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j]) continue;
    const b = st.beta[j]!;
    const g = st.grad[j]!;
    bg += b * g;
    norm1 += pf[j]! * Math.abs(b);
    norm2 += pf[j]! * b * b;
    if (pf[j]! > 0) {
      const xta = Math.abs(g - l2 * pf[j]! * b);
      const bound = l1 * pf[j]!;
      if (xta > bound) dual = Math.min(dual, bound / xta);
    }
  }
  const ry = r2 + bg;
  const c2 = dual * dual;
  return 0.5 * r2 * (1 + c2) - dual * ry + l1 * norm1 + 0.5 * l2 * (1 + c2) * norm2;
}
