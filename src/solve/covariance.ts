import { choleskyDelete, choleskyFactor, choleskySolve } from './cholesky.js';
import { blockSettled, dualGapFrom, unpenalizedExcess } from './gaussianNaive.js';
import type { LambdaOutcome } from './outcome.js';
import type { Problem } from './problem.js';
import { type CdState, POLISH_MAX } from './state.js';
import { roundingCertificate } from './sweeps.js';
import { UnpenalizedBlock, unpenalizedStep } from './unpenalizedStep.js';

/**
 * Covariance mode sweeps to this fraction of var(y) before trying an exact active-set solve:
 * by then the support and signs are nearly always identified, and the solve replaces the slow
 * linear tail of coordinate descent.
 */
const POLISH_STAGE = 1e-9;
/**
 * 'auto' uses covariance updates when n > p and p is at most this (glmnet's cut is 500; with the
 * exact active-set solve the Gram columns pay off further up, and p² doubles stay small).
 */
const COVARIANCE_MAX_P = 2000;
/** Sign / KKT corrections of the active set within one exact solve. */
const POLISH_ROUNDS = 8;
/** Active-set solves tried per λ before plain sweeps finish the job. */
const POLISH_TRIES = 4;

/** Whether a problem is solved with covariance updates (gaussian, n > p, p not too large). */
export function usesCovariance(problem: Problem): boolean {
  const mode = problem.mode;
  const p = problem.x.cols;
  return (
    problem.family === 'gaussian' &&
    (mode === 'covariance' || (mode === 'auto' && p <= COVARIANCE_MAX_P && problem.x.rows > p))
  );
}

/**
 * Gaussian with covariance updates (n ≫ p), finished by an exact active-set solve: once the
 * sweeps reach moderate accuracy, the active set's optimality conditions are solved by Cholesky,
 * with sign violators leaving and KKT violators entering; the factor is reused down the path.
 */
export class CovarianceSolver {
  /** Whether `xty` and the gradients are set up for the current point. */
  ready = false;
  /** C_·k = Σ w x̃_· x̃_k for features that entered (lazily). */
  private readonly cov: (Float64Array | undefined)[];
  private readonly scratch: Float64Array;
  /** Σ w x̃_j (y − ȳ) for every feature. */
  readonly xty: Float64Array;
  /** Buffers of the active-set solve, grown on demand. */
  private polishGram = new Float64Array(0);
  /** The active set and L2 weight `polishGram` holds the factor of (reused while unchanged). */
  private readonly polishFactorIndex: Int32Array;
  private polishFactorLen = 0;
  private polishFactorL2 = NaN;
  /** Position of a feature in `polishIndex` (−1 elsewhere), and scratch for reordering it. */
  private readonly polishPos: Int32Array;
  private readonly polishOrder: Int32Array;
  private readonly polishOrderSign: Float64Array;
  private readonly polishWork: Float64Array;
  private readonly polishIndex: Int32Array;
  private readonly polishBeta: Float64Array;
  private readonly polishGrad: Float64Array;
  private readonly polishMark: Uint8Array;
  private readonly polishSign: Float64Array;
  /** Scratch of `covColumn`: the columns still to compute and their dot products. */
  private readonly covTodo: Int32Array;
  private readonly covDots: Float64Array;
  private covDots2: Float64Array | null = null;
  private scratch2: Float64Array | null = null;
  private block: UnpenalizedBlock | null | undefined = undefined;

  constructor(private readonly st: CdState) {
    const p = st.p;
    this.cov = new Array<Float64Array | undefined>(p);
    this.scratch = new Float64Array(st.n);
    this.xty = new Float64Array(p);
    this.polishIndex = new Int32Array(p);
    this.polishBeta = new Float64Array(p);
    this.polishGrad = new Float64Array(p);
    this.polishMark = new Uint8Array(p);
    this.polishSign = new Float64Array(p);
    this.polishFactorIndex = new Int32Array(p);
    this.polishPos = new Int32Array(p).fill(-1);
    this.polishOrder = new Int32Array(p);
    this.polishOrderSign = new Float64Array(p);
    this.polishWork = new Float64Array(p);
    this.covTodo = new Int32Array(p);
    this.covDots = new Float64Array(p);
  }

  /**
   * glmnet's covariance updates: the gradient g_j = Σ w x̃_j r of every feature is kept current
   * through g −= Δβ_k C_·k, so a sweep costs O(p) per changed coefficient, independent of n, and
   * the KKT check over all features is free.
   */
  solve(lambda: number): LambdaOutcome {
    const st = this.st;
    const pr = st.problem;
    const { excluded, pf, alpha } = pr;
    const grad = st.grad;
    if (!this.ready) {
      st.b0 = pr.yMean;
      st.resetResidual(pr.y);
      for (let j = 0; j < st.p; j++) {
        if (excluded[j]) continue;
        st.ensureColumn(j);
        grad[j] = st.gradient(j);
      }
      // Σ w x̃ (y − ȳ) = g + C β
      this.xty.set(grad);
      for (let k = 0; k < st.setSize; k++) {
        const j = st.set[k]!;
        const b = st.beta[j]!;
        if (b === 0) continue;
        const col = this.covColumn(j);
        for (let i = 0; i < st.p; i++) this.xty[i]! += b * col[i]!;
      }
      this.ready = true;
    }
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
    let thr = pr.tolerance * scaleVar;
    let passes = 0;
    let kkt = 0;
    let gap = NaN;
    const beta = st.beta;
    const target = pr.gapTolerance * scaleVar;
    // Sweep to a moderate accuracy first and try the exact active-set solve; if it fails (a sign
    // would change or a feature outside would enter), sweep to a 100× tighter threshold and try
    // again (a retry on the same active set reuses its factor), down to the plain tolerance.
    let polishTries = pr.activeSetSolve && l1 > 0 && pr.yVar > 0 ? POLISH_TRIES : 0;
    let stageThr = polishTries > 0 ? Math.max(thr, POLISH_STAGE * scaleVar) : thr;
    for (;;) {
      // sweeps over the working set
      for (;;) {
        if (passes >= pr.maxPasses) {
          return {
            converged: false,
            passes,
            kktChecks: kkt,
            outerIterations: 1,
            dualGap: gap,
            reason: `no convergence within ${pr.maxPasses} coordinate sweeps`,
          };
        }
        passes++;
        let maxChange = 0;
        for (let k = 0; k < st.setSize; k++) {
          const j = st.set[k]!;
          st.ensureColumn(j);
          const hj = st.h[j]!;
          const bj = beta[j]!;
          const u = hj * bj + grad[j]!;
          const t = l1 * pf[j]!;
          const au = Math.abs(u);
          const nb = au <= t ? 0 : (u > 0 ? au - t : t - au) / (hj + l2 * pf[j]!);
          if (nb !== bj) {
            const d = nb - bj;
            beta[j] = nb;
            const col = this.covColumn(j);
            for (let i = 0; i < st.p; i++) grad[i]! -= d * col[i]!;
            const c = hj * d * d;
            if (c > maxChange) maxChange = c;
          }
        }
        if (maxChange < stageThr) break;
      }
      kkt++;
      let violators = 0;
      for (let j = 0; j < st.p; j++) {
        if (!excluded[j] && !st.inSet[j] && Math.abs(grad[j]!) > l1 * pf[j]!) {
          st.addToSet(j);
          violators++;
        }
      }
      if (violators > 0) continue;
      if (l1 === 0 || pr.yVar === 0) break;
      if (polishTries > 0) {
        polishTries--;
        stageThr = polishTries > 0 ? Math.max(thr, stageThr / 100) : thr;
        if (this.polishCovariance(lambda)) {
          gap = this.covarianceGap(lambda);
          if (this.certifies(gap, target, scaleVar)) break;
        }
        continue;
      }
      gap = this.covarianceGap(lambda);
      if (this.certifies(gap, target, scaleVar)) break;
      thr /= 100;
      stageThr = thr;
      if (thr < 1e-30 * scaleVar) {
        const certified =
          roundingCertificate(st, lambda, scaleVar) && blockSettled(st, this.unpenalizedBlock(), target);
        return {
          converged: certified,
          passes,
          kktChecks: kkt,
          outerIterations: 1,
          dualGap: gap,
          ...(certified
            ? {}
            : {
                reason:
                  gap <= target
                    ? `the gradients of the unpenalized features stall at ${unpenalizedExcess(st, scaleVar, this.residualSquares()).toPrecision(3)} times their rounding level (a duality gap bounds nothing until they reach it)`
                    : `duality gap ${gap.toExponential(3)} stalls above ${target.toExponential(3)}`,
              }),
        };
      }
    }
    return { converged: true, passes, kktChecks: kkt, outerIterations: 1, dualGap: gap };
  }

  /** Column k of the standardized weighted covariance, computed when k first enters. */
  private covColumn(k: number): Float64Array {
    const st = this.st;
    const col = this.cov[k];
    if (col) return col;
    let partner = -1;
    // pair it with another working-set feature that lacks a column (the strong set: it will
    // likely be needed soon), so two columns share one pass over the design
    for (let q = 0; q < st.setSize && partner < 0; q++) {
      const j = st.set[q]!;
      if (j !== k && !this.cov[j] && !st.problem.excluded[j]) partner = j;
    }
    this.computeCovColumns(k, partner);
    return this.cov[k]!;
  }

  /**
   * t = w ∘ (x_k − m_k), whose dot product with x_j − m_j is C_jk · s_j s_k; returns Σ t (0 but
   * for rounding, which m_j times would add to the dot product with x_j).
   */
  private weightedCentered(k: number, t: Float64Array): number {
    const st = this.st;
    const { x, mean, w } = st.problem;
    t.fill(-mean[k]!);
    x.axpy(k, 1, t);
    let sum = 0;
    for (let i = 0; i < st.n; i++) sum += t[i]! *= w[i]!;
    return sum;
  }

  /**
   * Computes the covariance column of k, and of k2 too when k2 ≥ 0 (two columns per pass over
   * the design halve its memory traffic). Symmetry: a column already computed holds C_jk.
   */
  private computeCovColumns(k: number, k2: number): void {
    const st = this.st;
    const { scale, excluded } = st.problem;
    const { mean } = st.problem;
    const t = this.scratch;
    const sum = this.weightedCentered(k, t);
    const col = new Float64Array(st.p);
    const col2 = k2 >= 0 ? new Float64Array(st.p) : null;
    const todo = this.covTodo;
    let count = 0;
    for (let j = 0; j < st.p; j++) {
      if (excluded[j]) continue;
      const known = this.cov[j];
      if (known) {
        col[j] = known[k]!;
        if (col2) col2[j] = known[k2]!;
      } else todo[count++] = j;
    }
    const dots = this.covDots;
    const sk = scale[k]!;
    if (col2) {
      const t2 = (this.scratch2 ??= new Float64Array(st.n));
      const sum2 = this.weightedCentered(k2, t2);
      const dots2 = (this.covDots2 ??= new Float64Array(st.p));
      st.dots().dotMany2(todo, count, t, t2, dots, dots2);
      const sk2 = scale[k2]!;
      for (let c = 0; c < count; c++) {
        const j = todo[c]!;
        col2[j] = (dots2[c]! - mean[j]! * sum2) / (scale[j]! * sk2);
      }
      this.cov[k2] = col2;
    } else {
      st.dots().dotMany(todo, count, t, dots);
    }
    for (let c = 0; c < count; c++) {
      const j = todo[c]!;
      col[j] = (dots[c]! - mean[j]! * sum) / (scale[j]! * sk);
    }
    this.cov[k] = col;
  }

  /**
   * Makes `polishGram` hold the factor of a leading part of the active set in the first `s`
   * entries of `polishIndex` (with `polishSign`), reusing the factor of the previous solve: rows
   * of features that left are deleted from it (O(s²) each, instead of refactoring every row after
   * them), and the active set is reordered so the factored features come first, in factor order,
   * followed by the others. Returns how many leading rows are factored (0 when `l2` changed).
   */
  private syncPolishFactor(s: number, l2: number, stride: number): number {
    const index = this.polishIndex;
    const sgn = this.polishSign;
    const pos = this.polishPos;
    const rows = this.polishFactorIndex;
    if (this.polishFactorL2 !== l2) this.polishFactorLen = 0;
    for (let a = 0; a < s; a++) pos[index[a]!] = a;
    let len = this.polishFactorLen;
    for (let r = len - 1; r >= 0; r--) {
      if (pos[rows[r]!]! >= 0) continue;
      choleskyDelete(this.polishGram, len, r, this.polishWork, stride);
      rows.copyWithin(r, r + 1, len);
      len--;
    }
    this.polishFactorLen = len;
    const order = this.polishOrder;
    const orderSign = this.polishOrderSign;
    for (let r = 0; r < len; r++) {
      const j = rows[r]!;
      order[r] = j;
      orderSign[r] = sgn[pos[j]!]!;
      pos[j] = -2;
    }
    let w = len;
    for (let a = 0; a < s; a++) {
      const j = index[a]!;
      if (pos[j] !== -2) {
        order[w] = j;
        orderSign[w++] = sgn[a]!;
      }
      pos[j] = -1;
    }
    index.set(order.subarray(0, s));
    sgn.set(orderSign.subarray(0, s));
    return len;
  }

  /** The duality gap in covariance mode: r² = Σ w (y − ȳ)² − βᵀ(xty + g), in O(p). */
  private covarianceGap(lambda: number): number {
    return dualGapFrom(this.st, lambda, this.residualSquares());
  }

  private residualSquares(): number {
    const st = this.st;
    let bsum = 0;
    for (let j = 0; j < st.p; j++) bsum += st.beta[j]! * (this.xty[j]! + st.grad[j]!);
    return Math.max(st.problem.yVar - bsum, 0);
  }

  /**
   * Whether a gap certifies: within `target`, the unpenalized gradients at their rounding level, and
   * their block settled (`blockSettled`). Where only the block is not, its exact step
   * (`unpenalizedStep`), from which the sweeps go on: the exact active-set solve's Cholesky of
   * nearly collinear columns' covariances loses digits a QR of the columns keeps (1,106 × 13 with
   * 3 unpenalized columns near 2.5e4: certified 1.9e-8·var(y) above the optimum, the block's exact
   * step 6.7e-5 lower, checked in rational arithmetic).
   */
  private certifies(gap: number, target: number, scaleVar: number): boolean {
    if (!(gap <= target) || !this.unpenalizedStationary(scaleVar)) return false;
    if (blockSettled(this.st, this.unpenalizedBlock(), target)) return true;
    unpenalizedStep(this.st);
    return false;
  }

  /** The intercept and the unpenalized features (`UnpenalizedBlock`), made on first use. */
  private unpenalizedBlock(): UnpenalizedBlock | null {
    if (this.block === undefined) this.block = UnpenalizedBlock.of(this.st);
    return this.block;
  }

  /** `unpenalizedExcess` ≤ 1: the gap is a bound (see there). */
  private unpenalizedStationary(scaleVar: number): boolean {
    return unpenalizedExcess(this.st, scaleVar, this.residualSquares()) <= 1;
  }

  /**
   * The exact solution for a support and signs: on the active set A (non-zero or unpenalized
   * features, starting from the current point), the optimality conditions are the linear system
   *
   *     (C_AA + λ(1−α) diag(pf_A)) β_A = xty_A − λα pf_A sign(β_A),
   *
   * solved by Cholesky. A feature whose solution would change sign leaves A, a feature outside
   * that violates its KKT condition enters with the sign of its gradient, and the system is solved
   * again (at most POLISH_ROUNDS times). The result is accepted only when every sign and every KKT
   * condition holds, i.e. it is the optimum; then β and the gradients are replaced (the gradients
   * recomputed from scratch, which also clears the rounding drift of the incremental updates).
   * Returns false, changing nothing, otherwise.
   */
  private polishCovariance(lambda: number): boolean {
    const st = this.st;
    const { excluded, pf, alpha } = st.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const beta = st.beta;
    const index = this.polishIndex;
    const sgn = this.polishSign;
    const mark = this.polishMark;
    const sol = this.polishBeta;
    const g = this.polishGrad;
    let s = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      if (beta[j] !== 0 || pf[j] === 0) {
        index[s] = j;
        sgn[s++] = pf[j]! > 0 ? Math.sign(beta[j]!) : 0;
      }
    }
    // Active-set iterations: a feature whose solved coefficient would change sign leaves the
    // active set, a feature outside that violates its KKT condition enters with the sign of its
    // gradient, and the system is solved again.
    for (let round = 0; round < POLISH_ROUNDS; round++) {
      if (s === 0 || s > POLISH_MAX) return false;
      // For the lasso the matrix does not depend on λ: down the path, the factor of the previous
      // solve is reused (`syncPolishFactor`: rows of features that left are deleted, the active
      // set is reordered to the factor's order, and features that enter add rows).
      const stride = Math.min(st.p, POLISH_MAX);
      if (this.polishGram.length < stride * stride) this.polishGram = new Float64Array(stride * stride);
      const gram = this.polishGram;
      const factored = this.syncPolishFactor(s, l2, stride);
      if (factored < s) {
        for (let a = factored; a < s; a++) {
          const ja = index[a]!;
          const col = this.covColumn(ja);
          const row = a * stride;
          for (let b = 0; b <= a; b++) gram[row + b] = col[index[b]!]!;
          gram[row + a]! += l2 * pf[ja]!;
        }
        this.polishFactorLen = 0;
        if (!choleskyFactor(gram, s, stride, factored)) return false;
        this.polishFactorIndex.set(index.subarray(0, s));
        this.polishFactorLen = s;
        this.polishFactorL2 = l2;
      }
      for (let a = 0; a < s; a++) {
        const ja = index[a]!;
        sol[a] = this.xty[ja]! - sgn[a]! * l1 * pf[ja]!;
      }
      choleskySolve(gram, s, sol, stride);
      let kept = 0;
      for (let a = 0; a < s; a++) {
        const v = sol[a]!;
        if (!Number.isFinite(v)) return false;
        if (sgn[a] !== 0 && !(v * sgn[a]! > 0)) continue;
        index[kept] = index[a]!;
        sgn[kept] = sgn[a]!;
        sol[kept++] = v;
      }
      if (kept < s) {
        s = kept;
        continue;
      }
      g.set(this.xty);
      for (let a = 0; a < s; a++) {
        const col = this.covColumn(index[a]!);
        const v = sol[a]!;
        for (let i = 0; i < st.p; i++) g[i]! -= v * col[i]!;
        mark[index[a]!] = 1;
      }
      let entering = 0;
      for (let j = 0; j < st.p && s + entering < st.p; j++) {
        if (mark[j] || excluded[j]) continue;
        if (Math.abs(g[j]!) > l1 * pf[j]! * (1 + 1e-10)) {
          index[s + entering] = j;
          sgn[s + entering++] = Math.sign(g[j]!);
        }
      }
      for (let a = 0; a < s; a++) mark[index[a]!] = 0;
      if (entering > 0) {
        s += entering;
        continue;
      }
      for (let k = 0; k < st.setSize; k++) beta[st.set[k]!] = 0;
      for (let a = 0; a < s; a++) {
        st.addToSet(index[a]!);
        beta[index[a]!] = sol[a]!;
      }
      st.grad.set(g);
      return true;
    }
    return false;
  }
}
