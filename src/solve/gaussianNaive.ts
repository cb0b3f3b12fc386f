import type { LambdaOutcome } from './outcome.js';
import type { CdState } from './state.js';
import { kktViolation, solveWorkingSet } from './sweeps.js';

/**
 * Gaussian with naive (residual) updates: sweeps over the working set with KKT checks, certified
 * by a duality gap or by the KKT conditions (`kktTolerance`, relative to each threshold), whichever
 * holds first; the sweep threshold is tightened 100× until one does.
 */
export function solveGaussianNaive(st: CdState, lambda: number): LambdaOutcome {
  const pr = st.problem;
  st.resetResidual(pr.y);
  const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
  let thr = pr.tolerance * scaleVar;
  const counts = { passes: 0, kkt: 0 };
  let gap = NaN;
  for (;;) {
    const ok = solveWorkingSet(st, lambda, thr, pr.maxPasses, counts);
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
    if (lambda * pr.alpha === 0 || pr.yVar === 0) break;
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
