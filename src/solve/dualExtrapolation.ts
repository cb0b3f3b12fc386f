import type { Counts } from './outcome.js';
import type { CdState } from './state.js';

/** Residuals kept for the dual extrapolation. */
const DUAL_K = 5;

/**
 * Dual extrapolation (Massias, Gramfort & Salmon, "Celer", ICML 2018; Massias et al. JMLR 2020):
 * the residuals of consecutive sweeps over a fixed working set follow a linear recursion, and the
 * combination Σ c_k r⁽ᵏ⁾ (Σ c = 1) that minimizes ‖Σ c_k (r⁽ᵏ⁾ − r⁽ᵏ⁻¹⁾)‖ is much nearer the
 * dual optimum than the last residual. Scaled into the dual feasible set it gives a dual point,
 * whose objective bounds the optimum from below like the rescaled residual's.
 * Lasso only (α = 1, every feature penalized): the dual is then Σ W θ y − ½ Σ W θ² over
 * Σ W θ = 0, |Σ W x̃_j θ| ≤ λ pf_j.
 */
export class DualExtrapolation {
  /** The λ of the current history. */
  lambda = NaN;
  private readonly hist: Float64Array;
  private readonly diffs: Float64Array;
  private readonly theta: Float64Array;
  private readonly saved: Float64Array;
  /** The pass of each residual held (`hist`'s slots). */
  private readonly passes = new Int32Array(DUAL_K).fill(-1);
  private readonly gram = new Float64Array((DUAL_K - 1) * (DUAL_K - 1));
  private readonly z = new Float64Array(DUAL_K - 1);
  /** Residuals recorded since the last reset (the newest at (count − 1) mod DUAL_K). */
  private count = 0;
  private lastPass = -1;
  private size = -1;

  /** Whether the problem is a lasso (α = 1, every feature not excluded penalized). */
  static applies(st: CdState): boolean {
    const { alpha, pf, excluded } = st.problem;
    if (alpha !== 1) return false;
    for (let j = 0; j < st.p; j++) if (!excluded[j] && !(pf[j]! > 0)) return false;
    return true;
  }

  constructor(private readonly st: CdState) {
    this.hist = new Float64Array(DUAL_K * st.n);
    this.diffs = new Float64Array((DUAL_K - 1) * st.n);
    this.theta = new Float64Array(st.n);
    this.saved = new Float64Array(st.n);
  }

  /** A new history at λ. */
  startAt(lambda: number): void {
    this.lambda = lambda;
    this.reset();
  }

  /** A new history: the point moved other than by a sweep. */
  reset(): void {
    this.count = 0;
    this.lastPass = -1;
    this.passes.fill(-1);
  }

  /** Records the residual after sweep `pass` over a working set of `size` features. */
  record(pass: number, size: number): void {
    if (pass === this.lastPass) return;
    if (size !== this.size) {
      this.size = size;
      this.count = 0;
      this.passes.fill(-1);
    }
    this.lastPass = pass;
    const st = this.st;
    const n = st.n;
    this.passes[this.count % DUAL_K] = pass;
    const at = (this.count % DUAL_K) * n;
    const h = this.hist;
    for (let i = 0; i < n; i++) h[at + i] = st.rho[i]! + st.shift;
    this.count++;
  }

  /**
   * out = Σ_a c[a] r⁽ᵃ⁾ for a < k, r⁽ᵃ⁾ the residual recorded after pass `at[from + a]` (r = ρ + shift):
   * the residual of the point Σ_a c[a] β⁽ᵃ⁾, intercept Σ_a c[a] b0⁽ᵃ⁾ (Σ c = 1; a linear
   * function of the point), without a product with the design. False (out untouched) unless
   * every one of those residuals is held since the last reset.
   */
  combine(c: Float64Array, at: Int32Array, from: number, k: number, out: Float64Array): boolean {
    const n = this.st.n;
    const slots = this.slots;
    for (let a = 0; a < k; a++) {
      const pass = at[from + a]!;
      const q = pass < 0 ? -1 : this.passes.indexOf(pass);
      if (q < 0) return false;
      slots[a] = q * n;
    }
    // the newest residual plus the combination of the differences to it (Σ c = 1): the rounding
    // scales with the differences, not with the residuals
    const h = this.hist;
    const last = slots[k - 1]!;
    for (let i = 0; i < n; i++) out[i] = h[last + i]!;
    for (let a = 0; a < k - 1; a++) {
      const ca = c[a]!;
      const o = slots[a]!;
      for (let i = 0; i < n; i++) out[i]! += ca * (h[o + i]! - h[last + i]!);
    }
    return true;
  }

  private readonly slots = new Int32Array(DUAL_K);

  /**
   * The duality gap at λ between the current point and the extrapolated dual point, from the
   * newest residuals recorded (Infinity with fewer than 3); the product with the design counts
   * as a KKT check in `counts`.
   */
  gap(lambda: number, counts: Counts): number {
    const q = Math.min(this.count, DUAL_K);
    if (q < 3) return Infinity;
    const st = this.st;
    const n = st.n;
    const h = this.hist;
    const K = q - 1;
    const first = this.count - q;
    const off = (k: number) => ((first + k) % DUAL_K) * n;
    const G = this.gram;
    // the residuals' differences once (the products below are theirs, in the same order)
    const df = this.diffs;
    for (let a = 0; a < K; a++) {
      const a1 = off(a + 1);
      const a0 = off(a);
      const o = a * n;
      for (let i = 0; i < n; i++) df[o + i] = h[a1 + i]! - h[a0 + i]!;
    }
    for (let a = 0; a < K; a++)
      for (let b = a; b < K; b++) {
        const oa = a * n;
        const ob = b * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += df[oa + i]! * df[ob + i]!;
        G[a * K + b] = s;
        G[b * K + a] = s;
      }
    let trace = 0;
    for (let a = 0; a < K; a++) trace += G[a * K + a]!;
    if (!(trace > 0)) return Infinity;
    for (let a = 0; a < K; a++) G[a * K + a]! += 1e-10 * trace;
    const z = this.z.fill(1, 0, K);
    for (let col = 0; col < K; col++) {
      const piv = G[col * K + col]!;
      for (let r = col + 1; r < K; r++) {
        const f = G[r * K + col]! / piv;
        for (let c = col; c < K; c++) G[r * K + c]! -= f * G[col * K + c]!;
        z[r]! -= f * z[col]!;
      }
    }
    let sum = 0;
    for (let col = K - 1; col >= 0; col--) {
      let v = z[col]!;
      for (let c = col + 1; c < K; c++) v -= G[col * K + c]! * z[c]!;
      z[col] = v / G[col * K + col]!;
      sum += z[col]!;
    }
    if (!Number.isFinite(sum) || sum === 0) return Infinity;
    // θ = Σ c_k r⁽ᵏ⁾ over the newest K, weighted-centred (the intercept's constraint)
    const th = this.theta.fill(0);
    const W = st.W;
    for (let a = 0; a < K; a++) {
      const c = z[a]! / sum;
      const o = off(a + 1);
      for (let i = 0; i < n; i++) th[i]! += c * h[o + i]!;
    }
    let mw = 0;
    for (let i = 0; i < n; i++) mw += W[i]! * th[i]!;
    mw /= st.sumW;
    for (let i = 0; i < n; i++) th[i]! -= mw;
    // the largest |Σ W x̃_j θ| / pf_j: one product with the design
    const norm = this.dualNorm(counts);
    const scale = norm > lambda ? lambda / norm : 1;
    const y = st.problem.y;
    let ty = 0;
    let tt = 0;
    for (let i = 0; i < n; i++) {
      ty += W[i]! * th[i]! * y[i]!;
      tt += W[i]! * th[i]! * th[i]!;
    }
    return this.primal(lambda) - (scale * ty - 0.5 * scale * scale * tt);
  }

  /** The objective at the current point: ½ Σ W r² + λ Σ pf |β|. */
  private primal(lambda: number): number {
    const st = this.st;
    let r2 = 0;
    for (let i = 0; i < st.n; i++) {
      const r = st.rho[i]! + st.shift;
      r2 += st.W[i]! * r * r;
    }
    const { pf, excluded } = st.problem;
    let pen = 0;
    for (let j = 0; j < st.p; j++) if (!excluded[j]) pen += pf[j]! * Math.abs(st.beta[j]!);
    return 0.5 * r2 + lambda * pen;
  }

  /** max_j |Σ_i W_i x̃_ij θ_i| / pf_j over the features not excluded (θ weighted-centred). */
  private dualNorm(counts: Counts): number {
    const st = this.st;
    const { x, mean, scale, pf, excluded } = st.problem;
    const th = this.theta;
    counts.kkt++;
    // Σ W θ: zero but for rounding, kept in the products
    let sw = 0;
    for (let i = 0; i < st.n; i++) sw += st.W[i]! * th[i]!;
    let worst = 0;
    const kernels = st.sparseKernels;
    if (kernels) {
      this.saved.set(st.rho);
      st.rho.set(th);
      const c = st.uniformWeight;
      kernels.dotsAll(c === 0);
      st.rho.set(this.saved);
      for (let j = 0; j < st.p; j++) {
        if (excluded[j]) continue;
        st.columnVisits++;
        const d = kernels.dots[j]!;
        const g = Math.abs(((c > 0 ? c * d : d) - mean[j]! * sw) / scale[j]!) / pf[j]!;
        if (g > worst) worst = g;
      }
      return worst;
    }
    const wt = this.saved;
    for (let i = 0; i < st.n; i++) wt[i] = st.W[i]! * th[i]!;
    for (let j = 0; j < st.p; j++) {
      if (excluded[j]) continue;
      st.columnVisits++;
      const g = Math.abs((x.dot(j, wt) - mean[j]! * sw) / scale[j]!) / pf[j]!;
      if (g > worst) worst = g;
    }
    return worst;
  }
}
