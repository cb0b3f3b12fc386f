import type { Counts, LambdaOutcome } from './outcome.js';
import { DualExtrapolation } from './dualExtrapolation.js';
import type { CdState } from './state.js';
import { UnpenalizedBlock, unpenalizedStep } from './unpenalizedStep.js';
import {
  GRADIENT_ROUNDING,
  STALL_OBJECTIVE,
  gradientRounding,
  kktViolation,
  type Probe,
  roundingCertificate,
  solveWorkingSet,
  STALL_PASSES,
  STALL_PROGRESS,
  sweep,
} from './sweeps.js';

/**
 * Gaussian with naive (residual) updates. With `stopping: 'glmnet'`, glmnet's sweeps and rule
 * (`sweepToThreshold`): done when they converge at tolerance · var(y), no certificate. Otherwise
 * sweeps over the working set with KKT checks and Anderson extrapolation (`Extrapolation`),
 * certified by a duality gap or by the KKT conditions (`kktTolerance`, relative to each
 * threshold), whichever holds first. The first round sweeps to glmnet's rule (FIRST_ROUND), the
 * next to `tolerance`, then 100× tighter until a certificate holds, at least GAP_SPACING sweeps
 * apart and, from the third check, not before the pass where the gap's rate so far reaches the
 * target (`predictCheck`). The gap is that of the rescaled residual or, near the target, of the
 * extrapolated dual point (`DualExtrapolation`, lasso only), whichever is smaller.
 */
export function solveGaussianNaive(st: CdState, lambda: number): LambdaOutcome {
  const pr = st.problem;
  const certify = pr.stopping === 'certified';
  // glmnet's rule keeps the residual from λ to λ (a fresh one costs a pass over the support)
  if (certify || !st.residualCurrent) st.resetResidual(pr.y);
  st.residualCurrent = true;
  // every column's statistics once (the sums are current): the sweeps then skip them
  if (st.sparseKernels) st.ensureAll();
  // certified: sweeps that multiply by 1/(h_j + l2·pf_j) and 1/s_j for their divisions (equal to
  // rounding; the glmnet rule keeps glmnet's steps to the bit)
  st.inverseSweeps = certify;
  if (certify && st.sparseKernels) {
    const { pf, alpha } = pr;
    const l2 = lambda * (1 - alpha);
    const invH = st.sparseKernels.invH;
    for (let j = 0; j < st.p; j++) invH[j] = 1 / (st.h[j]! + l2 * pf[j]!);
  }
  try {
    return solveFromStart(st, lambda, certify);
  } finally {
    st.inverseSweeps = false;
  }
}

/** `solveGaussianNaive` once the residual and the column statistics are current. */
function solveFromStart(st: CdState, lambda: number, certify: boolean): LambdaOutcome {
  const pr = st.problem;
  // sweeps in column order, as glmnet's (and a sparse design's columns then stream from memory)
  st.sortSet();
  const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
  const tight = pr.tolerance * scaleVar;
  // certified: a first round at glmnet's default rule finds the working set (violators left out
  // by the strong rules) before the sweeps go to `tolerance`
  let thr = certify ? Math.max(tight, FIRST_ROUND * scaleVar) : tight;
  const counts = { passes: 0, kkt: 0 };
  let gap = NaN;
  let gapChecks = 0;
  let lastCheck = 0;
  // the pass at which the gap's rate of decrease so far predicts the target (0: none)
  let nextCheck = 0;
  let prevGap = NaN;
  let firstGap = NaN;
  let firstPass = 0;
  // with unpenalized features (at most UnpenalizedBlock's limits), the gap at a dual point
  // orthogonal to them (`projectedGap`) certifies
  const block = certify ? UnpenalizedBlock.of(st) : null;
  let projected = Number.NaN;
  for (;;) {
    const ok = certify
      ? solveWorkingSet(
          st,
          lambda,
          thr,
          pr.maxPasses,
          counts,
          pr.extrapolate ? extrapolation(st).start(lambda, counts) : undefined,
          true,
          Infinity,
          gapChecks > 0 ? Math.max(lastCheck + GAP_SPACING, nextCheck) : 0,
          null,
          // (sweeps whose objective still falls beyond its rounding are not stalled)
          STALL_OBJECTIVE,
        )
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
    gapChecks++;
    const prevPass = lastCheck;
    lastCheck = counts.passes;
    const target = pr.gapTolerance * Math.max(scaleVar, 1e-300);
    // the plain gap bounds the distance to the optimum only where the unpenalized features are at
    // theirs (`gapHolds`); the projected one (NaN: none, or too many to take) whatever their
    // gradients, but scaling its dual point into the constraints can cost more than the plain one's
    let free = unpenalizedExcess(st, scaleVar) <= 1;
    // the gap that certifies the point, or NaN
    const certifying = (plain: number): number =>
      plain <= target && free && gapHolds(st, plain, target)
        ? plain
        : projected <= target && projected >= -target
          ? projected
          : Number.NaN;
    // whether the point is certified: the plain gap, else the projected one (then `gap`)
    // (the projected gap costs a product with the design: taken near the target, and after the
    // exact step where the unpenalized gradients stay above their level)
    const checkGap = (afterStep: boolean): boolean => {
      projected = Number.NaN;
      let certified = certifying(gap);
      if (Number.isNaN(certified) && block !== null && (gap <= target || (afterStep && !free))) {
        projected = projectedGap(st, lambda, block);
        certified = certifying(gap);
      }
      if (!Number.isNaN(certified)) gap = certified;
      else if (!Number.isNaN(projected)) gap = projected;
      // certified with the unpenalized gradients above their level: their exact step, which can
      // only lower the objective, so the same dual point bounds the new point's distance too
      if (!Number.isNaN(certified) && !free) unpenalizedStep(st);
      return !Number.isNaN(certified);
    };
    if (checkGap(false)) break;
    const checkedGap = gap;
    if (gapChecks === 1) [firstGap, firstPass] = [checkedGap, counts.passes];
    // the unpenalized gradients above their level: their exact step (sweeps stall on a nearly
    // collinear block), from which the sweeps go on; else, where only they hold the certificate
    // back (the residual kept by the sweeps' updates drifts from y − Xβ by their rounding, which
    // then holds those gradients above their level), the next sweeps start from the exact residual
    if (!free && unpenalizedStep(st)) {
      // another point: its own gap (the one above, of the point before, certifies nothing here)
      gap = dualGap(st, lambda);
      free = unpenalizedExcess(st, scaleVar) <= 1;
      if (checkGap(true)) break;
    } else if (gap <= target) st.resetResidual(pr.y);
    // near the target, the extrapolated dual point (a product with the design) may certify
    const dual = pr.extrapolate && Number.isNaN(projected) ? extrapolation(st).dual : null;
    if (dual && gap <= DUAL_NEAR * target) {
      dual.record(counts.passes, st.setSize);
      gap = Math.min(gap, dual.gap(lambda, counts));
      if (!Number.isNaN(certifying(gap))) break;
    }
    const v = kktViolation(st, lambda, 0);
    // the KKT conditions to kktTolerance (every gradient is exact after solveWorkingSet's check);
    // an unpenalized feature's is absolute there, so it must be at rounding level too, and what
    // their block can still gain within the target
    if (v <= pr.kktTolerance && free && blockSettled(st, block, target)) break;
    thr = thr > tight ? tight : thr / 100;
    nextCheck =
      gapChecks > 1
        ? predictCheck(prevGap, checkedGap, prevPass, counts.passes, gap, target)
        : priorCheck(gapPriors.get(st), counts.passes, gap, target);
    prevGap = checkedGap;
    if (thr < 1e-30 * scaleVar) {
      // (with unpenalized features, as on the KKT branch above)
      const certified = roundingCertificate(st, lambda, scaleVar) && free && blockSettled(st, block, target);
      return {
        converged: certified,
        passes: counts.passes,
        kktChecks: counts.kkt,
        outerIterations: 1,
        dualGap: gap,
        ...(certified
          ? {}
          : {
              reason: stallReason(st, gap, target, scaleVar, !Number.isNaN(projected)),
            }),
      };
    }
  }
  // the gap's rate per pass from this λ's first check to its certificate, and the passes between
  // them: the next λ's prior
  if (gapChecks > 1 && gap > 0 && firstGap > gap && counts.passes > firstPass) {
    const passes = counts.passes - firstPass;
    gapPriors.set(st, { rate: Math.pow(gap / firstGap, 1 / passes), passes });
  }
  return {
    converged: true,
    passes: counts.passes,
    kktChecks: counts.kkt,
    outerIterations: 1,
    dualGap: gap,
  };
}

/** Why a certified solve that ran out of sweep thresholds did not converge. */
function stallReason(st: CdState, gap: number, target: number, scaleVar: number, projected: boolean): string {
  if (projected) {
    return `duality gap ${gap.toExponential(3)} (at a dual point orthogonal to the unpenalized features) stalls above ${target.toExponential(3)}`;
  }
  const excess = unpenalizedExcess(st, scaleVar);
  if (excess > 1) {
    return `the gradients of the unpenalized features stall at ${excess.toPrecision(3)} times their rounding level (a duality gap bounds nothing until they reach it)`;
  }
  const slack = unpenalizedSlack(st);
  if (gap <= target && slack > target) {
    let largest = 0;
    for (let j = 0; j < st.p; j++) {
      if (st.problem.pf[j] === 0) largest = Math.max(largest, Math.abs(st.beta[j]!));
    }
    return `the unpenalized features' coefficients (up to ${largest.toExponential(2)}: nearly collinear columns of penalty factor 0) times their gradients' rounding, ${slack.toExponential(3)}, exceed the duality gap's target ${target.toExponential(3)}`;
  }
  return `duality gap ${gap.toExponential(3)} stalls above ${target.toExponential(3)}`;
}

/** How the last certified λ of a state converged from its first gap check on (`priorCheck`). */
export interface GapPrior {
  /** The gap's rate of decrease per pass. */
  readonly rate: number;
  /** Passes from the first check to the certificate (the gap's, or the KKT conditions'). */
  readonly passes: number;
}

const gapPriors = new WeakMap<CdState, GapPrior>();

/**
 * Certified: the pass of the second gap check of a λ, from its first (`gap` at pass `p1`) and how
 * the previous λ converged (consecutive λ of a path converge alike): when the gap at the previous
 * rate reaches `target`, but no later than the previous λ's passes to its certificate; 0 without
 * a prior. Each check it saves is a product with the design.
 */
export function priorCheck(prior: GapPrior | undefined, p1: number, gap: number, target: number): number {
  if (prior === undefined || !(prior.rate > 0 && prior.rate < 1) || !(gap > target)) return 0;
  const rate = Math.min(Math.max(prior.rate, PREDICT_RATE_MIN), PREDICT_RATE_MAX);
  const m = Math.ceil(Math.log(target / gap) / Math.log(rate));
  return p1 + Math.min(Math.max(Math.min(m, prior.passes), 1), PRIOR_MAX);
}

/** Certified: the second gap check of a λ is at most this many passes beyond its first (`priorCheck`). */
const PRIOR_MAX = 40;

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
      st.sortSet();
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
 * The largest gradient of an unpenalized feature (penalty factor 0) beyond its rounding level
 * (`GRADIENT_ROUNDING`·sd(y), or `gradientRounding` where that is larger), relative to that level
 * (≤ 1: at rounding level; 0 without such features). The dual point of `dualGapFrom` (the scaled
 * residual) must be orthogonal to those features, or the gap is no bound: on 37 rows × 132
 * columns with 7 unpenalized, a fit certified by a gap of 1e-10·var(y) was 3.1e-9·var(y) above
 * glmnet's objective, their gradients at 2e-4. `r2`: Σ w r² (NaN: from the residual kept in `st`).
 */
export function unpenalizedExcess(st: CdState, scaleVar: number, r2 = NaN): number {
  const { excluded, pf } = st.problem;
  let worst = 0;
  let scales: Float64Array | null = null;
  let floor = NaN;
  let rounding = NaN;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j] || pf[j] !== 0) continue;
    if (scales === null) {
      scales = st.roundingScales();
      floor = GRADIENT_ROUNDING * Math.sqrt(scaleVar);
      // the sums' rounding, and the residual's own: each residual is a few ulps of the terms it
      // is computed from, far larger than itself near an interpolating fit or with columns far from 0
      rounding =
        gradientRounding(st.n, Math.sqrt(Number.isNaN(r2) ? residualSquares(st) : r2)) +
        64 * Number.EPSILON * fittedSize(st, scales);
    }
    const level = Math.max(floor, rounding * scales[j]!);
    worst = Math.max(worst, Math.abs(st.grad[j]!) / level);
  }
  return worst;
}

/**
 * With unpenalized features, whether a gap ≤ `target` bounds: the gap takes Σ w r·x̃β as Σ β_j g_j,
 * so each unpenalized gradient's rounding counts |β_j| times, which is far beyond the gap where
 * their coefficients are large (nearly collinear columns): on 90 × 149 with three such columns
 * near 1.6e5 and weights from 1e-6 to 6e5 the gap came out at −2.8e-3 (a gap is ≥ 0), and a fit
 * 1.3 % above the optimum was certified. So the gap plus Σ |β_j g_j| over them must be within
 * `target`, and the gap no further below 0 than it. True without such features.
 */
export function gapHolds(st: CdState, gap: number, target: number): boolean {
  const slack = unpenalizedSlack(st);
  return Number.isNaN(slack) || (gap + slack <= target && gap >= -target);
}

/** Σ |β_j g_j| over the unpenalized features (NaN without them): their share of the gap. */
export function unpenalizedSlack(st: CdState): number {
  const { excluded, pf } = st.problem;
  let slack = 0;
  let any = false;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j] || pf[j] !== 0) continue;
    any = true;
    slack += Math.abs(st.beta[j]! * st.grad[j]!);
  }
  return any ? slack : NaN;
}

/**
 * A bound on the root mean square of the terms the residual y − b0 − Σ β_k x̃_k is computed from:
 * rms(y) + |b0 − Σ β_k m_k / s_k| + Σ |β_k| rms(x_k) / s_k (`scales`: `CdState.roundingScales`).
 */
function fittedSize(st: CdState, scales: Float64Array): number {
  const { y } = st.problem;
  let y2 = 0;
  for (let i = 0; i < st.n; i++) y2 += st.W[i]! * y[i]! * y[i]!;
  let size = Math.sqrt(y2) + Math.abs(st.shift);
  for (let k = 0; k < st.setSize; k++) {
    const j = st.set[k]!;
    size += Math.abs(st.beta[j]!) * scales[j]!;
  }
  return size;
}

/** Σ w r² of the current residual. */
function residualSquares(st: CdState): number {
  let r2 = 0;
  const W = st.W;
  const rho = st.rho;
  const shift = st.shift;
  for (let i = 0; i < st.n; i++) {
    const r = rho[i]! + shift;
    r2 += W[i]! * r * r;
  }
  return r2;
}

/**
 * With unpenalized features: the duality gap at a dual point orthogonal to them and to the
 * intercept, the residual less its weighted least-squares fit on them (`UnpenalizedBlock`), scaled
 * into the dual's constraints. A bound whatever their gradients: the share of the gap their
 * gradients leave (½ gᵀH⁻¹g on their block, large along a nearly collinear one) is in it. The
 * plain gap (`dualGapFrom`, dual point the scaled residual) is no bound until those gradients are 0:
 * on 29 × 600 with 4 such columns near 1e5, elastic net at α = 0.05, every KKT condition held to
 * 6e-11 (theirs at rounding level) at a point 2.9e-4·var(y) above the optimum, its plain gap
 * 5.6e-6. The residual is recomputed first. NaN when the block cannot be taken.
 */
export function projectedGap(st: CdState, lambda: number, block: UnpenalizedBlock): number {
  const { excluded, pf, alpha, y } = st.problem;
  st.resetResidual(y);
  const n = st.n;
  const W = st.W;
  // q = √w·(r less its fit on the block)
  const q = new Float64Array(n);
  if (block.fitResidual(st, q) === null) return Number.NaN;
  let r2 = 0;
  let q2 = 0;
  let qy = 0;
  const wq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = st.rho[i]! + st.shift;
    const s = Math.sqrt(W[i]!);
    r2 += W[i]! * r * r;
    q2 += q[i]! * q[i]!;
    qy += s * q[i]! * y[i]!;
    wq[i] = s * q[i]!;
  }
  // x̃_jᵀ √w q for every feature, into `grad` (restored after)
  const saved = Float64Array.from(st.grad);
  st.fullGradient(wq);
  const l1 = lambda * alpha;
  const l2 = lambda * (1 - alpha);
  let norm1 = 0;
  let norm2 = 0;
  let dual = 1;
  // Σ_j g_j*(s_j), the conjugate of the elastic-net penalty at q's correlations (l2 > 0)
  let conjugate = 0;
  for (let j = 0; j < st.p; j++) {
    if (excluded[j] || pf[j] === 0) continue;
    const b = st.beta[j]!;
    norm1 += pf[j]! * Math.abs(b);
    norm2 += pf[j]! * b * b;
    const xta = Math.abs(st.grad[j]! - l2 * pf[j]! * b);
    const bound = l1 * pf[j]!;
    if (xta > bound) dual = Math.min(dual, bound / xta);
    const over = Math.abs(st.grad[j]!) - bound;
    if (over > 0 && l2 > 0) conjugate += (over * over) / (2 * l2 * pf[j]!);
  }
  st.grad.set(saved);
  const primal = 0.5 * r2 + l1 * norm1 + 0.5 * l2 * norm2;
  // two dual points: c·q (the elastic net as a lasso on rows augmented by √(l2·pf)·I, scaled into
  // its constraints), and, with a ridge term, q itself (no constraint: the penalty's conjugate
  // grows with the square of a correlation beyond its threshold, where scaling costs in proportion
  // to q²: on 20 × 600 at α = 0.05 the scaled point's gap was 1.7e-2, 7e-8·var(y), at a point
  // 2.2e-11·var(y) from the optimum)
  const scaled = dual * qy - 0.5 * dual * dual * (q2 + l2 * norm2);
  const unscaled = l2 > 0 ? qy - 0.5 * q2 - conjugate : -Infinity;
  return primal - Math.max(scaled, unscaled);
}

/**
 * Whether the intercept and the unpenalized features are at their optimum given the other
 * coefficients to `target` of the objective, which no KKT condition tells (a gradient at rounding
 * level leaves the objective free to fall along a nearly collinear block: on 29 × 600 with 4 such
 * columns near 1e5, every KKT condition held to 6e-11 at a point 2.9e-4·var(y) above the
 * optimum, 1.6e-4·var(y) of it from that block): the fall their exact step would give,
 * ½ (Σ w r² − Σ w q²) with q the residual less its fit on them (`projectedGap`). Without the block
 * (too many features), Σ |β_j g_j| over them (`unpenalizedSlack`) within `target`; true without such
 * features.
 */
export function blockSettled(st: CdState, block: UnpenalizedBlock | null, target: number): boolean {
  if (block === null) return !(unpenalizedSlack(st) > target);
  st.resetResidual(st.problem.y);
  const q = new Float64Array(st.n);
  if (block.fitResidual(st, q) === null) return false;
  let gain = 0;
  let r2 = 0;
  for (let i = 0; i < st.n; i++) {
    const r = st.rho[i]! + st.shift;
    r2 += st.W[i]! * r * r;
    gain += 0.5 * (st.W[i]! * r * r - q[i]! * q[i]!);
  }
  // (within the rounding of the sums, n·ε·Σ w r²: near an interpolating fit, beyond the target)
  return gain <= target + st.n * Number.EPSILON * r2;
}

/**
 * Duality gap of the gaussian problem (Fercoq, Gramfort & Salmon 2015; as scikit-learn's
 * `enet_coordinate_descent`, with weights and penalty factors), from `grad` just computed.
 */
export function dualGap(st: CdState, lambda: number): number {
  return dualGapFrom(st, lambda, residualSquares(st));
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

/**
 * Certified: the pass of the next gap check, from the residual's gaps `g0` and `g1` at passes `p0`
 * and `p1` of this λ: when the gap at their rate (per pass, clamped to [PREDICT_RATE_MIN,
 * PREDICT_RATE_MAX]) reaches `target` from `gap` (the last, perhaps the extrapolated dual point's),
 * at most PREDICT_MAX passes on; 0 without progress. Each check is a product with the design and
 * restarts the Anderson history: one that cannot certify costs both.
 */
export function predictCheck(
  g0: number,
  g1: number,
  p0: number,
  p1: number,
  gap: number,
  target: number,
): number {
  if (!(g0 > 0) || !(g1 < g0) || p1 <= p0) return 0;
  const rate = Math.min(Math.max(Math.pow(g1 / g0, 1 / (p1 - p0)), PREDICT_RATE_MIN), PREDICT_RATE_MAX);
  const m = Math.ceil(Math.log(target / gap) / Math.log(rate));
  return p1 + Math.min(Math.max(m, 1), PREDICT_MAX);
}

/** Certified: the next gap check is at most this many passes beyond the last (`predictCheck`). */
const PREDICT_MAX = 12;
const PREDICT_RATE_MIN = 0.3;
const PREDICT_RATE_MAX = 0.95;

/** Certified: the first round's sweep threshold (relative to var(y)), glmnet's rule's default. */
const FIRST_ROUND = 1e-9;
/** Certified: sweeps at least this many passes between gap checks (each costs a product with the design). */
const GAP_SPACING = 3;
/** The extrapolated dual point is tried when the residual's gap is within this factor of the target. */
const DUAL_NEAR = 100;

/** Sweeps per Anderson extrapolation (Bertrand & Massias 2021 use 5; 4 took fewer sweeps here). */
const AA_K = 4;

const extrapolations = new WeakMap<CdState, Extrapolation>();

/** The extrapolation of a state (its buffers are kept from λ to λ). */
function extrapolation(st: CdState): Extrapolation {
  let e = extrapolations.get(st);
  if (!e) extrapolations.set(st, (e = new Extrapolation(st)));
  return e;
}

/**
 * Anderson extrapolation of coordinate descent (Bertrand & Massias, "Anderson acceleration of
 * coordinate descent", AISTATS 2021): after every AA_K + 1 sweeps over an unchanged working set,
 * the point c₁β⁽¹⁾ + … + c_Kβ⁽ᴷ⁾ with Σc = 1 that minimizes ‖Σ c_i (β⁽ⁱ⁾ − β⁽ⁱ⁻¹⁾)‖ is tried, with
 * the intercept refitted, and kept only if it lowers the objective; its residual is the same
 * combination of the iterates' residuals (`DualExtrapolation.combine`, lasso) or, without them,
 * a scatter of the working set's columns. It runs as the `Probe` of
 * `solveWorkingSet`, called after every sweep; it never ends the sweeps itself (`stop` is false),
 * the caller's certificate does.
 */
class Extrapolation implements Probe {
  next = 0;
  private lambda = 0;
  private counts: Counts = { passes: 0, kkt: 0 };
  /** The last AA_K + 1 iterates on the working set, `cap` entries each. */
  private hist = new Float64Array(0);
  /** The differences of consecutive iterates (`weights`), `cap` entries each. */
  private diffs = new Float64Array(0);
  private cap = 0;
  private readonly gram = new Float64Array(AA_K * AA_K);
  private readonly z = new Float64Array(AA_K);
  private delta = new Float64Array(0);
  /** The residual before an extrapolated step (`rho`), to restore it exactly. */
  private rhoOld = new Float64Array(0);
  private filled = 0;
  private size = -1;
  /** The intercept and the pass of each iterate in `hist`. */
  private readonly b0Hist = new Float64Array(AA_K + 1);
  private readonly passHist = new Int32Array(AA_K + 1);

  /** The residuals' history for the dual point (lasso only), or null. */
  readonly dual: DualExtrapolation | null;

  constructor(private readonly st: CdState) {
    this.dual = DualExtrapolation.applies(st) ? new DualExtrapolation(st) : null;
  }

  /** Starts a new history at λ (the sweeps' counts give the pass number). */
  start(lambda: number, counts: Counts): this {
    this.lambda = lambda;
    this.counts = counts;
    this.filled = 0;
    this.size = -1;
    this.next = counts.passes + 1;
    if (this.dual && lambda !== this.dual.lambda) this.dual.startAt(lambda);
    return this;
  }

  stop(): boolean {
    const st = this.st;
    this.next = this.counts.passes + 1;
    const m = st.setSize;
    // a new working set (after a KKT check) starts a new history
    if (m !== this.size) {
      this.size = m;
      this.filled = 0;
      if (m > this.cap) {
        this.cap = Math.max(m, 2 * this.cap);
        this.hist = new Float64Array((AA_K + 1) * this.cap);
        this.diffs = new Float64Array(AA_K * this.cap);
        this.delta = new Float64Array(this.cap);
      }
    }
    const at = this.filled * this.cap;
    const hist = this.hist;
    const beta = st.beta;
    const set = st.set;
    for (let k = 0; k < m; k++) hist[at + k] = beta[set[k]!]!;
    this.b0Hist[this.filled] = st.b0;
    this.passHist[this.filled] = this.counts.passes;
    this.dual?.record(this.counts.passes, m);
    if (++this.filled === AA_K + 1) {
      this.filled = 0;
      this.extrapolate(m);
    }
    return false;
  }

  /** Tries the extrapolated point; keeps it if the objective is lower, else restores the last sweep's. */
  private extrapolate(m: number): void {
    const st = this.st;
    const c = this.weights(m);
    if (!c) return;
    const { x, mean, scale } = st.problem;
    const h = this.hist;
    const cap = this.cap;
    const d = this.delta;
    for (let k = 0; k < m; k++) {
      let e = 0;
      for (let a = 0; a < AA_K; a++) e += c[a]! * h[(a + 1) * cap + k]!;
      d[k] = e - st.beta[st.set[k]!]!;
    }
    const { pf, alpha } = st.problem;
    // the penalty's change, term by term (a difference of two rounded objectives would be noise
    // once the sweeps have converged to its rounding level)
    let dPen = 0;
    for (let k = 0; k < m; k++) {
      const dk = d[k]!;
      if (dk === 0) continue;
      const j = st.set[k]!;
      const b = st.beta[j]!;
      const e = b + dk;
      dPen += pf[j]! * (alpha * (Math.abs(e) - Math.abs(b)) + ((1 - alpha) / 2) * dk * (e + b));
    }
    const b0 = st.b0;
    const shift = st.shift;
    const n = st.n;
    const old = this.rhoOld.length === n ? this.rhoOld : (this.rhoOld = new Float64Array(n));
    old.set(st.rho);
    // the new point's residual: the same combination of the iterates' residuals when the dual
    // history holds them (K·n operations, no scatter of the working set's columns)
    if (this.dual?.combine(c, this.passHist, 1, AA_K, st.rho)) {
      // the intercept Σ c b0⁽ᵃ⁾ in the same form: the newest plus the differences to it
      const b0Last = this.b0Hist[AA_K]!;
      let e0 = b0Last;
      for (let a = 0; a < AA_K - 1; a++) e0 += c[a]! * (this.b0Hist[a + 1]! - b0Last);
      st.b0 = e0;
      st.shift = 0;
      for (let k = 0; k < m; k++) st.beta[st.set[k]!]! += d[k]!;
    } else {
      const kernels = st.sparseKernels;
      for (let k = 0; k < m; k++) {
        const dk = d[k]!;
        if (dk === 0) continue;
        const j = st.set[k]!;
        st.beta[j]! += dk;
        st.columnVisits++;
        if (kernels) kernels.axpy(j, -dk / scale[j]!);
        else x.axpy(j, -dk / scale[j]!, st.rho);
        st.shift += (dk * mean[j]!) / scale[j]!;
      }
    }
    st.refreshSums();
    // the intercept's optimum at the new point
    const d0 = (st.sumWrho + st.shift * st.sumW) / st.sumW;
    st.b0 += d0;
    st.shift -= d0;
    // the loss's change ½ Σ W (r′² − r²) = Σ W Δr (r + Δr/2), from the residuals' differences
    const W = st.W;
    const rho = st.rho;
    const dShift = st.shift - shift;
    let dLoss = 0;
    for (let i = 0; i < n; i++) {
      const dr = rho[i]! - old[i]! + dShift;
      dLoss += W[i]! * dr * (old[i]! + shift + 0.5 * dr);
    }
    if (dLoss + this.lambda * dPen < 0) {
      // the sweeps' sequence starts again from the new point
      this.dual?.reset();
      return;
    }
    // back to the last sweep's point exactly
    rho.set(old);
    st.b0 = b0;
    st.shift = shift;
    st.refreshSums();
    for (let k = 0; k < m; k++) st.beta[st.set[k]!] = h[AA_K * cap + k]!;
  }

  /** The extrapolation weights c (Σ c = 1) from the differences of the iterates, or null. */
  private weights(m: number): Float64Array | null {
    const K = AA_K;
    const h = this.hist;
    const cap = this.cap;
    const G = this.gram;
    // the differences of the iterates once (the products below are theirs, in the same order)
    const df = this.diffs;
    for (let a = 0; a < K; a++) {
      const o = a * cap;
      for (let k = 0; k < m; k++) df[o + k] = h[o + cap + k]! - h[o + k]!;
    }
    for (let a = 0; a < K; a++)
      for (let b = a; b < K; b++) {
        let s = 0;
        const oa = a * cap;
        const ob = b * cap;
        for (let k = 0; k < m; k++) s += df[oa + k]! * df[ob + k]!;
        G[a * K + b] = s;
        G[b * K + a] = s;
      }
    let trace = 0;
    for (let a = 0; a < K; a++) trace += G[a * K + a]!;
    if (!(trace > 0)) return null;
    // a little ridge: the differences are nearly collinear when the sweeps converge linearly
    for (let a = 0; a < K; a++) G[a * K + a]! += 1e-10 * trace;
    // G z = 1 by Gaussian elimination (G is positive definite), then c = z / Σ z
    const z = this.z.fill(1);
    for (let col = 0; col < K; col++) {
      const piv = G[col * K + col]!;
      for (let r = col + 1; r < K; r++) {
        const f = G[r * K + col]! / piv;
        for (let q = col; q < K; q++) G[r * K + q]! -= f * G[col * K + q]!;
        z[r]! -= f * z[col]!;
      }
    }
    let sum = 0;
    for (let col = K - 1; col >= 0; col--) {
      let s = z[col]!;
      for (let q = col + 1; q < K; q++) s -= G[col * K + q]! * z[q]!;
      z[col] = s / G[col * K + col]!;
      sum += z[col]!;
    }
    if (!Number.isFinite(sum) || sum === 0) return null;
    for (let a = 0; a < K; a++) z[a]! /= sum;
    return z;
  }
}
