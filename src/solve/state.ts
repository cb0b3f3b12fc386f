import { DenseDesign, SparseDesign } from './design.js';
import { type ColumnDots, WasmColumnDots } from './kernels/columnDots.js';
import { WasmSparseColumns } from './kernels/sparseColumns.js';
import { usesCovariance } from './covariance.js';
import type { Problem } from './problem.js';
import type { SingletonProfile } from './singletons.js';

/** Active sets larger than this are not solved directly (an active-set solve costs s³/3). */
export const POLISH_MAX = 2000;

/**
 * The state every algorithm of the solver shares: the current point (b0, β on the standardized
 * scale), the working set, the residual of the penalized weighted least-squares problem
 *
 *     (1/2) Σ W_i (z_i − b0 − x̃_iᵀβ)² + λ Σ_j pf_j (α|β_j| + (1−α)/2 β_j²),   x̃_ij = (x_ij − m_j)/s_j
 *
 * with implicit centering (the design is never copied), the column statistics under the current
 * W, and the binomial linear predictor η. For gaussian, W = w and z = y; for binomial, the
 * proximal Newton loop (`binomial.ts`) sets W and z from the current fit.
 *
 * The residual r = z − b0 − x̃β is kept as `rho + shift`: a column update touches only the
 * column's stored entries and moves the scalar `shift` (glmnet's trick for sparse inputs).
 * All buffers are allocated once per problem; nothing allocates inside the sweeps.
 */
export class CdState {
  readonly beta: Float64Array;
  // b0, shift, sumW and sumWrho hold doubles: they start as doubles (NaN, then their value in the
  // constructor), since a field that starts as a small integer and later holds a double gives the
  // class a new hidden class, and the solver's optimized code that checked the old one is dropped
  b0 = Number.NaN;
  /** Gradient Σ W x̃_j r at the last KKT check (for sequential strong rules). */
  readonly grad: Float64Array;
  readonly n: number;
  readonly p: number;
  readonly W: Float64Array;
  readonly rho: Float64Array;
  shift = Number.NaN;
  sumW = Number.NaN;
  sumWrho = Number.NaN;
  readonly colW: Float64Array;
  readonly h: Float64Array;
  readonly stamp: Int32Array;
  /** `ensureColumnSum`'s stamp: colW alone is current for this W. */
  private readonly sumStamp: Int32Array;
  stampNo = 1;
  readonly inSet: Uint8Array;
  readonly set: Int32Array;
  setSize = 0;
  /** Scratch list for sweeps over part of the working set (`sweep`'s `list`). */
  readonly active: Int32Array;
  readonly eta: Float64Array;
  readonly betaOld: Float64Array;
  /** The common observation weight of a gaussian problem on a sparse design, else 0. */
  readonly uniformWeight: number = 0;
  /** Sparse gather/scatter kernels whose residual is `rho` and weights `W` (naive mode). */
  readonly sparseKernels: WasmSparseColumns | null = null;
  /** Scratch of `computeEta`: the non-zero columns and their coefficients. */
  private etaCols: Int32Array | null = null;
  private etaCoef: Float64Array | null = null;
  /** Dot-product kernels for the Gram and Hessian work (WebAssembly when available). */
  private columnDots: ColumnDots | null = null;
  /** Work done so far, for benchmarks and tests: columns visited by sweeps and gradient passes. */
  columnVisits = 0;
  /** Active-set Hessians built (binomial Newton finish). */
  hessianBuilds = 0;
  /** Quadratic models left with violators unswept (`solveWorkingSet`'s `maxRounds`). */
  roundsCapped = 0;
  /** The features that are not excluded, for full-gradient products. */
  private liveColumns: Int32Array | null = null;
  private liveDots: Float64Array | null = null;

  /**
   * The profiled singletons (`singletons.ts`) while the solver works without them: per row the
   * clip t_i of |y_i − p_i| at the current λ (Infinity: none), the η_i where it binds (for y = 1;
   * negated for y = 0) and the row's loss there; null when no profile is active.
   */
  clip: Float64Array | null = null;
  private clipEta: Float64Array | null = null;
  private clipLoss: Float64Array | null = null;
  private clipLambda = NaN;

  constructor(
    readonly problem: Problem,
    readonly profile: SingletonProfile | null = null,
  ) {
    const { x } = problem;
    this.b0 = 0;
    this.shift = 0;
    this.sumW = 1;
    this.sumWrho = 0;
    this.n = x.rows;
    this.p = x.cols;
    // A sparse design with naive updates: whole sweeps run in WebAssembly on a residual, weights,
    // coefficients and working set kept in its linear memory; with equal weights (gaussian) the
    // gradient needs one gather per stored entry, not two.
    if (x instanceof SparseDesign && !usesCovariance(problem)) {
      if (problem.wasm) this.sparseKernels = WasmSparseColumns.create(x);
      this.sparseKernels?.setFeatures(problem.mean, problem.scale, problem.pf);
      if (problem.family === 'gaussian' && problem.w.every((v) => v === problem.w[0]))
        this.uniformWeight = problem.w[0] ?? 0;
    }
    const kernels = this.sparseKernels;
    this.beta = kernels?.beta ?? new Float64Array(this.p);
    this.grad = new Float64Array(this.p);
    this.colW = kernels?.colW ?? new Float64Array(this.p);
    this.h = kernels?.h ?? new Float64Array(this.p);
    this.stamp = new Int32Array(this.p);
    this.sumStamp = new Int32Array(this.p);
    this.inSet = new Uint8Array(this.p);
    this.set = kernels?.set ?? new Int32Array(this.p);
    this.active = kernels?.active ?? new Int32Array(this.p);
    this.eta = new Float64Array(problem.family === 'binomial' ? this.n : 0);
    this.betaOld = new Float64Array(this.p);
    this.rho = kernels?.rho ?? new Float64Array(this.n);
    this.W = kernels?.w ?? new Float64Array(this.n);
    if (problem.family === 'gaussian') this.W.set(problem.w);
  }

  /** Whether `rho + shift` is the gaussian residual y − b0 − x̃β of the current point. */
  residualCurrent = false;

  /** Sets the current point (standardized scale) and puts its non-zeros in the working set. */
  setPoint(b0: number, beta: Float64Array): void {
    this.residualCurrent = false;
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

  /**
   * Puts the working set in column order: sweeps then read the design's columns in the order they
   * are stored (a sparse design's entries stream through the cache instead of a miss per column).
   */
  sortSet(): void {
    this.set.subarray(0, this.setSize).sort();
  }

  /** ρ = z − Σ β_j x_j / s_j, shift = Σ β_j m_j / s_j − b0, so that r = ρ + shift. */
  resetResidual(z: Float64Array): void {
    const { x, mean, scale } = this.problem;
    this.rho.set(z);
    let shift = -this.b0;
    const kernels = this.sparseKernels;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const b = this.beta[j]!;
      if (b !== 0) {
        // the WebAssembly scatter is the same operations as the design's (bit-identical)
        if (kernels) kernels.axpy(j, -b / scale[j]!);
        else x.axpy(j, -b / scale[j]!, this.rho);
        shift += (b * mean[j]!) / scale[j]!;
      }
    }
    this.shift = shift;
    this.refreshSums();
  }

  refreshSums(): void {
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

  /** `ensureAll`'s stamp: every feature's column statistics are current for this W. */
  allStamp = 0;

  /**
   * Sweeps multiply by 1/s_j and 1/(h_j + l2·pf_j) for their divisions (`sparseKernels.sweepInverse`,
   * its `invH` current for this λ, set by the caller, while every column's statistics are current;
   * the same operations in JavaScript): the certified gaussian path (`gaussianNaive.ts`).
   */
  inverseSweeps = false;

  /**
   * Column statistics of every feature not excluded under the current W (sums current), so that
   * sweeps need not ensure their list's columns one by one until W changes.
   */
  ensureAll(): void {
    if (this.allStamp === this.stampNo) return;
    const excluded = this.problem.excluded;
    for (let j = 0; j < this.p; j++) if (!excluded[j]) this.ensureColumn(j);
    this.allStamp = this.stampNo;
  }

  /** Column statistics under the current W (recomputed when W changes: a new stamp). */
  ensureColumn(j: number): void {
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

  /** The gradient Σ W x̃_j r of feature j (its column statistics must be current). */
  gradient(j: number): number {
    const kernels = this.sparseKernels;
    if (this.uniformWeight > 0)
      return this.gradientFrom(j, kernels ? kernels.dot(j) : this.problem.x.dot(j, this.rho));
    // the sparse centeredDot, with its gather in WebAssembly
    if (kernels) return this.gradientFrom(j, kernels.dotWeighted(j));
    const { x, mean, scale } = this.problem;
    return (
      x.centeredDot(j, this.W, this.rho, mean[j]!, this.shift, this.sumW, this.sumWrho, this.colW[j]!) /
      scale[j]!
    );
  }

  /** `gradient` with its division by s_j a multiplication by `invScale` = 1/s_j (`inverseSweeps`). */
  gradientTimes(j: number, invScale: number): number {
    const kernels = this.sparseKernels;
    if (kernels || this.uniformWeight > 0) {
      const dot = kernels
        ? this.uniformWeight > 0
          ? kernels.dot(j)
          : kernels.dotWeighted(j)
        : this.problem.x.dot(j, this.rho);
      const c = this.uniformWeight;
      const m = this.problem.mean[j]!;
      return (
        ((c > 0 ? c * dot : dot) + this.shift * this.colW[j]! - m * (this.sumWrho + this.shift * this.sumW)) *
        invScale
      );
    }
    const { x, mean } = this.problem;
    return (
      x.centeredDot(j, this.W, this.rho, mean[j]!, this.shift, this.sumW, this.sumWrho, this.colW[j]!) *
      invScale
    );
  }

  /**
   * The gradient of a feature of a sparse design from its product with the residual, `dot` =
   * Σ x_j ρ (equal weights) or Σ x_j W ρ: Σ W (x_j − m_j)(ρ + shift) = dot·(c or 1) + shift Σ W x_j
   * − m_j (Σ W ρ + shift Σ W).
   */
  gradientFrom(j: number, dot: number): number {
    const c = this.uniformWeight;
    const m = this.problem.mean[j]!;
    return (
      ((c > 0 ? c * dot : dot) + this.shift * this.colW[j]! - m * (this.sumWrho + this.shift * this.sumW)) /
      this.problem.scale[j]!
    );
  }

  /**
   * Σ W x_j of a feature outside the working set, for its gradient (sparse designs; dense ones do
   * not use it), computed once per W.
   */
  ensureColumnSum(j: number): void {
    if (this.stamp[j] === this.stampNo || this.sumStamp[j] === this.stampNo) return;
    const { x } = this.problem;
    this.colW[j] = this.sparseKernels
      ? this.sparseKernels.dotWeights(j)
      : x.kind === 'sparse'
        ? x.dot(j, this.W)
        : 0;
    this.sumStamp[j] = this.stampNo;
  }

  /**
   * `ensureColumnSum` of every column under the current W, in one WebAssembly call (the same sums):
   * a check of every feature right after W changed (a binomial Newton step) made one call per
   * column. Returns whether they are current: sparse designs copied to WebAssembly only.
   */
  ensureAllSums(): boolean {
    const kernels = this.sparseKernels;
    if (kernels === null) return false;
    if (this.allSumStamp === this.stampNo) return true;
    // a column whose statistics are current gets the same sum again
    kernels.dotWeightsAll();
    this.markAllSums();
    return true;
  }

  /** How many features are not excluded. */
  liveColumnCount(): number {
    return (this.liveColumns ??= liveColumns(this.problem.excluded)).length;
  }

  /** Every column's Σ W x_j is current (`ensureAllSums`, or `dotsAllWithWeights` just now). */
  get allSumsCurrent(): boolean {
    return this.allSumStamp === this.stampNo;
  }

  /** Records that the kernels' `colW` holds every column's Σ W x_j under the current W. */
  markAllSums(): void {
    this.sumStamp.fill(this.stampNo);
    this.allSumStamp = this.stampNo;
  }

  /** `ensureAllSums`' stamp. */
  private allSumStamp = 0;

  /**
   * Gives the WebAssembly copies back for the next solve in this thread (`releaseKernels`): the
   * state (its coefficients and residual live there) must not be used after.
   */
  release(): void {
    this.sparseKernels?.release();
    if (this.columnDots instanceof WasmColumnDots) this.columnDots.release();
    this.columnDots = null;
  }

  /**
   * The kernels for O(n·p) batches of column dot products: a WebAssembly copy of a dense design,
   * made on first use (it costs one pass over the design, about what one batch costs), else the
   * design's own JavaScript kernels.
   */
  dots(): ColumnDots {
    const x = this.problem.x;
    return (this.columnDots ??=
      (x instanceof DenseDesign && this.problem.wasm ? WasmColumnDots.create(x) : null) ?? x);
  }

  computeEta(): void {
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
  binomialObjective(lambda: number): number {
    const { y, w } = this.problem;
    const clip = this.clip;
    let loss = 0;
    for (let i = 0; i < this.n; i++) {
      const e = this.eta[i]!;
      if (clip !== null && clip[i]! < Infinity) {
        const q = Math.exp(-Math.abs(e));
        const u = this.profiledMove(i, e, y[i]! - (e >= 0 ? 1 / (1 + q) : q / (1 + q)));
        if (u !== 0) {
          loss += w[i]! * this.profiledLoss(i, u);
          continue;
        }
      }
      // log(1 + e^η) − yη, stably
      const soft = e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e));
      loss += w[i]! * (soft - y[i]! * e);
    }
    return loss + lambda * this.binomialPenalty();
  }

  /**
   * Sets the profiled rows' clips for λ (`singletons.ts`: t_i = λ · unit_i; a clip of 1 or more
   * never binds, |y − p| < 1). No-op without a profile or after `expandProfile`.
   */
  setProfileLambda(lambda: number): void {
    const pro = this.profile;
    if (pro === null || this.profileDone || lambda === this.clipLambda) return;
    const n = this.n;
    const clip = (this.clip ??= new Float64Array(n));
    const clipEta = (this.clipEta ??= new Float64Array(n));
    const clipLoss = (this.clipLoss ??= new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const t = pro.rep[i]! >= 0 ? lambda * pro.unit[i]! : Infinity;
      if (!(t < 1)) {
        clip[i] = Infinity;
        continue;
      }
      clip[i] = t;
      clipEta[i] = Math.log((1 - t) / t);
      clipLoss[i] = -Math.log1p(-t);
    }
    this.clipLambda = lambda;
  }

  /**
   * The profiled singletons' move u of row i's η (0 when they are at 0), at η_i = e (without
   * them) with r = y_i − p(e). `clip` must be set.
   */
  profiledMove(i: number, e: number, r: number): number {
    const t = this.clip![i]!;
    if (r > t) return this.clipEta![i]! - e;
    if (-r > t) return -this.clipEta![i]! - e;
    return 0;
  }

  /** Row i's profiled loss over w_i when its singletons move by u ≠ 0: ℓ at the clip + t |u|. */
  profiledLoss(i: number, u: number): number {
    return this.clipLoss![i]! + this.clip![i]! * Math.abs(u);
  }

  private profileDone = false;
  /** Rows whose profiled move was put back on a column (`expandProfile`). */
  profiledRows = 0;

  /**
   * Ends the profile at λ: each row's move u goes to its rep column (β_j = u s_j / x_ij, the
   * intercept keeping every other row's η), which joins the working set; the state then holds
   * the full problem's point and its plain logistic loss. η must be current.
   */
  expandProfile(lambda: number): void {
    const pro = this.profile;
    if (pro === null || this.profileDone) return;
    this.setProfileLambda(lambda);
    const { y, mean, scale } = this.problem;
    const clip = this.clip!;
    let moved = 0;
    for (let i = 0; i < this.n; i++) {
      const j = pro.rep[i]!;
      if (j < 0 || !(clip[i]! < Infinity)) continue;
      const e = this.eta[i]!;
      const q = Math.exp(-Math.abs(e));
      const u = this.profiledMove(i, e, y[i]! - (e >= 0 ? 1 / (1 + q) : q / (1 + q)));
      if (u === 0) continue;
      const v = pro.value[i]!;
      this.beta[j] = (u * scale[j]!) / v;
      this.b0 += (u * mean[j]!) / v;
      if (!this.inSet[j]) {
        this.inSet[j] = 1;
        this.set[this.setSize++] = j;
      }
      moved++;
    }
    this.profiledRows = moved;
    this.profileDone = true;
    this.clip = null;
    this.computeEta();
  }

  /**
   * The objective of the weighted least-squares problem the sweeps solve (see the class comment):
   * ½ Σ W r² + λ Σ pf_j (α |β_j| + (1−α)/2 β_j²), from the residual kept.
   */
  quadraticObjective(lambda: number): number {
    let r2 = 0;
    const { W, rho, shift } = this;
    for (let i = 0; i < this.n; i++) {
      const r = rho[i]! + shift;
      r2 += W[i]! * r * r;
    }
    return 0.5 * r2 + lambda * this.binomialPenalty();
  }

  /** Σ pf_j (α |β_j| + (1−α)/2 β_j²) over the working set (β is 0 outside it). */
  binomialPenalty(): number {
    const { pf, alpha } = this.problem;
    let pen = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      const b = this.beta[j]!;
      pen += pf[j]! * (alpha * Math.abs(b) + ((1 - alpha) / 2) * b * b);
    }
    return pen;
  }

  /**
   * Per feature, rms(x_j)/s_j under the weights: the size of the terms of its gradient's sums per
   * unit of the residuals' (`gradientRounding`); 0 for excluded features. Made on first use.
   */
  roundingScales(): Float64Array {
    if (this.roundingScale !== null) return this.roundingScale;
    const { mean, sd, scale, excluded } = this.problem;
    const r = new Float64Array(this.p);
    let max = 0;
    for (let j = 0; j < this.p; j++) {
      if (excluded[j]) continue;
      // (columns past 1e150 are excluded: the squares cannot overflow)
      r[j] = Math.sqrt(mean[j]! * mean[j]! + sd[j]! * sd[j]!) / scale[j]!;
      if (r[j]! > max) max = r[j]!;
    }
    this.maxRoundingScale = max;
    return (this.roundingScale = r);
  }

  /** The largest of `roundingScales` (NaN before its first call). */
  maxRoundingScale = Number.NaN;
  private roundingScale: Float64Array | null = null;

  /**
   * The exact gradient of every feature, Σ x̃_j resid, into `grad` (0 for excluded features), for
   * residuals `resid` = w (y − p) at the current point: one product with the design.
   */
  fullGradient(resid: Float64Array): void {
    const { mean, scale } = this.problem;
    const cols = (this.liveColumns ??= liveColumns(this.problem.excluded));
    let sumR = 0;
    for (let i = 0; i < this.n; i++) sumR += resid[i]!;
    this.columnVisits += cols.length;
    const grad = this.grad;
    // the excluded columns' gradients are 0; the others are all written below
    if (cols.length < this.p) grad.fill(0);
    // a sparse design's products in one WebAssembly call over every column (the sums of `dot`)
    const kernels = this.sparseKernels;
    if (kernels !== null) {
      kernels.dotsAllOf(resid);
      const dots = kernels.dots;
      for (let k = 0; k < cols.length; k++) {
        const j = cols[k]!;
        grad[j] = (dots[j]! - mean[j]! * sumR) / scale[j]!;
      }
      return;
    }
    const dots = (this.liveDots ??= new Float64Array(cols.length));
    this.dots().dotMany(cols, cols.length, resid, dots);
    for (let k = 0; k < cols.length; k++) {
      const j = cols[k]!;
      grad[j] = (dots[k]! - mean[j]! * sumR) / scale[j]!;
    }
  }

  /**
   * Drops from the working set the features at zero whose gradient (`grad`, exact) is below
   * `fraction` of their L1 threshold λα pf_j: features that entered on the way (a cold start far
   * below λ_max, a warm start with many small spurious weights) and are now far from entering.
   * The KKT check over all features brings back any that later violate. Keeps the set's order.
   */
  pruneSet(l1: number, fraction: number): number {
    const { pf } = this.problem;
    let kept = 0;
    for (let k = 0; k < this.setSize; k++) {
      const j = this.set[k]!;
      if (this.beta[j] === 0 && pf[j]! > 0 && Math.abs(this.grad[j]!) < fraction * l1 * pf[j]!) {
        this.inSet[j] = 0;
      } else this.set[kept++] = j;
    }
    const dropped = this.setSize - kept;
    this.setSize = kept;
    return dropped;
  }
}

/** The columns that are not excluded, in order. */
function liveColumns(excluded: Uint8Array): Int32Array {
  const cols = new Int32Array(excluded.length);
  let count = 0;
  for (let j = 0; j < excluded.length; j++) if (!excluded[j]) cols[count++] = j;
  return cols.subarray(0, count);
}
