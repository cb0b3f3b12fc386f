import { choleskyDelete, choleskyFactor, choleskySolve } from './cholesky.js';
import { DenseDesign, SparseDesign } from './design.js';
import { type ColumnDots, WasmColumnDots } from './kernels/columnDots.js';
import { WasmSparseColumns } from './kernels/sparseColumns.js';
import type { Problem } from './problem.js';

/** How one λ went: the counts a caller can assert on, and whether it truly converged. */
export interface LambdaOutcome {
  readonly converged: boolean;
  /** Coordinate sweeps over the working set. */
  readonly passes: number;
  /** Full gradient passes over all features (KKT checks). */
  readonly kktChecks: number;
  /** Newton iterations: proximal Newton (IRLS) steps plus active-set Newton steps; 1 for gaussian. */
  readonly outerIterations: number;
  /** Gaussian: the final duality gap (absolute); NaN when not computed. */
  readonly dualGap: number;
  /** Why it did not converge, when it did not. */
  readonly reason?: string;
}

const P_FLOOR = 1e-5;
/** …beyond an absolute floor of KKT_FLOOR · sd(y), the rounding level of a gradient. */
const KKT_FLOOR = 1e-12;
/**
 * The binomial Newton finish stops at this floor · sd(y) instead, or at the rounding level of each
 * gradient when that is higher (about 4e-16 · (1 + |mean_j| / scale_j) · Σ|w (y − p)|: an uncentred
 * column's gradient is a difference of two large sums): at the tail of a path, where λα is tiny,
 * KKT_FLOOR alone would allow violations of 1e-8 of the threshold.
 */
const NEWTON_FLOOR = 1e-15;
/** A binomial Newton finish is tried before any sweep when it costs at most this many sweeps. */
const NEWTON_FIRST_PASSES = 30;
/** Binomial steps with max h·Δ² below this · var(y) skip the objective's safeguard evaluation. */
const SMALL_STEP = 1e-12;
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
/** Binomial: active-set Newton finishes tried per λ (each costs n·s²/2 for the Hessian). */
const POLISH_TRIES_BINOMIAL = 3;
/** Active sets larger than this are not solved directly (the solve costs s³/3). */
const POLISH_MAX = 2000;

/** The outcome of a binomial solve that met its KKT tolerance (no duality gap is computed). */
function binomialConverged(counts: { passes: number; kkt: number }, outer: number): LambdaOutcome {
  return {
    converged: true,
    passes: counts.passes,
    kktChecks: counts.kkt,
    outerIterations: outer,
    dualGap: NaN,
  };
}

/** Scratch of the binomial active-set Newton steps (sized for all p features, n rows). */
interface NewtonBuffers {
  readonly index: Int32Array;
  readonly sign: Float64Array;
  readonly saved: Float64Array;
  readonly rhs: Float64Array;
  readonly dots: Float64Array;
  readonly centered: Float64Array;
  readonly weight: Float64Array;
  readonly resid: Float64Array;
  readonly t: Float64Array;
  readonly t2: Float64Array;
  readonly dots2: Float64Array;
  /** The step on the original scale of each active column. */
  readonly coef: Float64Array;
  /** The (negated) gradient a Newton step was solved for. */
  readonly grad0: Float64Array;
  /** A Newton step's change of η (before the step length), and η where the step starts. */
  readonly dir: Float64Array;
  readonly etaStart: Float64Array;
  /** Cholesky factor of the Hessian last built, and the active set it was built for. */
  hessian: Float64Array;
  factorIndex: Int32Array;
}

/**
 * Cyclic coordinate descent for the penalized weighted least-squares problem
 *
 *     (1/2) Σ W_i (z_i − b0 − x̃_iᵀβ)² + λ Σ_j pf_j (α|β_j| + (1−α)/2 β_j²),   x̃_ij = (x_ij − m_j)/s_j
 *
 * on standardized coefficients β, with implicit centering (the design is never copied). For
 * gaussian, W = w and z = y, solved once; for binomial, a proximal Newton (IRLS) loop sets W and
 * z from the current fit and solves the same problem until the Newton step vanishes.
 *
 * The residual r = z − b0 − x̃β is kept as `rho + shift`: a column update touches only the
 * column's stored entries and moves the scalar `shift` (glmnet's trick for sparse inputs).
 * A working set (ever-active ∪ strong set) is swept until the largest curvature-weighted change
 * is below the tolerance; then a KKT check over all features adds violators, and the loop goes on
 * until no feature violates. Gaussian fits are certified by a duality gap.
 *
 * All buffers are allocated once per problem; nothing allocates inside the sweeps.
 */
export class Engine {
  readonly beta: Float64Array;
  b0 = 0;
  /** Gradient Σ W x̃_j r at the last KKT check (for sequential strong rules). */
  readonly grad: Float64Array;
  private readonly n: number;
  private readonly p: number;
  private readonly W: Float64Array;
  private readonly rho: Float64Array;
  private shift = 0;
  private sumW = 1;
  private sumWrho = 0;
  private readonly colW: Float64Array;
  private readonly h: Float64Array;
  private readonly stamp: Int32Array;
  private stampNo = 1;
  private readonly inSet: Uint8Array;
  private readonly set: Int32Array;
  private setSize = 0;
  private readonly eta: Float64Array;
  private readonly betaOld: Float64Array;
  /** Gaussian covariance mode: C_·k = Σ w x̃_· x̃_k for features that entered (lazily). */
  private readonly covariance: boolean;
  private readonly cov: (Float64Array | undefined)[];
  private covReady = false;
  private readonly scratch: Float64Array;
  /** Σ w x̃_j (y − ȳ) for every feature (covariance mode). */
  private readonly xty: Float64Array;
  /** Buffers of the active-set solve (covariance mode), grown on demand. */
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
  /** Buffers of the binomial active-set Newton steps, allocated on first use. */
  private newton: NewtonBuffers | null = null;
  /** The common observation weight of a gaussian problem on a sparse design, else 0. */
  private readonly uniformWeight: number = 0;
  /** Sparse gather/scatter kernels whose residual is `rho` and weights `W` (naive mode). */
  private readonly sparseKernels: WasmSparseColumns | null = null;
  /** Whether the last `newtonPolish` ended at its tolerance (not merely moved the point). */
  private newtonConverged = false;
  /** Steps taken by `newtonPolish` at the current λ. */
  private newtonSteps = 0;
  /** Binomial: the working residual (y − p)/v at the start of an outer iteration, and η there. */
  private readonly rhoStart: Float64Array;
  private readonly etaOuter: Float64Array;
  /** The features that are not excluded, for full-gradient products. */
  private liveColumns: Int32Array | null = null;
  private etaCols: Int32Array | null = null;
  private etaCoef: Float64Array | null = null;
  private liveDots: Float64Array | null = null;
  /** Scratch of `covColumn`: the columns still to compute and their dot products. */
  private readonly covTodo: Int32Array;
  /** Dot-product kernels for the Gram and Hessian work (WebAssembly when available). */
  private columnDots: ColumnDots | null = null;
  private readonly covDots: Float64Array;
  private covDots2: Float64Array | null = null;
  private scratch2: Float64Array | null = null;

  constructor(readonly problem: Problem) {
    const { x } = problem;
    this.n = x.rows;
    this.p = x.cols;
    this.beta = new Float64Array(this.p);
    this.grad = new Float64Array(this.p);
    this.colW = new Float64Array(this.p);
    this.h = new Float64Array(this.p);
    this.stamp = new Int32Array(this.p);
    this.inSet = new Uint8Array(this.p);
    this.set = new Int32Array(this.p);
    this.eta = new Float64Array(problem.family === 'binomial' ? this.n : 0);
    this.rhoStart = new Float64Array(this.eta.length);
    this.etaOuter = new Float64Array(this.eta.length);
    this.betaOld = new Float64Array(this.p);
    const mode = problem.mode;
    this.covariance =
      problem.family === 'gaussian' &&
      (mode === 'covariance' || (mode === 'auto' && this.p <= COVARIANCE_MAX_P && this.n > this.p));
    // A sparse design with naive updates: the gathers and scatters of the sweeps run in
    // WebAssembly on a residual and weights kept in its linear memory; with equal weights
    // (gaussian) the gradient needs one gather per stored entry, not two.
    if (x instanceof SparseDesign && !this.covariance) {
      if (problem.wasm) this.sparseKernels = WasmSparseColumns.create(x);
      if (problem.family === 'gaussian' && problem.w.every((v) => v === problem.w[0]))
        this.uniformWeight = problem.w[0] ?? 0;
    }
    this.rho = this.sparseKernels?.rho ?? new Float64Array(this.n);
    this.W = this.sparseKernels?.w ?? new Float64Array(this.n);
    if (problem.family === 'gaussian') this.W.set(problem.w);
    this.cov = this.covariance ? new Array<Float64Array | undefined>(this.p) : [];
    this.scratch = new Float64Array(this.covariance ? this.n : 0);
    this.xty = new Float64Array(this.covariance ? this.p : 0);
    const polishLen = this.covariance ? this.p : 0;
    this.polishIndex = new Int32Array(polishLen);
    this.polishBeta = new Float64Array(polishLen);
    this.polishGrad = new Float64Array(polishLen);
    this.polishMark = new Uint8Array(polishLen);
    this.polishSign = new Float64Array(polishLen);
    this.polishFactorIndex = new Int32Array(polishLen);
    this.polishPos = new Int32Array(polishLen).fill(-1);
    this.polishOrder = new Int32Array(polishLen);
    this.polishOrderSign = new Float64Array(polishLen);
    this.polishWork = new Float64Array(polishLen);
    this.covTodo = new Int32Array(polishLen);
    this.covDots = new Float64Array(polishLen);
  }

  /** Sets the current point (standardized scale) and puts its non-zeros in the working set. */
  setPoint(b0: number, beta: Float64Array): void {
    this.covReady = false;
    this.b0 = b0;
    this.beta.set(beta);
    for (let j = 0; j < this.p; j++) {
      if (this.problem.excluded[j]) this.beta[j] = 0;
      else if (this.beta[j] !== 0) this.addToSet(j);
    }
  }

  /** Adds a feature to the working set (no-op if present or excluded). */
  addToSet(j: number): void {
    if (this.inSet[j] || this.problem.excluded[j]) return;
    this.inSet[j] = 1;
    this.set[this.setSize++] = j;
  }

  /** Sequential strong rule (Tibshirani et al. 2012): keep j if |g_j| ≥ α pf_j (2λ − λ_prev). */
  addStrongSet(lambda: number, lambdaPrev: number): void {
    const { alpha, pf } = this.problem;
    const cut = alpha * (2 * lambda - lambdaPrev);
    for (let j = 0; j < this.p; j++) if (Math.abs(this.grad[j]!) >= cut * pf[j]!) this.addToSet(j);
  }

  /** Solves at λ from the current point. */
  solve(lambda: number): LambdaOutcome {
    return this.problem.family === 'gaussian' ? this.solveGaussian(lambda) : this.solveBinomial(lambda);
  }

  // ---- residual set-up -------------------------------------------------------------------------

  /** ρ = z − Σ β_j x_j / s_j, shift = Σ β_j m_j / s_j − b0, so that r = ρ + shift. */
  private resetResidual(z: Float64Array): void {
    const { x, mean, scale } = this.problem;
    this.rho.set(z);
    let shift = -this.b0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const b = this.beta[j]!;
      if (b !== 0) {
        x.axpy(j, -b / scale[j]!, this.rho);
        shift += (b * mean[j]!) / scale[j]!;
      }
    }
    this.shift = shift;
    this.refreshSums();
  }

  private refreshSums(): void {
    let sw = 0;
    let swr = 0;
    const W = this.W;
    const rho = this.rho;
    for (let i = 0; i < this.n; i++) {
      sw += W[i]!;
      swr += W[i]! * rho[i]!;
    }
    this.sumW = sw;
    this.sumWrho = swr;
  }

  /** Column statistics under the current W (recomputed when W changes: a new stamp). */
  private ensureColumn(j: number): void {
    if (this.stamp[j] === this.stampNo) return;
    const { x, mean, scale } = this.problem;
    const s = scale[j]!;
    const kernels = this.sparseKernels;
    this.colW[j] = kernels ? kernels.dotWeights(j) : x.dot(j, this.W);
    const squares = kernels
      ? kernels.centeredSquares(j, mean[j]!, this.sumW)
      : x.centeredSquares(j, this.W, mean[j]!, this.sumW);
    this.h[j] = squares / (s * s);
    this.stamp[j] = this.stampNo;
  }

  private gradient(j: number): number {
    const { x, mean, scale } = this.problem;
    const c = this.uniformWeight;
    if (c > 0) {
      // Σ W (x_j − m_j)(ρ + shift) = c Σ x_j ρ + shift Σ W x_j − m_j (Σ W ρ + shift Σ W)
      const m = mean[j]!;
      return (
        (c * (this.sparseKernels ? this.sparseKernels.dot(j) : x.dot(j, this.rho)) +
          this.shift * this.colW[j]! -
          m * (this.sumWrho + this.shift * this.sumW)) /
        scale[j]!
      );
    }
    if (this.sparseKernels) {
      // the sparse centeredDot, with its gather in WebAssembly
      const m = mean[j]!;
      return (
        (this.sparseKernels.dotWeighted(j) +
          this.shift * this.colW[j]! -
          m * (this.sumWrho + this.shift * this.sumW)) /
        scale[j]!
      );
    }
    return (
      x.centeredDot(j, this.W, this.rho, mean[j]!, this.shift, this.sumW, this.sumWrho, this.colW[j]!) /
      scale[j]!
    );
  }

  // ---- sweeps ----------------------------------------------------------------------------------

  /** One cyclic sweep over the working set and the intercept; returns the largest h·Δ². */
  private sweep(lambda: number): number {
    const { x, mean, scale, pf, alpha } = this.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const beta = this.beta;
    let maxChange = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      this.ensureColumn(j);
      const hj = this.h[j]!;
      const bj = beta[j]!;
      const u = hj * bj + this.gradient(j);
      const t = l1 * pf[j]!;
      const au = Math.abs(u);
      const nb = au <= t ? 0 : (u > 0 ? au - t : t - au) / (hj + l2 * pf[j]!);
      if (nb !== bj) {
        const d = nb - bj;
        beta[j] = nb;
        const s = scale[j]!;
        if (this.sparseKernels) this.sparseKernels.axpy(j, -d / s);
        else x.axpy(j, -d / s, this.rho);
        this.shift += (d * mean[j]!) / s;
        this.sumWrho -= (d / s) * this.colW[j]!;
        const c = hj * d * d;
        if (c > maxChange) maxChange = c;
      }
    }
    const d0 = (this.sumWrho + this.shift * this.sumW) / this.sumW;
    if (d0 !== 0) {
      this.b0 += d0;
      this.shift -= d0;
      const c = this.sumW * d0 * d0;
      if (c > maxChange) maxChange = c;
    }
    return maxChange;
  }

  /**
   * Sweeps until converged at threshold `thr`, then checks KKT over all features, adds
   * violators, and repeats. Updates `grad` for every feature. Returns the passes used, or -1 when
   * the pass budget ran out.
   */
  private solveWorkingSet(
    lambda: number,
    thr: number,
    budget: number,
    counts: { passes: number; kkt: number },
  ): boolean {
    const { excluded, pf, alpha } = this.problem;
    const l1 = lambda * alpha;
    for (;;) {
      for (;;) {
        if (counts.passes >= budget) return false;
        counts.passes++;
        if (this.sweep(lambda) < thr) break;
      }
      // exact sums before the full check (drift from incremental updates)
      this.refreshSums();
      counts.kkt++;
      let violators = 0;
      for (let j = 0; j < this.p; j++) {
        if (excluded[j]) {
          this.grad[j] = 0;
          continue;
        }
        if (this.inSet[j]) this.ensureColumn(j);
        else if (this.stamp[j] !== this.stampNo)
          this.colW[j] = this.problem.x.kind === 'sparse' ? this.problem.x.dot(j, this.W) : 0;
        const g = this.gradient(j);
        this.grad[j] = g;
        if (!this.inSet[j] && Math.abs(g) > l1 * pf[j]!) {
          this.addToSet(j);
          violators++;
        }
      }
      if (violators === 0) return true;
    }
  }

  // ---- gaussian --------------------------------------------------------------------------------

  private solveGaussian(lambda: number): LambdaOutcome {
    const pr = this.problem;
    if (this.covariance) return this.solveCovariance(lambda);
    this.resetResidual(pr.y);
    const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
    let thr = pr.tolerance * scaleVar;
    const counts = { passes: 0, kkt: 0 };
    let gap = NaN;
    for (;;) {
      const ok = this.solveWorkingSet(lambda, thr, pr.maxPasses, counts);
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
      gap = this.dualGap(lambda);
      const target = pr.gapTolerance * Math.max(scaleVar, 1e-300);
      if (gap <= target) break;
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
  private dualGap(lambda: number): number {
    let r2 = 0;
    const W = this.W;
    const rho = this.rho;
    const shift = this.shift;
    for (let i = 0; i < this.n; i++) {
      const r = rho[i]! + shift;
      r2 += W[i]! * r * r;
    }
    return this.dualGapFrom(lambda, r2);
  }

  /** The gap given r² = Σ w r² and the current `grad`. */
  private dualGapFrom(lambda: number, r2: number): number {
    const { excluded, pf, alpha } = this.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    let bg = 0;
    let norm1 = 0;
    let norm2 = 0;
    let dual = 1;
    for (let j = 0; j < this.p; j++) {
      if (excluded[j]) continue;
      const b = this.beta[j]!;
      const g = this.grad[j]!;
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

  // ---- gaussian, covariance updates (n ≫ p) ---------------------------------------------------

  /**
   * The kernels for O(n·p) batches of column dot products: a WebAssembly copy of a dense design,
   * made on first use (it costs one pass over the design, about what one batch costs), else the
   * design's own JavaScript kernels.
   */
  private dots(): ColumnDots {
    const x = this.problem.x;
    return (this.columnDots ??=
      (x instanceof DenseDesign && this.problem.wasm ? WasmColumnDots.create(x) : null) ?? x);
  }

  /** Column k of the standardized weighted covariance, computed when k first enters. */
  private covColumn(k: number): Float64Array {
    const col = this.cov[k];
    if (col) return col;
    let partner = -1;
    // pair it with another working-set feature that lacks a column (the strong set: it will
    // likely be needed soon), so two columns share one pass over the design
    for (let q = 0; q < this.setSize && partner < 0; q++) {
      const j = this.set[q]!;
      if (j !== k && !this.cov[j] && !this.problem.excluded[j]) partner = j;
    }
    this.computeCovColumns(k, partner);
    return this.cov[k]!;
  }

  /** t = w ∘ (x_k − m_k), whose dot product with x_j is C_jk · s_j s_k (Σ t = 0: x_j's centering drops out). */
  private weightedCentered(k: number, t: Float64Array): void {
    const { x, mean, w } = this.problem;
    t.fill(-mean[k]!);
    x.axpy(k, 1, t);
    for (let i = 0; i < this.n; i++) t[i]! *= w[i]!;
  }

  /**
   * Computes the covariance column of k, and of k2 too when k2 ≥ 0 (two columns per pass over
   * the design halve its memory traffic). Symmetry: a column already computed holds C_jk.
   */
  private computeCovColumns(k: number, k2: number): void {
    const { scale, excluded } = this.problem;
    const t = this.scratch;
    this.weightedCentered(k, t);
    const col = new Float64Array(this.p);
    const col2 = k2 >= 0 ? new Float64Array(this.p) : null;
    const todo = this.covTodo;
    let count = 0;
    for (let j = 0; j < this.p; j++) {
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
      const t2 = (this.scratch2 ??= new Float64Array(this.n));
      this.weightedCentered(k2, t2);
      const dots2 = (this.covDots2 ??= new Float64Array(this.p));
      this.dots().dotMany2(todo, count, t, t2, dots, dots2);
      const sk2 = scale[k2]!;
      for (let c = 0; c < count; c++) col2[todo[c]!] = dots2[c]! / (scale[todo[c]!]! * sk2);
      this.cov[k2] = col2;
    } else {
      this.dots().dotMany(todo, count, t, dots);
    }
    for (let c = 0; c < count; c++) col[todo[c]!] = dots[c]! / (scale[todo[c]!]! * sk);
    this.cov[k] = col;
  }

  /**
   * glmnet's covariance updates: the gradient g_j = Σ w x̃_j r of every feature is kept current
   * through g −= Δβ_k C_·k, so a sweep costs O(p) per changed coefficient, independent of n, and
   * the KKT check over all features is free.
   */
  private solveCovariance(lambda: number): LambdaOutcome {
    const pr = this.problem;
    const { excluded, pf, alpha } = pr;
    const grad = this.grad;
    if (!this.covReady) {
      this.b0 = pr.yMean;
      this.resetResidual(pr.y);
      for (let j = 0; j < this.p; j++) {
        if (excluded[j]) continue;
        this.ensureColumn(j);
        grad[j] = this.gradient(j);
      }
      // Σ w x̃ (y − ȳ) = g + C β
      this.xty.set(grad);
      for (let k = 0; k < this.setSize; k++) {
        const j = this.set[k]!;
        const b = this.beta[j]!;
        if (b === 0) continue;
        const col = this.covColumn(j);
        for (let i = 0; i < this.p; i++) this.xty[i]! += b * col[i]!;
      }
      this.covReady = true;
    }
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const scaleVar = pr.yVar > 0 ? pr.yVar : 1;
    let thr = pr.tolerance * scaleVar;
    let passes = 0;
    let kkt = 0;
    let gap = NaN;
    const beta = this.beta;
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
        for (let k = 0; k < this.setSize; k++) {
          const j = this.set[k]!;
          this.ensureColumn(j);
          const hj = this.h[j]!;
          const bj = beta[j]!;
          const u = hj * bj + grad[j]!;
          const t = l1 * pf[j]!;
          const au = Math.abs(u);
          const nb = au <= t ? 0 : (u > 0 ? au - t : t - au) / (hj + l2 * pf[j]!);
          if (nb !== bj) {
            const d = nb - bj;
            beta[j] = nb;
            const col = this.covColumn(j);
            for (let i = 0; i < this.p; i++) grad[i]! -= d * col[i]!;
            const c = hj * d * d;
            if (c > maxChange) maxChange = c;
          }
        }
        if (maxChange < stageThr) break;
      }
      kkt++;
      let violators = 0;
      for (let j = 0; j < this.p; j++) {
        if (!excluded[j] && !this.inSet[j] && Math.abs(grad[j]!) > l1 * pf[j]!) {
          this.addToSet(j);
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
          if (gap <= target) break;
        }
        continue;
      }
      gap = this.covarianceGap(lambda);
      if (gap <= target) break;
      thr /= 100;
      stageThr = thr;
      if (thr < 1e-30 * scaleVar) {
        return {
          converged: false,
          passes,
          kktChecks: kkt,
          outerIterations: 1,
          dualGap: gap,
          reason: `duality gap ${gap.toExponential(3)} stalls above ${target.toExponential(3)}`,
        };
      }
    }
    return { converged: true, passes, kktChecks: kkt, outerIterations: 1, dualGap: gap };
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
    let bsum = 0;
    for (let j = 0; j < this.p; j++) bsum += this.beta[j]! * (this.xty[j]! + this.grad[j]!);
    return this.dualGapFrom(lambda, Math.max(this.problem.yVar - bsum, 0));
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
    const { excluded, pf, alpha } = this.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const beta = this.beta;
    const index = this.polishIndex;
    const sgn = this.polishSign;
    const mark = this.polishMark;
    const sol = this.polishBeta;
    const g = this.polishGrad;
    let s = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
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
      const stride = Math.min(this.p, POLISH_MAX);
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
        for (let i = 0; i < this.p; i++) g[i]! -= v * col[i]!;
        mark[index[a]!] = 1;
      }
      let entering = 0;
      for (let j = 0; j < this.p && s + entering < this.p; j++) {
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
      for (let k = 0; k < this.setSize; k++) beta[this.set[k]!] = 0;
      for (let a = 0; a < s; a++) {
        this.addToSet(index[a]!);
        beta[index[a]!] = sol[a]!;
      }
      this.grad.set(g);
      return true;
    }
    return false;
  }

  // ---- binomial --------------------------------------------------------------------------------

  private computeEta(): void {
    const { mean, scale } = this.problem;
    let base = this.b0;
    const cols = (this.etaCols ??= new Int32Array(this.p));
    const coef = (this.etaCoef ??= new Float64Array(this.p));
    let count = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const b = this.beta[j]!;
      if (b !== 0) {
        cols[count] = j;
        coef[count++] = b / scale[j]!;
        base -= (b * mean[j]!) / scale[j]!;
      }
    }
    this.eta.fill(base);
    this.dots().axpyMany(cols, count, coef, this.eta);
  }

  /** The binomial objective at the current point (eta must be current). */
  private binomialObjective(lambda: number): number {
    const { y, w } = this.problem;
    let loss = 0;
    for (let i = 0; i < this.n; i++) {
      const e = this.eta[i]!;
      // log(1 + e^η) − yη, stably
      const soft = e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e));
      loss += w[i]! * (soft - y[i]! * e);
    }
    return loss + lambda * this.binomialPenalty();
  }

  /** Σ pf_j (α |β_j| + (1−α)/2 β_j²) over the working set (β is 0 outside it). */
  private binomialPenalty(): number {
    const { pf, alpha } = this.problem;
    let pen = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const b = this.beta[j]!;
      pen += pf[j]! * (alpha * Math.abs(b) + ((1 - alpha) / 2) * b * b);
    }
    return pen;
  }

  private solveBinomial(lambda: number): LambdaOutcome {
    const pr = this.problem;
    const { y, w } = pr;
    const scaleVar = pr.yVar > 0 ? pr.yVar : 0.25;
    // Newton converges quadratically, so a tight threshold costs one or two more iterations; the
    // KKT residual of the result scales with sqrt(thr), hence the extra factor.
    // The threshold starts at tolerance · var(y) and is tightened until the KKT conditions hold
    // to kktTolerance of each feature's threshold λ α pf_j (which shrinks with λ).
    let thr = pr.tolerance * scaleVar;
    const counts = { passes: 0, kkt: 0 };
    this.newtonSteps = 0;
    this.computeEta();
    // the objective at the current point, NaN when not evaluated (each outer iteration computes
    // it with its weights, sharing their exponentials; `newtonPolish` computes it when NaN)
    let obj = NaN;
    let outer = 0;
    // inexact Newton: early quadratic models are solved loosely, the threshold follows the step
    let innerThr = Math.max(thr, 1e-8 * scaleVar);
    let polishTries = pr.activeSetSolve ? POLISH_TRIES_BINOMIAL : 0;
    // Down a path the support rarely changes between neighbouring λ: Newton steps on the warm
    // start's active set usually reach the optimum before any sweep (the exact gradient of every
    // feature then confirms it; otherwise the sweeps below go on from a better point). Only where
    // the active set's Hessian is cheap next to the sweeps it saves (`newtonPays`).
    if (polishTries > 0 && this.newtonPays(counts.passes)) {
      polishTries--;
      if (this.newtonPolish(lambda, scaleVar, obj)) {
        // the usual case down a path: Newton on the warm start's support is the optimum, which
        // the gradient of every feature (one product with the design) confirms
        if (this.newtonConverged && this.confirmNewton(lambda, scaleVar, counts)) {
          return binomialConverged(counts, this.newtonSteps);
        }
      }
    }
    while (outer < pr.maxOuter) {
      outer++;
      // working response: W = w p(1−p) (floored), r = w (y − p) / W; and the loss here, from
      // the same exponentials
      const W = this.W;
      let loss = 0;
      for (let i = 0; i < this.n; i++) {
        const e = this.eta[i]!;
        const q = Math.exp(-Math.abs(e)); // e^−|η|
        const pi = e >= 0 ? 1 / (1 + q) : q / (1 + q);
        const v = Math.max(pi * (1 - pi), P_FLOOR);
        W[i] = w[i]! * v;
        this.rho[i] = (y[i]! - pi) / v;
        loss += w[i]! * ((e > 0 ? e : 0) + Math.log1p(q) - y[i]! * e);
      }
      obj = loss + lambda * this.binomialPenalty();
      this.rhoStart.set(this.rho);
      this.etaOuter.set(this.eta);
      this.shift = 0;
      this.stampNo++;
      this.refreshSums();
      this.betaOld.set(this.beta);
      const b0Old = this.b0;
      const usedThr = innerThr;
      const ok = this.solveWorkingSet(lambda, usedThr, pr.maxPasses, counts);
      if (!ok) {
        return {
          converged: false,
          passes: counts.passes,
          kktChecks: counts.kkt,
          outerIterations: outer + this.newtonSteps,
          dualGap: NaN,
          reason: `no convergence within ${pr.maxPasses} coordinate sweeps`,
        };
      }
      // the sweeps kept r = z − η with z = η_outer + (y − p)/v: η = η_outer + ρ_start − r, in O(n)
      // instead of a product with the design
      {
        const eta = this.eta;
        const { rho, rhoStart, etaOuter } = this;
        const shift = this.shift;
        for (let i = 0; i < this.n; i++) eta[i] = etaOuter[i]! + rhoStart[i]! - (rho[i]! + shift);
      }
      const stepChange = this.stepChange(b0Old);
      // Safeguard: backtrack along the Newton direction if the objective went up (η is linear
      // in the step, so it halves with it). A step this small is a descent step to rounding of
      // the objective: it is taken without evaluating it (most iterations of the KKT tightening).
      const unchecked = stepChange < SMALL_STEP * scaleVar;
      let objNew = unchecked ? NaN : this.binomialObjective(lambda);
      let t = 1;
      // (a NaN objective is not a descent either)
      while (!unchecked && !(objNew - obj <= 1e-12 * Math.abs(obj)) && t > 1e-10) {
        t /= 2;
        for (let k = 0; k < this.setSize; k++) {
          const j = this.set[k]!;
          this.beta[j] = this.betaOld[j]! + 0.5 * (this.beta[j]! - this.betaOld[j]!);
        }
        this.b0 = b0Old + 0.5 * (this.b0 - b0Old);
        const { eta, etaOuter } = this;
        for (let i = 0; i < this.n; i++) eta[i] = etaOuter[i]! + 0.5 * (eta[i]! - etaOuter[i]!);
        objNew = this.binomialObjective(lambda);
      }
      const change = t === 1 ? stepChange : this.stepChange(b0Old);
      obj = objNew;
      innerThr = Math.max(thr, Math.min(innerThr, change * 1e-4));
      // After a proximal Newton step has settled the support, finish on the active set with
      // Newton steps (quadratic convergence instead of ever tighter sweeps); `confirmNewton`
      // checks the KKT conditions of every feature, else the sweeps go on.
      if (polishTries > 0 && this.newtonPays(counts.passes)) {
        polishTries--;
        if (this.newtonPolish(lambda, scaleVar, obj)) {
          if (this.newtonConverged && this.confirmNewton(lambda, scaleVar, counts)) {
            return binomialConverged(counts, outer + this.newtonSteps);
          }
          innerThr = thr;
          continue;
        }
      }
      if (change < thr && usedThr === thr) {
        // relative to each threshold, with an absolute floor at rounding level of the gradients
        const violation = this.kktViolation(lambda, KKT_FLOOR * Math.sqrt(scaleVar));
        if (violation <= pr.kktTolerance) return binomialConverged(counts, outer + this.newtonSteps);
        // the violation scales like sqrt(thr): jump straight to the threshold that should meet it
        thr *= Math.max(1e-10, Math.min(1e-2, 0.01 * (pr.kktTolerance / violation) ** 2));
        innerThr = thr;
        if (thr < 1e-30 * scaleVar) break; // below rounding: more sweeps cannot help
      }
    }
    return {
      converged: false,
      passes: counts.passes,
      kktChecks: counts.kkt,
      outerIterations: outer + this.newtonSteps,
      dualGap: NaN,
      reason: `no convergence within ${pr.maxOuter} Newton iterations`,
    };
  }

  /** The largest h·Δ² of the step from `betaOld` and `b0Old` (the intercept's weight is Σ W). */
  private stepChange(b0Old: number): number {
    let change = this.sumW * (this.b0 - b0Old) ** 2;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const d = this.beta[j]! - this.betaOld[j]!;
      const c = this.h[j]! * d * d;
      if (c > change) change = c;
    }
    return change;
  }

  /**
   * Newton's method on the active set A (non-zero or unpenalized features) for the binomial
   * objective with the signs of A fixed, where it is smooth:
   *
   *     f(b0, β_A) = Σ w_i (log(1 + e^η_i) − y_i η_i) + λ Σ_A pf_j (α s_j β_j + (1−α)/2 β_j²)
   *
   * Each step solves H Δ = −∇f with the exact Hessian (intercept included) by Cholesky, with a
   * backtracking line search on f, except for steps whose Newton decrement is at rounding level
   * of f (taken in full: no comparison of objectives could tell them apart). It gives up,
   * restoring the starting point, when the Hessian is singular or a full step would change the
   * sign of a coefficient (the support is still moving: that is coordinate descent's job), and
   * stops when an exact step no longer halves the gradient (rounding). Returns true when it moved
   * the point; `newtonConverged` says whether it met its tolerance. `eta` must be current and
   * `objective` its objective value, or NaN (then computed with the first step's weights).
   */
  private newtonPolish(lambda: number, scaleVar: number, objective: number): boolean {
    const pr = this.problem;
    const { y, w, mean, scale, pf, alpha, excluded } = pr;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const n = this.n;
    const beta = this.beta;
    const buf = (this.newton ??= {
      index: new Int32Array(this.p),
      sign: new Float64Array(this.p),
      saved: new Float64Array(this.p),
      rhs: new Float64Array(this.p + 1),
      dots: new Float64Array(this.p),
      centered: new Float64Array(this.p),
      weight: new Float64Array(n),
      resid: new Float64Array(n),
      t: new Float64Array(n),
      t2: new Float64Array(n),
      dots2: new Float64Array(this.p),
      coef: new Float64Array(this.p),
      grad0: new Float64Array(this.p + 1),
      dir: new Float64Array(n),
      etaStart: new Float64Array(n),
      hessian: new Float64Array(0),
      factorIndex: new Int32Array(0),
    });
    const { index, sign, saved, rhs, dots, weight, resid, dir, etaStart } = buf;
    this.newtonConverged = false;
    let s = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      if (!excluded[j] && (beta[j] !== 0 || pf[j] === 0)) index[s++] = j;
    }
    if (s > POLISH_MAX) return false;
    const m = s + 1;
    // A factor built earlier for the same active set (at this λ or the previous one) is reused
    // while it keeps the gradient shrinking fast (a simplified Newton step costs n·s, a fresh
    // Hessian n·s²/2); otherwise the Hessian is rebuilt.
    let factorFits = buf.factorIndex.length === s;
    for (let a = 0; factorFits && a < s; a++) factorFits = buf.factorIndex[a] === index[a];
    if (!factorFits) buf.factorIndex = new Int32Array(0);
    if (buf.hessian.length < m * m) buf.hessian = new Float64Array(m * m);
    const h = buf.hessian;
    let lastWorst = Infinity;
    /** Whether the last step used a Hessian built at its own start point (an exact Newton step). */
    let freshStep = false;
    /** Whether the last step was taken in full (no backtracking: the quadratic model held). */
    let fullStep = false;
    for (let a = 0; a < s; a++) {
      saved[a] = beta[index[a]!]!;
      sign[a] = pf[index[a]!]! > 0 ? Math.sign(saved[a]!) : 0;
    }
    const b0Start = this.b0;
    const restore = (): false => {
      for (let a = 0; a < s; a++) beta[index[a]!] = saved[a]!;
      this.b0 = b0Start;
      this.computeEta();
      return false;
    };
    const floor = NEWTON_FLOOR * Math.sqrt(scaleVar);
    let obj = objective;
    let moved = false;
    for (let iter = 0; iter < 20; iter++) {
      // gradient (negated): rhs_0 = Σ w (y − p), rhs_a = Σ w x̃_a (y − p) − λ pf (α sign + (1−α) β)
      let sumW = 0;
      let sumR = 0;
      // after steps taken without a line search the objective is unknown: its loss shares the
      // exponentials computed here
      const needObj = Number.isNaN(obj);
      let loss = 0;
      let absR = 0;
      for (let i = 0; i < n; i++) {
        const e = this.eta[i]!;
        const q = Math.exp(-Math.abs(e)); // e^−|η|, at most 1
        const pi = e >= 0 ? 1 / (1 + q) : q / (1 + q);
        weight[i] = w[i]! * pi * (1 - pi);
        resid[i] = w[i]! * (y[i]! - pi);
        sumW += weight[i]!;
        sumR += resid[i]!;
        absR += Math.abs(resid[i]!);
        if (needObj) loss += w[i]! * ((e > 0 ? e : 0) + Math.log1p(q) - y[i]! * e);
      }
      if (needObj) obj = loss + lambda * this.binomialPenalty();
      rhs[0] = sumR;
      this.dots().dotMany(index, s, resid, dots);
      // worst residual relative to its tolerance: done when every one is ≤ 1
      const rounding = 4e-16 * absR;
      let worst = Math.abs(sumR) / Math.max(floor, rounding);
      for (let a = 0; a < s; a++) {
        const j = index[a]!;
        const g = (dots[a]! - mean[j]! * sumR) / scale[j]!;
        const r = g - l1 * pf[j]! * sign[a]! - l2 * pf[j]! * beta[j]!;
        rhs[a + 1] = r;
        const level = Math.max(floor, rounding * (1 + Math.abs(mean[j]!) / scale[j]!));
        // active features to a hundredth of the KKT tolerance (1e-12 by default)
        const rel = Math.abs(r) / Math.max(0.01 * pr.kktTolerance * l1 * pf[j]!, level);
        if (rel > worst) worst = rel;
      }
      if (worst <= 1) {
        this.newtonConverged = true;
        return true;
      }
      // an exact Newton step that did not even halve the residual: rounding has the last word
      // (rebuilding the Hessian would not help); sweeps and the KKT check take over
      if (freshStep && fullStep && worst > 0.5 * lastWorst) return moved ? true : restore();
      const reuse = factorFits && worst < 0.25 * lastWorst;
      lastWorst = worst;
      freshStep = !reuse;
      if (!reuse) {
        if (!this.buildNewtonFactor(s, sumW, l2)) {
          buf.factorIndex = new Int32Array(0);
          return moved ? true : restore();
        }
        buf.factorIndex = index.slice(0, s);
        factorFits = true;
      }
      buf.grad0.set(rhs.subarray(0, m));
      choleskySolve(h, m, rhs);
      // a full step that changes a sign means the support is moving (unless the factor was
      // stale: then retry with a fresh one)
      let flips = false;
      for (let a = 0; a < s && !flips; a++) {
        const nb = beta[index[a]!]! + rhs[a + 1]!;
        flips = sign[a] !== 0 && !(sign[a]! > 0 ? nb > 0 : nb < 0);
      }
      if (flips) {
        if (reuse) {
          factorFits = false;
          lastWorst = Infinity;
          freshStep = false;
          iter--;
          continue;
        }
        return moved ? true : restore();
      }
      const b0Old = this.b0;
      for (let a = 0; a < s; a++) dots[a] = beta[index[a]!]!;
      // the step's change of η, computed once: each trial step is then O(n)
      let dirBase = rhs[0]!;
      dir.fill(0);
      for (let a = 0; a < s; a++) {
        const ja = index[a]!;
        const v = rhs[a + 1]! / scale[ja]!;
        buf.coef[a] = v;
        dirBase -= v * mean[ja]!;
      }
      this.dots().axpyMany(index, s, buf.coef, dir);
      etaStart.set(this.eta);
      // Newton decrement gᵀH⁻¹g: twice the decrease the step promises. At rounding level of the
      // objective a line search cannot tell better from worse, so the full step is taken without
      // evaluating the objective (the last Newton iterations of every λ, where the gradient goes
      // from 1e-8 to 1e-15 of its threshold, are all such steps).
      let decrement = 0;
      for (let a = 0; a < m; a++) decrement += buf.grad0[a]! * rhs[a]!;
      const objRef = Number.isNaN(obj) ? Math.abs(objective) : Math.abs(obj);
      if (decrement >= 0 && decrement <= 1e-14 * objRef) {
        this.b0 = b0Old + rhs[0]!;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]! + rhs[a + 1]!;
        for (let i = 0; i < n; i++) this.eta[i] = etaStart[i]! + (dir[i]! + dirBase);
        obj = NaN; // not evaluated: the next line search, if any, recomputes it
        moved = true;
        this.newtonSteps++;
        fullStep = true;
        continue;
      }
      if (Number.isNaN(obj)) obj = this.binomialObjective(lambda);
      let step = 1;
      let objNew = Infinity;
      for (let tries = 0; tries < 40; tries++) {
        this.b0 = b0Old + step * rhs[0]!;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]! + step * rhs[a + 1]!;
        for (let i = 0; i < n; i++) this.eta[i] = etaStart[i]! + step * (dir[i]! + dirBase);
        objNew = this.binomialObjective(lambda);
        if (objNew <= obj + 1e-13 * Math.abs(obj)) break;
        step /= 2;
      }
      if (!(objNew <= obj + 1e-13 * Math.abs(obj))) {
        // no descent even for a tiny step: rounding level; keep the last good point
        this.b0 = b0Old;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]!;
        this.eta.set(etaStart);
        return moved ? true : restore();
      }
      obj = objNew;
      moved = true;
      this.newtonSteps++;
      fullStep = step === 1;
    }
    return moved ? true : restore();
  }

  /**
   * Whether a Newton finish is worth its cost now: building and factoring the active set's
   * Hessian (multiply-adds: n·s²/2 on a dense design, a third of that in WebAssembly; n·s plus
   * the products of stored entries on a sparse one; s³/3 to factor; its iterations' O(n) work)
   * against the sweeps it would
   * replace. Before any sweep at this λ it must cost at most NEWTON_FIRST_PASSES sweeps; after
   * `passes` sweeps, at most that many (ski rental: never much worse than either way alone).
   * Coordinate descent converges in a few sweeps on well-conditioned sparse designs, where a
   * Hessian of thousands of features would cost thousands of sweeps, and needs hundreds on
   * correlated dense ones, where the Hessian costs a few.
   */
  private newtonPays(passes: number): boolean {
    const { x, pf } = this.problem;
    if (this.problem.activeSetSolve === 'always') return true;
    let s = 0;
    let stored = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      if (this.beta[j] !== 0 || pf[j] === 0) {
        s++;
        stored += x.columnNnz(j);
      }
    }
    const build =
      x.kind === 'dense'
        ? (stored * s) / 2 / (this.dots() instanceof WasmColumnDots ? 3 : 1)
        : this.n * s + (stored * s) / 2;
    // plus its iterations' exponentials, logarithms and line searches over all n rows (about six
    // iterations of ~20 multiply-adds' worth per row), which dominate on sparse designs
    const cost = build + (s * s * s) / 3 + 120 * this.n;
    const sweep = stored + this.n;
    return cost <= Math.max(NEWTON_FIRST_PASSES, passes) * sweep;
  }

  /**
   * After `newtonPolish` converged on its active set: the exact gradient of every feature at that
   * point (from the residuals it left, w (y − p)), into `grad`, and whether the KKT conditions
   * then hold for all features (no feature outside the active set wants in).
   */
  private confirmNewton(lambda: number, scaleVar: number, counts: { kkt: number }): boolean {
    const { mean, scale, excluded } = this.problem;
    const resid = this.newton!.resid;
    if (!this.liveColumns) {
      const live: number[] = [];
      for (let j = 0; j < this.p; j++) if (!excluded[j]) live.push(j);
      this.liveColumns = Int32Array.from(live);
      this.liveDots = new Float64Array(live.length);
    }
    const cols = this.liveColumns;
    const dots = this.liveDots!;
    let sumR = 0;
    for (let i = 0; i < this.n; i++) sumR += resid[i]!;
    this.dots().dotMany(cols, cols.length, resid, dots);
    this.grad.fill(0);
    for (let k = 0; k < cols.length; k++) {
      const j = cols[k]!;
      this.grad[j] = (dots[k]! - mean[j]! * sumR) / scale[j]!;
    }
    counts.kkt++;
    return this.kktViolation(lambda, NEWTON_FLOOR * Math.sqrt(scaleVar)) <= this.problem.kktTolerance;
  }

  /**
   * Builds and factors the Hessian of `newtonPolish` at the current point, for the active set in
   * the first `s` entries of the Newton index, from the weights and residuals just computed:
   * [Σ W, Σ W x̃_b; Σ W x̃_a, Σ W x̃_a x̃_b + λ(1−α) pf_a δ_ab] (lower triangle). False when
   * it is singular to working precision.
   */
  private buildNewtonFactor(s: number, sumW: number, l2: number): boolean {
    const { x, mean, scale, pf } = this.problem;
    const buf = this.newton!;
    const { index, dots, dots2, centered, weight, t, t2 } = buf;
    const h = buf.hessian;
    const n = this.n;
    const m = s + 1;
    const kernels = this.dots();
    h[0] = sumW;
    kernels.dotMany(index, s, weight, dots);
    for (let a = 0; a < s; a++) {
      const ja = index[a]!;
      centered[a] = dots[a]! - mean[ja]! * sumW; // Σ W (x_a − m_a)
      h[(a + 1) * m] = centered[a]! / scale[ja]!;
    }
    // rows a and a + 1 together: t = W (x_a − m_a) and t2 = W (x_{a+1} − m_{a+1}) share one
    // pass over the design
    const fill = (ja: number, into: Float64Array) => {
      into.fill(-mean[ja]!);
      x.axpy(ja, 1, into);
      for (let i = 0; i < n; i++) into[i]! *= weight[i]!;
    };
    const storeRow = (a: number, d: Float64Array) => {
      const ja = index[a]!;
      const row = (a + 1) * m + 1;
      for (let b = 0; b <= a; b++) {
        const jb = index[b]!;
        // Σ W (x_a − m_a)(x_b − m_b) = Σ t x_b − m_b Σ t
        h[row + b] = (d[b]! - mean[jb]! * centered[a]!) / (scale[ja]! * scale[jb]!);
      }
      h[row + a]! += l2 * pf[ja]!;
    };
    for (let a = 0; a < s; a += 2) {
      fill(index[a]!, t);
      if (a + 1 < s) {
        fill(index[a + 1]!, t2);
        kernels.dotMany2(index, a + 2, t, t2, dots, dots2);
        storeRow(a, dots);
        storeRow(a + 1, dots2);
      } else {
        kernels.dotMany(index, a + 1, t, dots);
        storeRow(a, dots);
      }
    }
    return choleskyFactor(h, m);
  }

  /**
   * Largest KKT violation from `grad` beyond an absolute `floor`, relative to each feature's L1
   * threshold (1 when that is 0).
   */
  private kktViolation(lambda: number, floor: number): number {
    const { excluded, pf, alpha } = this.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    let worst = 0;
    for (let j = 0; j < this.p; j++) {
      if (excluded[j]) continue;
      const g = this.grad[j]!;
      const b = this.beta[j]!;
      const t = l1 * pf[j]!;
      const v = Math.max(
        0,
        (b === 0 ? Math.max(0, Math.abs(g) - t) : Math.abs(g - l2 * pf[j]! * b - (b > 0 ? t : -t))) - floor,
      );
      const rel = v / (t > 0 ? t : 1);
      if (rel > worst) worst = rel;
    }
    return worst;
  }

  /** Loss and penalty at the current point (standardized scale; the same objective value). */
  objective(lambda: number): { loss: number; penalty: number } {
    const pr = this.problem;
    let pen = 0;
    for (let j = 0; j < this.p; j++) {
      const b = this.beta[j]!;
      if (b !== 0) pen += pr.pf[j]! * (pr.alpha * Math.abs(b) + ((1 - pr.alpha) / 2) * b * b);
    }
    const penalty = lambda * pen;
    if (pr.family === 'binomial') {
      this.computeEta();
      return { loss: this.binomialObjective(0), penalty };
    }
    let r2 = 0;
    if (this.covariance && this.covReady) {
      let bsum = 0;
      for (let j = 0; j < this.p; j++) bsum += this.beta[j]! * (this.xty[j]! + this.grad[j]!);
      r2 = Math.max(pr.yVar - bsum, 0);
    } else {
      for (let i = 0; i < this.n; i++) {
        const r = this.rho[i]! + this.shift;
        r2 += pr.w[i]! * r * r;
      }
    }
    return { loss: 0.5 * r2, penalty };
  }
}
