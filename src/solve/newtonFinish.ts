import { choleskyNullVector, choleskyPivotFailure, choleskySolve } from './cholesky.js';
import { DenseDesign } from './design.js';
import { WasmColumnDots } from './kernels/columnDots.js';
import type { Counts } from './outcome.js';
import { PROFILE_REACH } from './singletons.js';
import { type CdState, POLISH_MAX } from './state.js';
import { featureViolation, gradientRounding, kktViolation } from './sweeps.js';

/**
 * The binomial Newton finish stops at this floor · sd(y) instead, or at the rounding level of each
 * gradient when that is higher (about 4e-16 · (1 + |mean_j| / scale_j) · Σ|w (y − p)|: an uncentred
 * column's gradient is a difference of two large sums): at the tail of a path, where λα is tiny,
 * KKT_FLOOR alone would allow violations of 1e-8 of the threshold.
 */
const NEWTON_FLOOR = 1e-15;
/**
 * A binomial Newton finish is tried before any sweep when it costs at most this many sweeps (and,
 * on dense designs, FIRST_CHECKS checks of every feature: `checksInSweeps`).
 */
const NEWTON_FIRST_PASSES = 30;
const FIRST_CHECKS = 4;

/** A simplified Newton step (factor reused) only where a fresh factor costs more than this many steps. */
const REUSE_STEPS = 2;
/**
 * One row's exponential and loops of a Newton step, and one row's weighted centred column of a
 * Hessian (JavaScript), in multiply-adds (50,000 rows: a step ~2.3 ms + 0.07 ms per column, a
 * Hessian ~0.4 ms per column; bench/results/binomial-dense-s39.md).
 */
const EXP_COST = 30;
const FILL_COST = 6;

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
  /** A vector of a singular Hessian's null space (`flatMove`). */
  nullVector: Float64Array;
}

/**
 * The binomial Newton finish: Newton steps on the active set with the exact Hessian (intercept
 * included) and the signs fixed, its KKT confirmation over all features, and the cost model that
 * says when it pays against the sweeps it replaces.
 */
export class NewtonFinish {
  /** Whether the last `polish` ended at its tolerance (not merely moved the point). */
  converged = false;
  /** Steps taken by `polish` at the current λ. */
  steps = 0;
  /** The KKT tolerance of the current λ (the problem's, or a looser one inside a path). */
  kktTolerance: number;
  /** Buffers of the Newton steps, allocated on first use. */
  private buffers: NewtonBuffers | null = null;

  constructor(private readonly st: CdState) {
    this.kktTolerance = st.problem.kktTolerance;
    this.enterSign = new Float64Array(st.p);
    this.sumW = 0;
    this.sumR = 0;
    this.absR = 0;
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
  polish(lambda: number, scaleVar: number, objective: number, entering = false): boolean {
    const st = this.st;
    const pr = st.problem;
    const { mean, scale, pf, alpha, excluded } = pr;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const n = st.n;
    const beta = st.beta;
    const buf = (this.buffers ??= {
      index: new Int32Array(st.p),
      sign: new Float64Array(st.p),
      saved: new Float64Array(st.p),
      rhs: new Float64Array(st.p + 1),
      dots: new Float64Array(st.p),
      centered: new Float64Array(st.p),
      weight: new Float64Array(n),
      resid: new Float64Array(n),
      t: new Float64Array(n),
      t2: new Float64Array(n),
      dots2: new Float64Array(st.p),
      coef: new Float64Array(st.p),
      grad0: new Float64Array(st.p + 1),
      dir: new Float64Array(n),
      etaStart: new Float64Array(n),
      hessian: new Float64Array(0),
      factorIndex: new Int32Array(0),
      nullVector: new Float64Array(0),
    });
    const { index, sign, saved, rhs, dots, resid, dir, etaStart } = buf;
    this.converged = false;
    let s = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      if (!excluded[j] && (beta[j] !== 0 || pf[j] === 0 || (entering && this.enterSign[j] !== 0)))
        index[s++] = j;
    }
    if (s > POLISH_MAX) return false;
    let m = s + 1;
    // A factor built earlier for the same active set (at this λ or the previous one) is reused
    // while it keeps the gradient shrinking fast (a simplified Newton step costs n·s, a fresh
    // Hessian n·s²/2); otherwise the Hessian is rebuilt.
    let factorFits = buf.factorIndex.length === s;
    for (let a = 0; factorFits && a < s; a++) factorFits = buf.factorIndex[a] === index[a];
    if (!factorFits) buf.factorIndex = new Int32Array(0);
    if (buf.hessian.length < m * m) buf.hessian = new Float64Array(m * m);
    const h = buf.hessian;
    let lastWorst = Infinity;
    /** Whether `weight`, `resid` and their sums are those of the current η (`rowPass`). */
    let rowsCurrent = false;
    let lastLargest = Infinity;
    /** Whether the last step used a Hessian built at its own start point (an exact Newton step). */
    let freshStep = false;
    /** Whether the last step was taken in full (no backtracking: the quadratic model held). */
    let fullStep = false;
    for (let a = 0; a < s; a++) {
      saved[a] = beta[index[a]!]!;
      const j = index[a]!;
      sign[a] = pf[j]! > 0 ? (saved[a] !== 0 ? Math.sign(saved[a]!) : this.enterSign[j]!) : 0;
    }
    const b0Start = st.b0;
    // the starting support (steps that cross zero drop features from `index`)
    const start = index.slice(0, s);
    const restore = (): false => {
      for (let a = 0; a < start.length; a++) beta[start[a]!] = saved[a]!;
      st.b0 = b0Start;
      st.computeEta();
      return false;
    };
    const floor = NEWTON_FLOOR * Math.sqrt(scaleVar);
    let obj = objective;
    let moved = false;
    // each feature dropped at a zero crossing buys one more iteration
    for (let iter = 0; iter < 20 + start.length - s; iter++) {
      // gradient (negated): rhs_0 = Σ w (y − p), rhs_a = Σ w x̃_a (y − p) − λ pf (α sign + (1−α) β)
      // after steps taken without a line search the objective is unknown: its loss shares the
      // exponentials computed here
      // (not before a simplified step, which is taken without a line search: below)
      const needObj = Number.isNaN(obj) && !(factorFits && fullStep);
      // (a line search's accepted trial computed them at this very η)
      if (!rowsCurrent) {
        const loss = this.rowPass(needObj);
        if (needObj) obj = loss + lambda * st.binomialPenalty();
      }
      rowsCurrent = false;
      const { sumW, sumR, absR } = this;
      rhs[0] = sumR;
      st.dots().dotMany(index, s, resid, dots);
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
        const rel = Math.abs(r) / Math.max(0.01 * this.kktTolerance * l1 * pf[j]!, level);
        if (rel > worst) worst = rel;
      }
      if (worst <= 1) {
        this.converged = true;
        return true;
      }
      // an exact Newton step that did not even halve the residual: rounding has the last word
      // (rebuilding the Hessian would not help); sweeps and the KKT check take over
      // (`worst` may switch components: the intercept's absolute floor is far below the features'
      // relative ones, so a step that cut every residual hundredfold could raise it; it must not
      // have halved the largest absolute residual either)
      let largest = Math.abs(rhs[0]!);
      for (let a = 0; a < s; a++) largest = Math.max(largest, Math.abs(rhs[a + 1]!));
      if (freshStep && fullStep && worst > 0.5 * lastWorst && largest > 0.5 * lastLargest) {
        return moved ? true : restore();
      }
      lastLargest = largest;
      // on dense designs a factor is reused only where a fresh one costs more than a few steps
      // (`reusePays`): a simplified step contracts linearly (8–13 steps a λ at 5 features on a
      // 50,000-row path), a fresh one quadratically
      const reuse = factorFits && worst < 0.25 * lastWorst && this.reusePays(s);
      lastWorst = worst;
      freshStep = !reuse;
      if (!reuse) {
        const failed = this.buildFactor(s, sumW, l2);
        if (failed >= 0) {
          buf.factorIndex = new Int32Array(0);
          // collinear active columns: move along the direction that leaves the loss as it is to
          // the nearest zero of a coefficient, which leaves the active set
          const dropped = this.flatMove(failed, s, lambda, index, sign);
          if (dropped < 0) return moved ? true : restore();
          let kept = 0;
          for (let a = 0; a < s; a++) {
            if (a === dropped) continue;
            index[kept] = index[a]!;
            sign[kept++] = sign[a]!;
          }
          s = kept;
          m = s + 1;
          rowsCurrent = false;
          obj = NaN;
          factorFits = false;
          lastWorst = Infinity;
          freshStep = false;
          moved = true;
          iter--;
          continue;
        }
        buf.factorIndex = index.slice(0, s);
        factorFits = true;
      }
      buf.grad0.set(rhs.subarray(0, m));
      choleskySolve(h, m, rhs);
      // A full step that changes a sign means the support is moving (unless the factor was
      // stale: then retry with a fresh one). The objective is smooth up to the first zero
      // crossing, so the step is cut there and the features that reach zero leave the active set
      // (an active-set method: on collinear columns at small λ the support settles this way in a
      // few steps, where sweeps take thousands); the final KKT check brings back any that must.
      let cross = 1;
      let wrongEntries = 0;
      for (let a = 0; a < s; a++) {
        const b = beta[index[a]!]!;
        const nb = b + rhs[a + 1]!;
        if (sign[a] !== 0 && !(sign[a]! > 0 ? nb > 0 : nb < 0)) {
          // a feature still at its entry's 0 (`entering`) that the step moves the wrong way
          if (b === 0) wrongEntries++;
          else cross = Math.min(cross, b / (b - nb));
        }
      }
      if (wrongEntries > 0) {
        // it leaves the active set (exactly: it is at 0), and the step is solved again without it
        let kept = 0;
        for (let a = 0; a < s; a++) {
          const j = index[a]!;
          const nb = rhs[a + 1]!;
          if (beta[j] === 0 && sign[a] !== 0 && !(sign[a]! > 0 ? nb > 0 : nb < 0)) continue;
          index[kept] = j;
          sign[kept++] = sign[a]!;
        }
        s = kept;
        m = s + 1;
        factorFits = false;
        buf.factorIndex = new Int32Array(0);
        lastWorst = Infinity;
        freshStep = false;
        iter--;
        continue;
      }
      if (cross < 1 && reuse) {
        factorFits = false;
        lastWorst = Infinity;
        freshStep = false;
        iter--;
        continue;
      }
      const b0Old = st.b0;
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
      st.dots().axpyMany(index, s, buf.coef, dir);
      etaStart.set(st.eta);
      // Newton decrement gᵀH⁻¹g: twice the decrease the step promises. At rounding level of the
      // objective a line search cannot tell better from worse, so the full step is taken without
      // evaluating the objective (the last Newton iterations of every λ, where the gradient goes
      // from 1e-8 to 1e-15 of its threshold, are all such steps). So is a simplified step (the
      // factor reused after a full step that cut the worst residual fourfold: the iteration
      // contracts there); one that does not contract has its factor rebuilt and its line
      // searched at the next iteration. On a 50,000 × 40 binomial path every such step the line
      // search had checked was taken in full (the same iterates, 327 → 213 objective evaluations).
      let decrement = 0;
      for (let a = 0; a < m; a++) decrement += buf.grad0[a]! * rhs[a]!;
      const objRef = Number.isNaN(obj) ? Math.abs(objective) : Math.abs(obj);
      if (cross === 1 && decrement >= 0 && (decrement <= 1e-14 * objRef || (reuse && fullStep))) {
        st.b0 = b0Old + rhs[0]!;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]! + rhs[a + 1]!;
        for (let i = 0; i < n; i++) st.eta[i] = etaStart[i]! + (dir[i]! + dirBase);
        obj = NaN; // not evaluated: the next line search, if any, recomputes it
        moved = true;
        this.steps++;
        fullStep = true;
        continue;
      }
      if (Number.isNaN(obj)) obj = st.binomialObjective(lambda);
      let step = cross;
      let objNew = Infinity;
      for (let tries = 0; tries < 40; tries++) {
        st.b0 = b0Old + step * rhs[0]!;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]! + step * rhs[a + 1]!;
        for (let i = 0; i < n; i++) st.eta[i] = etaStart[i]! + step * (dir[i]! + dirBase);
        // the objective from the exponentials the next gradient needs (the same value as
        // `binomialObjective`'s): an accepted trial's are not computed again
        objNew = this.rowPass(true) + lambda * st.binomialPenalty();
        if (objNew <= obj + 1e-13 * Math.abs(obj)) break;
        step /= 2;
      }
      if (!(objNew <= obj + 1e-13 * Math.abs(obj))) {
        // no descent even for a tiny step: rounding level; keep the last good point
        st.b0 = b0Old;
        for (let a = 0; a < s; a++) beta[index[a]!] = dots[a]!;
        st.eta.set(etaStart);
        return moved ? true : restore();
      }
      obj = objNew;
      rowsCurrent = true;
      moved = true;
      this.steps++;
      fullStep = step === 1;
      if (cross < 1 && step === cross) {
        // the crossing features are exactly 0 now and leave the active set: a new Hessian
        let kept = 0;
        for (let a = 0; a < s; a++) {
          const j = index[a]!;
          if (sign[a] !== 0 && beta[j]! * sign[a]! <= Math.abs(rhs[a + 1]!) * 1e-12 * cross) beta[j] = 0;
          if (beta[j] === 0 && sign[a] !== 0) continue;
          index[kept] = j;
          sign[kept++] = sign[a]!;
        }
        s = kept;
        m = s + 1;
        st.computeEta();
        rowsCurrent = false;
        obj = NaN;
        factorFits = false;
        buf.factorIndex = new Int32Array(0);
        lastWorst = Infinity;
        freshStep = false;
      }
    }
    return moved ? true : restore();
  }

  /**
   * After the Hessian of the first `s` active features (`index`, with their `sign`) failed at
   * pivot `row`: a vector v of its null space (`choleskyNullVector`: that row's column is a
   * combination of the columns before it), along which the loss does not change. The penalty is
   * linear along v while no sign changes, so the point moves along v, the way the penalty does not
   * rise (either way where it is flat: all the one-hot levels of a field active, as many positive
   * as negative), to the nearest zero of a coefficient: the objective does not rise, and the
   * model gets sparser (the solution is not unique there; where the finish gave up instead,
   * coordinate descent took 10–17 sweeps at every such λ). Returns the position in
   * `index` of the coefficient now exactly 0, or −1 (the point unchanged) when no coefficient
   * reaches 0 that way or the objective rose beyond rounding (columns close to, not exactly,
   * collinear).
   */
  private flatMove(row: number, s: number, lambda: number, index: Int32Array, sign: Float64Array): number {
    const st = this.st;
    const { pf, alpha } = st.problem;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    const beta = st.beta;
    const m = s + 1;
    const buf = this.buffers!;
    if (buf.nullVector.length < m) buf.nullVector = new Float64Array(m);
    const v = buf.nullVector;
    v.fill(0, 0, m);
    choleskyNullVector(buf.hessian, row, v, m);
    // the penalty's slope along v, and its scale (for "flat")
    let slope = 0;
    let size = 0;
    for (let a = 0; a < s; a++) {
      const j = index[a]!;
      const term = v[a + 1]! * (l1 * pf[j]! * sign[a]! + l2 * pf[j]! * beta[j]!);
      slope += term;
      size += Math.abs(term);
    }
    const flat = Math.abs(slope) <= 1e-9 * size;
    let best = -1;
    let step = Infinity;
    for (let a = 0; a < s; a++) {
      const j = index[a]!;
      if (sign[a] === 0 || v[a + 1] === 0) continue;
      const t = -beta[j]! / v[a + 1]!;
      if (!flat && t * slope > 0) continue;
      if (Math.abs(t) < Math.abs(step)) {
        step = t;
        best = a;
      }
    }
    if (best < 0) return -1;
    const before = st.binomialObjective(lambda);
    const b0 = st.b0;
    // (the step buffer is free between steps; `saved` holds the start that `polish` restores)
    const saved = buf.coef;
    for (let a = 0; a < s; a++) saved[a] = beta[index[a]!]!;
    st.b0 = b0 + step * v[0]!;
    for (let a = 0; a < s; a++) beta[index[a]!] = saved[a]! + step * v[a + 1]!;
    beta[index[best]!] = 0;
    st.computeEta();
    const after = st.binomialObjective(lambda);
    if (after <= before + 1e-13 * Math.abs(before)) return best;
    st.b0 = b0;
    for (let a = 0; a < s; a++) beta[index[a]!] = saved[a]!;
    st.computeEta();
    return -1;
  }

  /**
   * The sign each feature enters the active set with in `polish(…, entering = true)` (0: not
   * entering), set by `enter`.
   */
  private readonly enterSign: Float64Array;

  /**
   * After `confirm` failed on a dense design: the features at 0 that violate their KKT conditions
   * (`grad` exact) join the working set and, with the sign of their gradient, the next `polish`'s
   * active set (one that its step moves the other way leaves it). Returns how many; 0 on sparse
   * designs, whose sweeps are cheap next to a Hessian.
   */
  enter(lambda: number, scaleVar: number): number {
    const st = this.st;
    const sign = this.enterSign;
    sign.fill(0);
    const { x, excluded, pf, alpha } = st.problem;
    if (x.kind !== 'dense') return 0;
    const l1 = lambda * alpha;
    const floor = NEWTON_FLOOR * Math.sqrt(scaleVar);
    const rounding = gradientRounding(st.n, Math.sqrt(this.absR));
    const scales = st.roundingScales();
    let count = 0;
    for (let j = 0; j < st.p; j++) {
      if (excluded[j] || st.beta[j] !== 0 || !(pf[j]! > 0)) continue;
      const g = st.grad[j]!;
      if (
        featureViolation(g, 0, l1 * pf[j]!, 0, Math.max(floor, rounding * scales[j]!)) > this.kktTolerance
      ) {
        sign[j] = g > 0 ? 1 : -1;
        st.addToSet(j);
        count++;
      }
    }
    return count;
  }

  /** Σ weight, Σ resid and Σ |resid| of the last `rowPass` (doubles from the start). */
  private sumW = Number.NaN;
  private sumR = Number.NaN;
  private absR = Number.NaN;

  /**
   * The Newton finish's pass over the rows at the current η: weights W = w p (1 − p) and
   * residuals w (y − p) into the buffers, their sums into `sumW`, `sumR`, `absR`; returns the
   * loss when `withLoss` (the value of `binomialObjective` without its penalty), else 0.
   */
  private rowPass(withLoss: boolean): number {
    const st = this.st;
    const { y, w } = st.problem;
    const { weight, resid } = this.buffers!;
    const clip = st.clip;
    const eta = st.eta;
    let sumW = 0;
    let sumR = 0;
    let absR = 0;
    let loss = 0;
    for (let i = 0; i < st.n; i++) {
      const e = eta[i]!;
      const q = Math.exp(-Math.abs(e)); // e^−|η|, at most 1
      const pi = e >= 0 ? 1 / (1 + q) : q / (1 + q);
      const u = clip !== null && clip[i]! < Infinity ? st.profiledMove(i, e, y[i]! - pi) : 0;
      if (u === 0) {
        weight[i] = w[i]! * pi * (1 - pi);
        resid[i] = w[i]! * (y[i]! - pi);
        if (withLoss) loss += w[i]! * ((e > 0 ? e : 0) + Math.log1p(q) - y[i]! * e);
      } else {
        // a profiled row whose singletons move (`singletons.ts`, the sweeps' model of it)
        const t = clip![i]!;
        weight[i] = (w[i]! * t) / (Math.abs(u) + PROFILE_REACH);
        resid[i] = w[i]! * (u > 0 ? t : -t);
        if (withLoss) loss += w[i]! * st.profiledLoss(i, u);
      }
      sumW += weight[i]!;
      sumR += resid[i]!;
      absR += Math.abs(resid[i]!);
    }
    this.sumW = sumW;
    this.sumR = sumR;
    this.absR = absR;
    return loss;
  }

  /**
   * Whether a Newton finish is worth its cost now: building and factoring the active set's
   * Hessian (multiply-adds: n·s²/2 on a dense design, a third of that in WebAssembly; n·s plus
   * the products of stored entries on a sparse one; s³/3 to factor; its iterations' O(n) work)
   * against the sweeps it would
   * replace. A first try at this λ may cost NEWTON_FIRST_PASSES sweeps, or `passes` once that
   * many were done; a retry (`first` false, `passes` the sweeps since the last try) at most
   * `passes` (ski rental: never much worse than either way alone).
   * Coordinate descent converges in a few sweeps on well-conditioned sparse designs, where a
   * Hessian of thousands of features would cost thousands of sweeps, and needs hundreds on
   * correlated dense ones, where the Hessian costs a few.
   */
  pays(passes: number, first = true): boolean {
    if (this.st.problem.activeSetSolve === 'always') return true;
    return (
      this.costInSweeps() <= (first ? Math.max(NEWTON_FIRST_PASSES, passes) + this.checksInSweeps() : passes)
    );
  }

  /**
   * Dense designs: what the sweeps' checks of every feature (FIRST_CHECKS of them, in JavaScript)
   * cost, in sweeps over the active set; 0 on sparse designs. On a 50,000 × 40 path the first λ
   * with one to three features took 6 sweeps and 8 such checks each where Newton was not tried.
   */
  private checksInSweeps(): number {
    const st = this.st;
    const { x, pf, excluded } = st.problem;
    if (x.kind !== 'dense') return 0;
    let stored = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      if (st.beta[j] !== 0 || pf[j] === 0) stored += st.n;
    }
    let live = 0;
    for (let j = 0; j < st.p; j++) if (!excluded[j]) live++;
    return (FIRST_CHECKS * live * st.n) / (stored + st.n);
  }

  /**
   * Whether a simplified step pays on this design: sparse designs, always; dense ones when
   * building and factoring the Hessian of `s` columns (FILL_COST per row and column, n·s²/2
   * multiply-adds, a third of that in WebAssembly, plus s³/3) costs more than REUSE_STEPS steps
   * (EXP_COST per row and two products).
   */
  private reusePays(s: number): boolean {
    const st = this.st;
    if (st.problem.x.kind !== 'dense') return true;
    const build =
      st.n * s * FILL_COST +
      (st.n * s * s) / 2 / (st.dots() instanceof WasmColumnDots ? 3 : 1) +
      (s * s * s) / 3;
    return build > REUSE_STEPS * st.n * (EXP_COST + 2 * s);
  }

  /** What a Newton finish on the current active set costs, in sweeps over it (`pays`). */
  costInSweeps(): number {
    const st = this.st;
    const { x, pf } = st.problem;
    let s = 0;
    let stored = 0;
    for (let k = 0; k < st.setSize; k++) {
      const j = st.set[k]!;
      if (st.beta[j] !== 0 || pf[j] === 0) {
        s++;
        stored += x.columnNnz(j);
      }
    }
    const build =
      x.kind === 'dense'
        ? (stored * s) / 2 / (st.dots() instanceof WasmColumnDots ? 3 : 1)
        : st.n * s + (stored * s) / 2;
    // plus its iterations' exponentials, logarithms and line searches over all n rows (about six
    // iterations of ~20 multiply-adds' worth per row), which dominate on sparse designs
    const cost = build + (s * s * s) / 3 + 120 * st.n;
    return s > POLISH_MAX ? Infinity : cost / (stored + st.n);
  }

  /**
   * After `newtonPolish` converged on its active set: the exact gradient of every feature at that
   * point (from the residuals it left, w (y − p)), into `grad`, and whether the KKT conditions
   * then hold for all features (no feature outside the active set wants in).
   */
  confirm(lambda: number, scaleVar: number, counts: Pick<Counts, 'kkt'>): boolean {
    const st = this.st;
    st.fullGradient(this.buffers!.resid);
    counts.kkt++;
    // |y − p| ≤ 1: rms(y − p) ≤ √(Σ w |y − p|)
    const rounding = gradientRounding(st.n, Math.sqrt(this.absR));
    return kktViolation(st, lambda, NEWTON_FLOOR * Math.sqrt(scaleVar), rounding) <= this.kktTolerance;
  }

  /**
   * Builds and factors the Hessian of `newtonPolish` at the current point, for the active set in
   * the first `s` entries of the Newton index, from the weights and residuals just computed:
   * [Σ W, Σ W x̃_b; Σ W x̃_a, Σ W x̃_a x̃_b + λ(1−α) pf_a δ_ab] (lower triangle). Returns −1,
   * or, when it is singular to working precision, the row whose pivot failed
   * (`choleskyPivotFailure`: the partial factor is left in the Hessian's buffer).
   */
  private buildFactor(s: number, sumW: number, l2: number): number {
    const st = this.st;
    const { x, mean, scale, pf } = st.problem;
    const buf = this.buffers!;
    const { index, dots, dots2, centered, weight, t, t2 } = buf;
    const h = buf.hessian;
    const n = st.n;
    const m = s + 1;
    const kernels = st.dots();
    st.hessianBuilds++;
    h[0] = sumW;
    kernels.dotMany(index, s, weight, dots);
    for (let a = 0; a < s; a++) {
      const ja = index[a]!;
      centered[a] = dots[a]! - mean[ja]! * sumW; // Σ W (x_a − m_a)
      h[(a + 1) * m] = centered[a]! / scale[ja]!;
    }
    // rows a and a + 1 together: t = W (x_a − m_a) and t2 = W (x_{a+1} − m_{a+1}) share one
    // pass over the design
    // (a dense column in one pass: the same values as −m + 1·x, then times W)
    const values = x instanceof DenseDesign ? x.values : null;
    const fill = (ja: number, into: Float64Array) => {
      const m = mean[ja]!;
      if (values !== null) {
        const off = ja * n;
        for (let i = 0; i < n; i++) into[i] = (values[off + i]! - m) * weight[i]!;
        return;
      }
      into.fill(-m);
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
    // with the design in WebAssembly, the centred weighted columns are made there (the same
    // arithmetic, so the same Hessian) instead of in JavaScript and then copied in
    const wasm = kernels instanceof WasmColumnDots ? kernels : null;
    if (wasm !== null) wasm.setWeights(weight);
    for (let a = 0; a < s; a += 2) {
      if (wasm !== null) {
        const ja = index[a]!;
        if (a + 1 < s) {
          const jb = index[a + 1]!;
          wasm.centeredWeightedDots2(ja, mean[ja]!, jb, mean[jb]!, index, a + 2, dots, dots2);
          storeRow(a, dots);
          storeRow(a + 1, dots2);
        } else {
          wasm.centeredWeightedDots(ja, mean[ja]!, index, a + 1, dots);
          storeRow(a, dots);
        }
        continue;
      }
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
    return choleskyPivotFailure(h, m);
  }
}
