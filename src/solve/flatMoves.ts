import { choleskyFactor, choleskySolve } from './cholesky.js';
import { SparseDesign } from './design.js';
import type { CdState } from './state.js';

/** A flat move's component has at most this many features (dense eliminations of that size). */
export const FLAT_MAX = 400;
/** A component's block of the design has at most this many entries (dense rows × features). */
const BLOCK_MAX = 1 << 20;
/** Flat moves consider at most this many features in all. */
const GATHER_MAX = 8192;
/** The features of the flat moves have at most this many sweeps' non-zeros. */
const GRAM_SWEEPS = 10;
/** The eliminations of a flat move cost at most this many multiply–adds per nonzero of a sweep. */
const ELIMINATION_WORK = 100;
/** Directions whose penalty slope is below this share of its terms' magnitudes are not taken. */
const SLOPE_ROUNDING = 1e-12;
/** Pivots of the elimination below this share of the block's largest entry are zero. */
const PIVOT_TOL = 1e-9;
/** Moves that change the objective by at most this (relative) are taken. */
const ROUNDING = 1e-14;
/** Searches in a row that find no move before later ones back off (each skips twice as many calls). */
const IDLE_FREE = 3;
/** The most calls skipped between two searches. */
const SKIP_MAX = 63;

/**
 * Moves along directions that leave η unchanged (binomial). When features are linearly dependent
 * on their rows (rare ids that occur only in the events of another id: a column equals the sum of
 * others there), the loss is flat along a direction of their coefficients while the penalty,
 * whose scales s_j differ, falls along it at a constant rate; the optimum is where a coefficient
 * of that direction reaches zero. Coordinate descent crawls along such a direction (each sweep
 * moves it by the penalty's tiny slope over a curvature), for thousands of sweeps.
 *
 * Given seeds (non-zero), S holds them and the non-zero features whose rows all lie in theirs,
 * split into components linked by shared rows. In each, a basis of the null space of the columns
 * x_j / s_j (rows where they occur; the intercept takes the centring) comes from an elimination
 * on the design's own entries, the penalty's gradient is projected onto it, and the point moves
 * along the projection's negative to the first coefficient that reaches zero, which is then
 * exactly zero; repeated on the rest of the component while the objective falls. (Projecting
 * with a ridge-regularized Gram matrix, before, had errors the size of the slope sought: the
 * moves stopped or went uphill depending on rounding.)
 */
export class FlatMoves {
  private readonly cols = new Int32Array(FLAT_MAX);
  /** Each of `cols`' column in `block`. */
  private readonly mcol = new Int32Array(FLAT_MAX);
  /** The design on a component's rows (`blockOf`), its echelon form (`nullBasis`), row stride. */
  private block = new Float64Array(0);
  private echelon = new Float64Array(0);
  private stride = 0;
  private readonly rowOf: Int32Array;
  private readonly rowList: Int32Array;
  private readonly pivotCol = new Int32Array(FLAT_MAX);
  private readonly free = new Int32Array(FLAT_MAX);
  /** The null space's basis, one vector per row (`nullBasis`). */
  private readonly basis = new Float64Array(FLAT_MAX * FLAT_MAX);
  /** The features of the moves (`gather`). */
  private readonly all = new Int32Array(GATHER_MAX);
  /** Union–find of `gather`'s features by shared rows, and the features ordered by component. */
  private readonly parent = new Int32Array(GATHER_MAX);
  private readonly order = new Int32Array(GATHER_MAX);
  private readonly compStart = new Int32Array(GATHER_MAX + 1);
  private readonly compFill = new Int32Array(GATHER_MAX);
  /** A column's entries (`entries`). */
  private readonly entryRow: Int32Array;
  private readonly entryValue: Float64Array;
  /** Scratch of `gather`: features taken, rows of the seeds. */
  private readonly inS: Uint8Array;
  private readonly marked: Uint8Array;
  private readonly gram = new Float64Array(FLAT_MAX * FLAT_MAX);
  private readonly g = new Float64Array(FLAT_MAX);
  private readonly z = new Float64Array(FLAT_MAX);
  private readonly dir = new Float64Array(FLAT_MAX);
  private readonly saved = new Float64Array(FLAT_MAX);
  private readonly column: Float64Array;
  private readonly etaSaved: Float64Array;
  /** Flat moves taken so far (each sets at least one coefficient to zero). */
  moves = 0;
  /** Searches so far (calls of `move` not skipped by the back-off). */
  searches = 0;
  /** Searches in a row that found no move, and calls left to skip before the next search. */
  private idle = 0;
  private skip = 0;

  constructor(private readonly st: CdState) {
    this.column = new Float64Array(st.n);
    this.etaSaved = new Float64Array(st.n);
    this.inS = new Uint8Array(st.p);
    this.marked = new Uint8Array(st.n);
    this.rowOf = new Int32Array(st.n).fill(-1);
    this.rowList = new Int32Array(st.n);
    this.entryRow = new Int32Array(st.n);
    this.entryValue = new Float64Array(st.n);
  }

  /**
   * Flat moves on the features `from[0..count)` (all non-zero) at λ; η must be current and `obj`
   * its objective. Returns the objective after the moves (`obj` when none was taken); η stays current.
   * Designs without flat directions would pay a search at every Newton step (on a 20k × 2,000
   * sparse path, 249 searches found none and cost about a fifth of the path's time): after
   * IDLE_FREE searches in a row that found nothing, each further one skips twice as many calls
   * as the last (at most SKIP_MAX); a move resets the count.
   */
  move(lambda: number, from: Int32Array, count: number, obj: number): number {
    if (this.skip > 0) {
      this.skip--;
      return obj;
    }
    this.searches++;
    const moves = this.moves;
    const after = this.search(lambda, from, count, obj);
    if (this.moves > moves) this.idle = 0;
    else if (++this.idle > IDLE_FREE) this.skip = Math.min(SKIP_MAX, 2 ** (this.idle - IDLE_FREE) - 1);
    return after;
  }

  private search(lambda: number, from: Int32Array, count: number, obj: number): number {
    const st = this.st;
    const { x } = st.problem;
    const { all, cols, mcol, parent, order } = this;
    // the features' columns hold at most GRAM_SWEEPS sweeps' non-zeros (each is read a few times)
    let sweep = 0;
    for (let k = 0; k < st.setSize; k++) sweep += x.columnNnz(st.set[k]!);
    const s = this.gather(from, count);
    let nnz = 0;
    for (let a = 0; a < s; a++) nnz += x.columnNnz(all[a]!);
    if (s < 2 || nnz > GRAM_SWEEPS * sweep) return obj;
    // components: features linked by shared rows (a flat direction lies within one)
    for (let a = 0; a < s; a++) parent[a] = a;
    const rowOf = this.rowOf;
    for (let a = 0; a < s; a++) {
      const m = this.entries(all[a]!);
      for (let q = 0; q < m; q++) {
        const i = this.entryRow[q]!;
        if (rowOf[i] < 0) rowOf[i] = a;
        else this.union(a, rowOf[i]);
      }
    }
    for (let a = 0; a < s; a++) {
      const m = this.entries(all[a]!);
      for (let q = 0; q < m; q++) rowOf[this.entryRow[q]!] = -1;
    }
    // the features ordered by component (counting sort on the root)
    const start = this.compStart;
    start.fill(0, 0, s + 1);
    for (let a = 0; a < s; a++) start[this.find(a) + 1]!++;
    for (let a = 0; a < s; a++) start[a + 1]! += start[a]!;
    const fill = this.compFill;
    fill.set(start.subarray(0, s));
    for (let a = 0; a < s; a++) order[fill[this.find(a)]!++] = a;
    // the eliminations and projections (multiply–adds) at most ELIMINATION_WORK sweeps' visits
    let budget = ELIMINATION_WORK * sweep;
    for (let c = 0; c < s && budget > 0; c++) {
      let size = start[c + 1]! - start[c]!;
      if (size < 2 || size > FLAT_MAX) continue;
      for (let a = 0; a < size; a++) {
        cols[a] = all[order[start[c]! + a]!]!;
        mcol[a] = a;
      }
      const rows = this.blockRows(size);
      if (rows * size > BLOCK_MAX) continue;
      this.fillBlock(size, rows);
      while (size >= 2) {
        const work = rows * size * Math.min(rows, size) + size ** 3;
        if (work > budget) break;
        budget -= work;
        const k = this.nullBasis(rows, size);
        if (k === 0) break;
        const next = this.step(lambda, size, k, obj);
        if (Number.isNaN(next)) break;
        obj = next;
        // drop the features now at zero (their columns of the block stay, unused)
        let kept = 0;
        for (let a = 0; a < size; a++) {
          if (st.beta[cols[a]!] === 0) continue;
          cols[kept] = cols[a]!;
          mcol[kept++] = mcol[a]!;
        }
        size = kept;
      }
    }
    return obj;
  }

  private find(a: number): number {
    const parent = this.parent;
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  /** Column j's non-zero entries, in `entryRow` and `entryValue`; returns how many. */
  private entries(j: number): number {
    const x = this.st.problem.x;
    const { entryRow, entryValue } = this;
    let m = 0;
    if (x instanceof SparseDesign) {
      const { colStart, rowIndex, values } = x;
      for (let q = colStart[j]!; q < colStart[j + 1]!; q++) {
        entryRow[m] = rowIndex[q]!;
        entryValue[m++] = values[q]!;
      }
      return m;
    }
    const column = this.column;
    x.axpy(j, 1, column);
    for (let i = 0; i < this.st.n; i++) {
      if (column[i] === 0) continue;
      entryRow[m] = i;
      entryValue[m++] = column[i]!;
      column[i] = 0;
    }
    return m;
  }

  /**
   * The rows where `cols[0..size)` occur (in `rowList`, each row's index there in `rowOf`); returns
   * how many. `fillBlock` then builds the block and clears `rowOf`.
   */
  private blockRows(size: number): number {
    const { cols, rowOf, rowList, entryRow } = this;
    let rows = 0;
    for (let a = 0; a < size; a++) {
      const m = this.entries(cols[a]!);
      for (let q = 0; q < m; q++) {
        const i = entryRow[q]!;
        if (rowOf[i] < 0) {
          rowOf[i] = rows;
          rowList[rows++] = i;
        }
      }
    }
    if (rows * size > BLOCK_MAX) for (let r = 0; r < rows; r++) rowOf[rowList[r]!] = -1;
    return rows;
  }

  /**
   * The block of the design on the `rows` rows of `blockRows` (row-major, stride size, in `block`):
   * x_ij on the original scale, for `cols[0..size)`.
   */
  private fillBlock(size: number, rows: number): void {
    const { cols, rowOf, rowList, entryRow, entryValue } = this;
    if (this.block.length < rows * size) {
      this.block = new Float64Array(rows * size);
      this.echelon = new Float64Array(rows * size);
    }
    const block = this.block;
    block.fill(0, 0, rows * size);
    for (let a = 0; a < size; a++) {
      const m = this.entries(cols[a]!);
      for (let q = 0; q < m; q++) block[rowOf[entryRow[q]!]! * size + a] = entryValue[q]!;
    }
    for (let r = 0; r < rows; r++) rowOf[rowList[r]!] = -1;
    this.stride = size;
  }

  /**
   * A basis of the null space of the design's columns `mcol[0..size)` on the block's rows (so of
   * x_j u_j on the original scale: moves along it leave η unchanged), by Gauss–Jordan elimination
   * with partial pivoting on the block itself: its entries are the design's values (0/1 for ids),
   * so the basis is exact to rounding of O(1) numbers. A Gram matrix's projection would not be:
   * the penalty's gradient lies almost in the columns' span (a flat direction's slope is ~1.5/n of
   * it), the same order as the error of a solve with a singular Gram matrix. Leaves the basis on
   * the β scale (β_j = s_j u_j), one vector per row of `basis`; returns how many.
   */
  private nullBasis(rows: number, size: number): number {
    const { block, echelon, mcol, pivotCol, free, basis, cols } = this;
    const { scale } = this.st.problem;
    const stride = this.stride;
    let largest = 0;
    for (let r = 0; r < rows; r++) {
      for (let a = 0; a < size; a++) {
        const v = block[r * stride + mcol[a]!]!;
        echelon[r * size + a] = v;
        if (Math.abs(v) > largest) largest = Math.abs(v);
      }
    }
    const tol = PIVOT_TOL * largest;
    let rank = 0;
    let nFree = 0;
    for (let c = 0; c < size; c++) {
      let best = -1;
      let bestAbs = tol;
      for (let r = rank; r < rows; r++) {
        const v = Math.abs(echelon[r * size + c]!);
        if (v > bestAbs) {
          bestAbs = v;
          best = r;
        }
      }
      if (best < 0) {
        free[nFree++] = c;
        continue;
      }
      if (best !== rank) {
        for (let q = 0; q < size; q++) {
          const t = echelon[rank * size + q]!;
          echelon[rank * size + q] = echelon[best * size + q]!;
          echelon[best * size + q] = t;
        }
      }
      const inv = 1 / echelon[rank * size + c]!;
      for (let q = c; q < size; q++) echelon[rank * size + q]! *= inv;
      for (let r = 0; r < rows; r++) {
        if (r === rank) continue;
        const f = echelon[r * size + c]!;
        if (f === 0) continue;
        for (let q = c; q < size; q++) echelon[r * size + q]! -= f * echelon[rank * size + q]!;
      }
      pivotCol[rank++] = c;
    }
    // null vector of free column f: 1 at f, minus the echelon's column f at the pivots
    for (let k = 0; k < nFree; k++) {
      const f = free[k]!;
      const row = k * FLAT_MAX;
      basis.fill(0, row, row + size);
      basis[row + f] = scale[cols[f]!]!;
      for (let i = 0; i < rank; i++) {
        const c = pivotCol[i]!;
        basis[row + c] = -echelon[i * size + f]! * scale[cols[c]!]!;
      }
    }
    return nFree;
  }

  /**
   * The features of the moves: those of `from` and, on a sparse
   * design, every other non-zero feature of the working set whose rows are all rows of those (the
   * columns a flat direction among them can use), at most GATHER_MAX in all. Returns their number
   * (in `cols`).
   */
  private gather(from: Int32Array, count: number): number {
    const st = this.st;
    const x = st.problem.x;
    const { all: cols, inS } = this;
    let s = 0;
    for (let a = 0; a < count && s < GATHER_MAX; a++) {
      const j = from[a]!;
      cols[s++] = j;
      inS[j] = 1;
    }
    const seeds = s;
    if (x instanceof SparseDesign && s < GATHER_MAX) {
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
      for (let k = 0; k < st.setSize && s < GATHER_MAX; k++) {
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
   * One flat move on `cols[0..size)` along the null space in `basis[0..k)`; returns the new
   * objective, or NaN when there was none (no descent direction, no breakpoint, or the objective
   * did not fall: the point is restored).
   */
  private step(lambda: number, size: number, k: number, obj: number): number {
    const st = this.st;
    const { x, scale, mean, pf, alpha } = st.problem;
    const { cols, basis, gram, g, z, dir, saved } = this;
    // the penalty's gradient on S
    for (let a = 0; a < size; a++) {
      const j = cols[a]!;
      const b = st.beta[j]!;
      g[a] = pf[j]! * (alpha * Math.sign(b) + (1 - alpha) * b);
    }
    // the direction: minus the gradient's projection on the null space, N (NᵀN)⁻¹ Nᵀ g with the
    // basis N as rows of `basis` (NᵀN is well conditioned: each vector has a 1 of its own)
    for (let p = 0; p < k; p++) {
      let v = 0;
      for (let a = 0; a < size; a++) v += basis[p * FLAT_MAX + a]! * g[a]!;
      z[p] = v;
      for (let q = 0; q <= p; q++) {
        let d = 0;
        for (let a = 0; a < size; a++) d += basis[p * FLAT_MAX + a]! * basis[q * FLAT_MAX + a]!;
        gram[p * FLAT_MAX + q] = d;
      }
    }
    if (!choleskyFactor(gram, k, FLAT_MAX)) return NaN;
    choleskySolve(gram, k, z, FLAT_MAX);
    dir.fill(0, 0, size);
    for (let p = 0; p < k; p++) {
      const zp = z[p]!;
      if (zp === 0) continue;
      for (let a = 0; a < size; a++) dir[a]! -= zp * basis[p * FLAT_MAX + a]!;
    }
    // the first coefficient to reach zero along it
    let tStar = Infinity;
    let slope = 0;
    let scaleOfSlope = 0;
    for (let a = 0; a < size; a++) {
      const d = dir[a]!;
      slope += g[a]! * d;
      scaleOfSlope += Math.abs(g[a]! * d);
      const b = st.beta[cols[a]!]!;
      if (d * b < 0 && -b / d < tStar) tStar = -b / d;
    }
    // (a slope at rounding level of its terms: a move between equal columns, which gains nothing)
    if (!(slope < -SLOPE_ROUNDING * scaleOfSlope) || !Number.isFinite(tStar)) return NaN;
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
