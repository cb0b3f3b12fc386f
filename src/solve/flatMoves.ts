import { choleskyDelete, choleskyFactor, choleskySolve } from './cholesky.js';
import { SparseDesign } from './design.js';
import type { CdState } from './state.js';

/** Flat moves consider at most this many features (a dense Gram matrix of that size). */
export const FLAT_MAX = 400;
/** The Gram matrix of a flat move costs at most this many sweeps over the working set. */
const GRAM_SWEEPS = 10;
/** Ridge of the projection's Gram matrix, relative to its largest diagonal entry. */
const RIDGE = 1e-12;
/** Moves that change the objective by at most this (relative) are taken. */
const ROUNDING = 1e-14;
/** Projections of the direction onto the null space (`step`). */
const PROJECTIONS = 3;

/**
 * Moves along directions that leave η unchanged (binomial). When features are linearly dependent
 * on their rows (rare ids that occur only in the events of another id: a column equals the sum of
 * others there), the loss is flat along a direction of their coefficients while the penalty,
 * whose scales s_j differ, falls along it at a constant rate; the optimum is where a coefficient
 * of that direction reaches zero. Coordinate descent crawls along such a direction (each sweep
 * moves it by the penalty's tiny slope over a curvature), for thousands of sweeps.
 *
 * Given features S (non-zero, the ones that drift), the penalty's gradient is projected onto the
 * null space of their columns x_j / s_j (rows where they occur; the intercept takes the
 * centring) and the point moves along the projection's negative to the first coefficient that
 * reaches zero, which is then exactly zero; repeated on the rest of S while the objective falls.
 */
export class FlatMoves {
  private readonly cols = new Int32Array(FLAT_MAX);
  private readonly keep = new Int32Array(FLAT_MAX);
  /** The features of the moves (`gather`). */
  private readonly all = new Int32Array(FLAT_MAX);
  /** Scratch of `gather`: features taken, rows of the seeds. */
  private readonly inS: Uint8Array;
  private readonly marked: Uint8Array;
  private readonly gram = new Float64Array(FLAT_MAX * FLAT_MAX);
  private readonly factor = new Float64Array(FLAT_MAX * FLAT_MAX);
  private readonly g = new Float64Array(FLAT_MAX);
  private readonly z = new Float64Array(FLAT_MAX);
  private readonly dir = new Float64Array(FLAT_MAX);
  private readonly saved = new Float64Array(FLAT_MAX);
  private readonly work = new Float64Array(FLAT_MAX);
  private readonly column: Float64Array;
  private readonly etaSaved: Float64Array;
  /** Flat moves taken so far (each sets at least one coefficient to zero). */
  moves = 0;

  constructor(private readonly st: CdState) {
    this.column = new Float64Array(st.n);
    this.etaSaved = new Float64Array(st.n);
    this.inS = new Uint8Array(st.p);
    this.marked = new Uint8Array(st.n);
  }

  /**
   * Flat moves on the features `from[0..count)` (all non-zero) at λ; η must be current and `obj`
   * its objective. Returns the objective after the moves (`obj` when none was taken); η stays current.
   */
  move(lambda: number, from: Int32Array, count: number, obj: number): number {
    const st = this.st;
    const { x, scale } = st.problem;
    const { all, cols, gram, column } = this;
    // the Gram matrices cost at most GRAM_SWEEPS sweeps over the working set
    let sweep = 0;
    for (let k = 0; k < st.setSize; k++) sweep += x.columnNnz(st.set[k]!);
    const s = this.gather(from, count);
    let nnz = 0;
    for (let a = 0; a < s; a++) nnz += x.columnNnz(all[a]!);
    if (s < 2 || s * nnz > GRAM_SWEEPS * sweep) return obj;
    let size = s;
    for (let a = 0; a < size; a++) cols[a] = all[a]!;
    // Gram matrix of the columns x_j / s_j
    for (let a = 0; a < size; a++) {
      const ja = cols[a]!;
      x.axpy(ja, 1 / scale[ja]!, column);
      for (let b = 0; b <= a; b++) {
        const jb = cols[b]!;
        const v = x.dot(jb, column) / scale[jb]!;
        gram[a * FLAT_MAX + b] = v;
        gram[b * FLAT_MAX + a] = v;
      }
      x.axpy(ja, -1 / scale[ja]!, column);
    }
    // the factor of G + εI, factored once: the features that reach zero leave it by row deletions
    // (O(s²) each, instead of a factorization of the rest per move)
    const factor = this.factor;
    let maxDiag = 0;
    for (let a = 0; a < size; a++) maxDiag = Math.max(maxDiag, gram[a * FLAT_MAX + a]!);
    for (let a = 0; a < size; a++) {
      for (let b = 0; b <= a; b++) factor[a * FLAT_MAX + b] = gram[a * FLAT_MAX + b]!;
      factor[a * FLAT_MAX + a]! += RIDGE * maxDiag;
    }
    if (!choleskyFactor(factor, size, FLAT_MAX)) return obj;
    while (size >= 2) {
      const next = this.step(lambda, size, obj);
      if (Number.isNaN(next)) break;
      obj = next;
      // drop the features now at zero, and their rows and columns of the Gram matrix and of its
      // factor (in place: the kept indices only move down)
      const keep = this.keep;
      let kept = 0;
      for (let a = 0; a < size; a++) if (st.beta[cols[a]!] !== 0) keep[kept++] = a;
      for (let a = size - 1, f = size; a >= 0; a--)
        if (st.beta[cols[a]!] === 0) choleskyDelete(factor, f--, a, this.work, FLAT_MAX);
      for (let a = 0; a < kept; a++) {
        cols[a] = cols[keep[a]!]!;
        for (let b = 0; b < kept; b++) gram[a * FLAT_MAX + b] = gram[keep[a]! * FLAT_MAX + keep[b]!]!;
      }
      size = kept;
    }
    return obj;
  }

  /**
   * The features of the moves: those of `from` and, on a sparse
   * design, every other non-zero feature of the working set whose rows are all rows of those (the
   * columns a flat direction among them can use), at most FLAT_MAX in all. Returns their number
   * (in `cols`).
   */
  private gather(from: Int32Array, count: number): number {
    const st = this.st;
    const x = st.problem.x;
    const { all: cols, inS } = this;
    let s = 0;
    for (let a = 0; a < count && s < FLAT_MAX; a++) {
      const j = from[a]!;
      cols[s++] = j;
      inS[j] = 1;
    }
    const seeds = s;
    if (x instanceof SparseDesign && s < FLAT_MAX) {
      const { colStart, rowIndex } = x;
      const marked = this.marked;
      let rows = 0;
      for (let a = 0; a < seeds; a++) {
        const j = cols[a]!;
        for (let k = colStart[j]!; k < colStart[j + 1]!; k++) {
          if (!marked[rowIndex[k]!]) rows++;
          marked[rowIndex[k]!] = 1;
        }
      }
      for (let k = 0; k < st.setSize && s < FLAT_MAX; k++) {
        const j = st.set[k]!;
        if (inS[j] || st.beta[j] === 0 || colStart[j + 1]! - colStart[j]! > rows) continue;
        let inside = true;
        for (let q = colStart[j]!; q < colStart[j + 1]! && inside; q++) inside = marked[rowIndex[q]!] === 1;
        if (inside) {
          cols[s++] = j;
          inS[j] = 1;
        }
      }
      for (let a = 0; a < seeds; a++) {
        const j = cols[a]!;
        for (let k = colStart[j]!; k < colStart[j + 1]!; k++) marked[rowIndex[k]!] = 0;
      }
    }
    for (let a = 0; a < s; a++) inS[cols[a]!] = 0;
    return s;
  }

  /**
   * One flat move on `cols[0..size)`; returns the new objective, or NaN when there was none (no
   * descent direction, no breakpoint, or the objective did not fall: the point is restored).
   */
  private step(lambda: number, size: number, obj: number): number {
    const st = this.st;
    const { x, scale, mean, pf, alpha } = st.problem;
    const { cols, gram, factor, g, z, dir, saved } = this;
    // the penalty's gradient on S
    for (let a = 0; a < size; a++) {
      const j = cols[a]!;
      const b = st.beta[j]!;
      g[a] = pf[j]! * (alpha * Math.sign(b) + (1 - alpha) * b);
      dir[a] = -g[a]!;
    }
    // the direction: minus the gradient's part in the null space of G, by removing its part in
    // the row space, (G + εI)⁻¹ G d, a few times (each leaves ε / (eigenvalue + ε) of it)
    for (let r = 0; r < PROJECTIONS; r++) {
      for (let a = 0; a < size; a++) {
        let v = 0;
        for (let b = 0; b < size; b++) v += gram[a * FLAT_MAX + b]! * dir[b]!;
        z[a] = v;
      }
      choleskySolve(factor, size, z, FLAT_MAX);
      for (let a = 0; a < size; a++) dir[a]! -= z[a]!;
    }
    // the first coefficient to reach zero along it
    let tStar = Infinity;
    let slope = 0;
    for (let a = 0; a < size; a++) {
      const d = dir[a]!;
      slope += g[a]! * d;
      const b = st.beta[cols[a]!]!;
      if (d * b < 0 && -b / d < tStar) tStar = -b / d;
    }
    if (!(slope < 0) || !Number.isFinite(tStar)) return NaN;
    this.etaSaved.set(st.eta);
    const b0 = st.b0;
    for (let a = 0; a < size; a++) {
      const j = cols[a]!;
      const old = st.beta[j]!;
      saved[a] = old;
      const v = tStar * dir[a]!;
      if (v === 0) continue;
      // the first to reach zero (and any other at rounding of it) is exactly zero
      const nb = (old + v) * old <= 0 || Math.abs(old + v) <= 1e-12 * Math.abs(old) ? 0 : old + v;
      const u = (nb - old) / scale[j]!;
      st.beta[j] = nb;
      x.axpy(j, u, st.eta);
      st.b0 += u * mean[j]!;
    }
    const next = st.binomialObjective(lambda);
    // the loss is flat along the move and the penalty falls: a change at rounding level of the
    // objective is taken (a coefficient at rounding level of zero ends the move at once)
    if (next <= obj + ROUNDING * Math.abs(obj)) {
      this.moves++;
      return next;
    }
    for (let a = 0; a < size; a++) st.beta[cols[a]!] = saved[a]!;
    st.b0 = b0;
    st.eta.set(this.etaSaved);
    return NaN;
  }
}
