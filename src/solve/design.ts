import { DataError } from '../core/errors.js';

/**
 * A design matrix X (n rows, p columns) the solvers read one column at a time. Two layouts:
 * dense column-major (`DenseDesign`) and compressed sparse column (`SparseDesign`). Columns are
 * never centered or scaled in memory: solvers center and scale implicitly (as glmnet does for
 * sparse inputs), so a sparse design stays sparse and a dense one is never copied.
 *
 * The column kernels below are the only place where rows are touched; they allocate nothing.
 */
export interface Design {
  readonly kind: 'dense' | 'sparse';
  readonly rows: number;
  readonly cols: number;
  /** Σ_i x_ij a_i */
  dot(j: number, a: Float64Array): number;
  /** out[k] = Σ_i x_{i, cols[k]} a_i for k < count (several columns against one vector). */
  dotMany(cols: Int32Array, count: number, a: Float64Array, out: Float64Array): void;
  /** `dotMany` against two vectors at once: outA[k] = Σ_i x_{i,cols[k]} a_i, outB[k] likewise with b. */
  dotMany2(
    cols: Int32Array,
    count: number,
    a: Float64Array,
    b: Float64Array,
    outA: Float64Array,
    outB: Float64Array,
  ): void;
  /** out_i += Σ_{k < count} coef_k · x_{i, cols[k]} (a combination of columns). */
  axpyMany(cols: Int32Array, count: number, coef: Float64Array, out: Float64Array): void;
  /** Σ_i x_ij a_i b_i */
  dot2(j: number, a: Float64Array, b: Float64Array): number;
  /** Σ_i a_i x_ij² */
  weightedSquares(j: number, a: Float64Array): number;
  /** Σ_i a_i (x_ij − m)², computed without cancellation (for variances); `a` sums to `total`. */
  centeredSquares(j: number, a: Float64Array, m: number, total: number): number;
  /**
   * Σ_i a_i (x_ij − m)(b_i + shift), the gradient kernel with implicit centering. Dense designs
   * compute it directly; sparse ones from `sumA` = Σ a_i, `sumAB` = Σ a_i b_i and
   * `colA` = Σ_i a_i x_ij, touching only the stored entries.
   */
  centeredDot(
    j: number,
    a: Float64Array,
    b: Float64Array,
    m: number,
    shift: number,
    sumA: number,
    sumAB: number,
    colA: number,
  ): number;
  /** out_i += alpha · x_ij */
  axpy(j: number, alpha: number, out: Float64Array): void;
  /** Number of stored entries in column j (n for dense). */
  columnNnz(j: number): number;
  /** True when every entry of column j in a row with a_i > 0 is 0 or 1 (a 0/1 indicator). */
  isIndicator(j: number, a: Float64Array): boolean;
  /**
   * With a summing to 1: the share of the weight in rows where column j is not 0 (Σ a_i over them),
   * exactly 1 when no row of positive weight has a 0 in column j.
   */
  presentShare(j: number, a: Float64Array): number;
  /** The design restricted to the given rows, in that order (for cross-validation folds). */
  selectRows(rows: Int32Array): Design;
  /** Entry (i, j) (slow; for tests and small utilities). */
  get(i: number, j: number): number;
}

/** An entry that is not a number, as an error message shows it. */
function notNumber(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Dense column-major design: entry (i, j) is `values[j * rows + i]`. */
export class DenseDesign implements Design {
  readonly kind = 'dense' as const;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly values: Float64Array,
  ) {
    if (values.length !== rows * cols) {
      throw new DataError(
        `dense design: expected ${rows}×${cols} = ${rows * cols} values, got ${values.length}`,
      );
    }
  }

  /**
   * Builds a dense design from row arrays (`rows[i][j]`). An entry that is not a number (from
   * parsed JSON: null for a missing value, "1.5") is a DataError: a Float64Array would make null 0
   * and "1.5" 1.5 without a word.
   */
  static fromRows(data: ReadonlyArray<ArrayLike<number>>): DenseDesign {
    const n = data.length;
    const p = n === 0 ? 0 : data[0]!.length;
    const values = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      const row = data[i]!;
      if (row.length !== p) throw new DataError(`row ${i} has ${row.length} values, expected ${p}`);
      for (let j = 0; j < p; j++) {
        const v: unknown = row[j];
        if (typeof v !== 'number')
          throw new DataError(
            `design row ${i}, column ${j} is ${notNumber(v)}: every entry must be a finite number (drop or impute that row)`,
          );
        values[j * n + i] = v;
      }
    }
    return new DenseDesign(n, p, values);
  }

  dot(j: number, a: Float64Array): number {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    // four accumulators: independent adds pipeline (the kernel dominates covariance updates)
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += x[off + i]! * a[i]!;
      s1 += x[off + i + 1]! * a[i + 1]!;
      s2 += x[off + i + 2]! * a[i + 2]!;
      s3 += x[off + i + 3]! * a[i + 3]!;
    }
    for (; i < n; i++) s0 += x[off + i]! * a[i]!;
    return s0 + s1 + (s2 + s3);
  }

  /**
   * Four columns per pass over `a`: each a_i is loaded once for four products, which is what
   * bounds the plain kernel (the Gram columns of covariance mode are made of these).
   */
  dotMany(cols: Int32Array, count: number, a: Float64Array, out: Float64Array): void {
    const x = this.values;
    const n = this.rows;
    let k = 0;
    for (; k + 3 < count; k += 4) {
      const o0 = cols[k]! * n;
      const o1 = cols[k + 1]! * n;
      const o2 = cols[k + 2]! * n;
      const o3 = cols[k + 3]! * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const v = a[i]!;
        s0 += x[o0 + i]! * v;
        s1 += x[o1 + i]! * v;
        s2 += x[o2 + i]! * v;
        s3 += x[o3 + i]! * v;
      }
      out[k] = s0;
      out[k + 1] = s1;
      out[k + 2] = s2;
      out[k + 3] = s3;
    }
    for (; k < count; k++) out[k] = this.dot(cols[k]!, a);
  }

  /** Four columns × two vectors per pass: eight products for six loads (the Gram kernel). */
  dotMany2(
    cols: Int32Array,
    count: number,
    a: Float64Array,
    b: Float64Array,
    outA: Float64Array,
    outB: Float64Array,
  ): void {
    const x = this.values;
    const n = this.rows;
    let k = 0;
    for (; k + 3 < count; k += 4) {
      const o0 = cols[k]! * n;
      const o1 = cols[k + 1]! * n;
      const o2 = cols[k + 2]! * n;
      const o3 = cols[k + 3]! * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      let r3 = 0;
      for (let i = 0; i < n; i++) {
        const u = a[i]!;
        const v = b[i]!;
        const x0 = x[o0 + i]!;
        const x1 = x[o1 + i]!;
        const x2 = x[o2 + i]!;
        const x3 = x[o3 + i]!;
        s0 += x0 * u;
        s1 += x1 * u;
        s2 += x2 * u;
        s3 += x3 * u;
        r0 += x0 * v;
        r1 += x1 * v;
        r2 += x2 * v;
        r3 += x3 * v;
      }
      outA[k] = s0;
      outA[k + 1] = s1;
      outA[k + 2] = s2;
      outA[k + 3] = s3;
      outB[k] = r0;
      outB[k + 1] = r1;
      outB[k + 2] = r2;
      outB[k + 3] = r3;
    }
    for (; k < count; k++) {
      outA[k] = this.dot(cols[k]!, a);
      outB[k] = this.dot(cols[k]!, b);
    }
  }

  dot2(j: number, a: Float64Array, b: Float64Array): number {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x[off + i]! * a[i]! * b[i]!;
    return s;
  }

  weightedSquares(j: number, a: Float64Array): number {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = x[off + i]!;
      s += a[i]! * v * v;
    }
    return s;
  }

  centeredDot(j: number, a: Float64Array, b: Float64Array, m: number, shift: number): number {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    let s0 = 0;
    let s1 = 0;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += a[i]! * (x[off + i]! - m) * (b[i]! + shift);
      s1 += a[i + 1]! * (x[off + i + 1]! - m) * (b[i + 1]! + shift);
    }
    for (; i < n; i++) s0 += a[i]! * (x[off + i]! - m) * (b[i]! + shift);
    return s0 + s1;
  }

  centeredSquares(j: number, a: Float64Array, m: number): number {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = x[off + i]! - m;
      s += a[i]! * d * d;
    }
    return s;
  }

  axpyMany(cols: Int32Array, count: number, coef: Float64Array, out: Float64Array): void {
    for (let k = 0; k < count; k++) if (coef[k] !== 0) this.axpy(cols[k]!, coef[k]!, out);
  }

  axpy(j: number, alpha: number, out: Float64Array): void {
    const x = this.values;
    const n = this.rows;
    const off = j * n;
    for (let i = 0; i < n; i++) out[i]! += alpha * x[off + i]!;
  }

  columnNnz(): number {
    return this.rows;
  }

  isIndicator(j: number, a: Float64Array): boolean {
    const x = this.values;
    const off = j * this.rows;
    for (let i = 0; i < this.rows; i++) {
      const v = x[off + i]!;
      if (v !== 0 && v !== 1 && a[i]! > 0) return false;
    }
    return true;
  }

  presentShare(j: number, a: Float64Array): number {
    const x = this.values;
    const off = j * this.rows;
    let sum = 0;
    let absent = false;
    for (let i = 0; i < this.rows; i++) {
      if (x[off + i]! !== 0) sum += a[i]!;
      else if (a[i]! > 0) absent = true;
    }
    return absent ? sum : 1;
  }

  selectRows(rows: Int32Array): DenseDesign {
    const m = rows.length;
    const n = this.rows;
    const out = new Float64Array(m * this.cols);
    for (let j = 0; j < this.cols; j++) {
      const off = j * n;
      const o = j * m;
      for (let k = 0; k < m; k++) out[o + k] = this.values[off + rows[k]!]!;
    }
    return new DenseDesign(m, this.cols, out);
  }

  get(i: number, j: number): number {
    return this.values[j * this.rows + i]!;
  }
}

/**
 * Compressed sparse column design: column j's entries are `values[k]` at rows `rowIndex[k]` for
 * `colStart[j] <= k < colStart[j + 1]`. Row indices within a column are distinct.
 */
/** A sparse design whose stored entries fill at least this share of its cells is solved as dense (`solverLayout`)… */
export const DENSE_SHARE = 0.5;
/** …unless it has more cells than this (1 GiB of doubles). */
const DENSE_MAX_CELLS = 2 ** 27;

/**
 * The layout the solver runs fastest on: a sparse design whose stored entries fill at least
 * DENSE_SHARE of its cells (a CSV of numbers with a few text or missing cells, whose one-hot
 * levels made it sparse) as a dense one with the same entries (a cell not stored is 0); any
 * other design as it is. Dense designs have the WebAssembly kernels of the binomial Newton
 * finish: on a 50,000 × 40 CSV with two text columns (87 % of its cells stored), a binomial path
 * took 3.5–4.0 s of CPU against 5.9–6.9 s as sparse, `fit` with 10-fold CV 43 s against 61 s.
 */
export function solverLayout(x: Design): Design {
  if (!(x instanceof SparseDesign)) return x;
  const cells = x.rows * x.cols;
  const stored = x.colStart[x.cols]!;
  if (cells === 0 || cells > DENSE_MAX_CELLS || stored < DENSE_SHARE * cells) return x;
  const values = new Float64Array(cells);
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    for (let k = x.colStart[j]!, e = x.colStart[j + 1]!; k < e; k++)
      values[off + x.rowIndex[k]!] = x.values[k]!;
  }
  return new DenseDesign(x.rows, x.cols, values);
}

/** Each of `indices` must be a whole number in [0, bound): a `what` index of a triplet. */
function checkIndices(what: string, indices: ArrayLike<number>, bound: number): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i! < 0 || i! >= bound)
      throw new DataError(
        `sparse design: triplet ${k}'s ${what} index ${String(i)} is not a whole number in [0, ${bound})`,
      );
  }
}

export class SparseDesign implements Design {
  readonly kind = 'sparse' as const;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly colStart: Int32Array,
    readonly rowIndex: Int32Array,
    readonly values: Float64Array,
  ) {
    if (colStart.length !== cols + 1)
      throw new DataError(`sparse design: colStart must have ${cols + 1} entries`);
    const nnz = colStart[cols]!;
    if (rowIndex.length < nnz || values.length < nnz)
      throw new DataError('sparse design: rowIndex/values shorter than colStart says');
    for (let k = 0; k < nnz; k++) {
      const r = rowIndex[k]!;
      if (r < 0 || r >= rows) throw new DataError(`sparse design: row index ${r} out of range [0, ${rows})`);
    }
  }

  /** Builds a CSC design from (row, column, value) triplets; duplicates are summed. */
  static fromTriplets(
    rows: number,
    cols: number,
    r: ArrayLike<number>,
    c: ArrayLike<number>,
    v: ArrayLike<number>,
  ): SparseDesign {
    // an index out of range, or not whole, or a missing one, would drop or move an entry unseen
    if (r.length !== c.length || v.length !== c.length)
      throw new DataError(
        `sparse design: the triplets' row indices, column indices and values must be as many, got ${r.length}, ${c.length} and ${v.length}`,
      );
    checkIndices('row', r, rows);
    checkIndices('column', c, cols);
    const counts = new Int32Array(cols + 1);
    for (let k = 0; k < c.length; k++) counts[c[k]! + 1]!++;
    for (let j = 0; j < cols; j++) counts[j + 1]! += counts[j]!;
    const next = counts.slice(0, cols);
    const rowIndex = new Int32Array(c.length);
    const values = new Float64Array(c.length);
    for (let k = 0; k < c.length; k++) {
      const pos = next[c[k]!]!++;
      rowIndex[pos] = r[k]!;
      values[pos] = v[k]!;
    }
    // merge duplicates within a column
    const seen = new Int32Array(rows).fill(-1);
    const colStart = new Int32Array(cols + 1);
    let w = 0;
    for (let j = 0; j < cols; j++) {
      const start = w;
      for (let k = counts[j]!; k < counts[j + 1]!; k++) {
        const i = rowIndex[k]!;
        const at = seen[i]!;
        if (at >= start) values[at]! += values[k]!;
        else {
          seen[i] = w;
          rowIndex[w] = i;
          values[w] = values[k]!;
          w++;
        }
      }
      colStart[j + 1] = w;
    }
    return new SparseDesign(rows, cols, colStart, rowIndex.slice(0, w), values.slice(0, w));
  }

  /**
   * `fromRows` for rows whose column statistics the caller already has (as `windowDesign` does
   * while compacting): `counts[j + 1]` = rows with column j (an index repeated within a row
   * counted once) and `repeats` = entries beyond the first of their column in their row. Summed
   * alike; without repeats no row index is read back and the arrays need no compaction after.
   * `counts` is used as scratch (`counts[0 .. cols]` are overwritten). `into`: arrays to write the
   * entries into (used when long enough, else new ones).
   */
  static fromCountedRows(
    rows: number,
    cols: number,
    rowStart: ArrayLike<number>,
    colIndex: ArrayLike<number>,
    values: ArrayLike<number>,
    counts: Int32Array,
    repeats: number,
    into?: { readonly rowIndex: Int32Array; readonly values: Float64Array },
  ): SparseDesign {
    const colStart = new Int32Array(cols + 1);
    for (let j = 0; j < cols; j++) colStart[j + 1] = colStart[j]! + counts[j + 1]!;
    const nnz = colStart[cols]!;
    if (nnz + repeats !== rowStart[rows]!)
      throw new DataError('sparse design: column counts and repeats do not add up to the entries');
    const next = counts;
    next.set(colStart.subarray(0, cols));
    const reuse = into !== undefined && into.rowIndex.length >= nnz && into.values.length >= nnz;
    const rowIndex = reuse ? into.rowIndex : new Int32Array(nnz);
    const out = reuse ? into.values : new Float64Array(nnz);
    if (repeats === 0) {
      for (let i = 0; i < rows; i++) {
        for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) {
          const pos = next[colIndex[k]!]!++;
          rowIndex[pos] = i;
          out[pos] = values[k]!;
        }
      }
    } else {
      // rows in order: a repeated index lands next to its row's first entry of the column
      for (let i = 0; i < rows; i++) {
        for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) {
          const j = colIndex[k]!;
          const pos = next[j]!;
          if (pos > colStart[j]! && rowIndex[pos - 1] === i) out[pos - 1]! += values[k]!;
          else {
            rowIndex[pos] = i;
            out[pos] = values[k]!;
            next[j] = pos + 1;
          }
        }
      }
    }
    return new SparseDesign(rows, cols, colStart, rowIndex, out);
  }

  /**
   * Builds a CSC design from rows (CSR: row i's entries are `colIndex[k]`, `values[k]` for
   * `rowStart[i] <= k < rowStart[i + 1]`) by one counting sort; an index repeated within a row is
   * summed. The same design as `fromTriplets` on those entries, without a row index per entry.
   */
  static fromRows(
    rows: number,
    cols: number,
    rowStart: ArrayLike<number>,
    colIndex: ArrayLike<number>,
    values: ArrayLike<number>,
  ): SparseDesign {
    const nnz = rowStart[rows]!;
    const start = new Int32Array(cols + 1);
    for (let k = 0; k < nnz; k++) start[colIndex[k]! + 1]!++;
    for (let j = 0; j < cols; j++) start[j + 1]! += start[j]!;
    const next = start.slice(0, cols);
    const rowIndex = new Int32Array(nnz);
    const out = new Float64Array(nnz);
    // rows in order, so a column's entries come sorted by row and a repeated index lands next to
    // its first entry
    for (let i = 0; i < rows; i++) {
      for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) {
        const j = colIndex[k]!;
        const pos = next[j]!;
        if (pos > start[j]! && rowIndex[pos - 1] === i) out[pos - 1]! += values[k]!;
        else {
          rowIndex[pos] = i;
          out[pos] = values[k]!;
          next[j]!++;
        }
      }
    }
    // close the gaps left by repeated indices
    const colStart = new Int32Array(cols + 1);
    let w = 0;
    for (let j = 0; j < cols; j++) {
      for (let k = start[j]!; k < next[j]!; k++, w++) {
        rowIndex[w] = rowIndex[k]!;
        out[w] = out[k]!;
      }
      colStart[j + 1] = w;
    }
    return new SparseDesign(
      rows,
      cols,
      colStart,
      w === nnz ? rowIndex : rowIndex.slice(0, w),
      w === nnz ? out : out.slice(0, w),
    );
  }

  dotMany2(
    cols: Int32Array,
    count: number,
    a: Float64Array,
    b: Float64Array,
    outA: Float64Array,
    outB: Float64Array,
  ): void {
    for (let k = 0; k < count; k++) {
      outA[k] = this.dot(cols[k]!, a);
      outB[k] = this.dot(cols[k]!, b);
    }
  }

  dotMany(cols: Int32Array, count: number, a: Float64Array, out: Float64Array): void {
    for (let k = 0; k < count; k++) out[k] = this.dot(cols[k]!, a);
  }

  dot(j: number, a: Float64Array): number {
    const ri = this.rowIndex;
    const x = this.values;
    // two accumulators: the gathers of one overlap the adds of the other. An odd count's last
    // entry goes to s0 through the loop's own statement, not a tail after it: a tail's loads had
    // no type feedback when the function was optimized and deoptimized it on every odd column
    // (the code stayed installed: 1,357 deopts in one replay of the sparse-ids stream)
    let s0 = 0;
    let s1 = 0;
    const e = this.colStart[j + 1]!;
    for (let k = this.colStart[j]!; k < e; k += 2) {
      s0 += x[k]! * a[ri[k]!]!;
      if (k + 1 === e) break;
      s1 += x[k + 1]! * a[ri[k + 1]!]!;
    }
    return s0 + s1;
  }

  dot2(j: number, a: Float64Array, b: Float64Array): number {
    const ri = this.rowIndex;
    const x = this.values;
    // two accumulators (the WebAssembly kernel sums in the same order); an odd count's last
    // entry goes to s0 inside the loop, as in `dot`
    let s0 = 0;
    let s1 = 0;
    const e = this.colStart[j + 1]!;
    for (let k = this.colStart[j]!; k < e; k += 2) {
      const i0 = ri[k]!;
      s0 += x[k]! * a[i0]! * b[i0]!;
      if (k + 1 === e) break;
      const i1 = ri[k + 1]!;
      s1 += x[k + 1]! * a[i1]! * b[i1]!;
    }
    return s0 + s1;
  }

  weightedSquares(j: number, a: Float64Array): number {
    const ri = this.rowIndex;
    const x = this.values;
    let s = 0;
    for (let k = this.colStart[j]!, e = this.colStart[j + 1]!; k < e; k++) {
      const v = x[k]!;
      s += a[ri[k]!]! * v * v;
    }
    return s;
  }

  centeredDot(
    j: number,
    a: Float64Array,
    b: Float64Array,
    m: number,
    shift: number,
    sumA: number,
    sumAB: number,
    colA: number,
  ): number {
    return this.dot2(j, a, b) + shift * colA - m * (sumAB + shift * sumA);
  }

  centeredSquares(j: number, a: Float64Array, m: number, total: number): number {
    const ri = this.rowIndex;
    const x = this.values;
    const b = this.colStart[j]!;
    const e = this.colStart[j + 1]!;
    // the zeros' m² each, as m²·total less the entries' rows; with an entry in every row, none (no
    // m²·total − Σ a m² to cancel: a column of 1s had a spread of 2e-8 from it, and was not constant)
    const z = e - b === this.rows ? 0 : m * m;
    let s = z * total;
    for (let k = b; k < e; k++) {
      const d = x[k]! - m;
      s += a[ri[k]!]! * (d * d - z);
    }
    return s;
  }

  axpyMany(cols: Int32Array, count: number, coef: Float64Array, out: Float64Array): void {
    for (let k = 0; k < count; k++) if (coef[k] !== 0) this.axpy(cols[k]!, coef[k]!, out);
  }

  axpy(j: number, alpha: number, out: Float64Array): void {
    const ri = this.rowIndex;
    const x = this.values;
    for (let k = this.colStart[j]!, e = this.colStart[j + 1]!; k < e; k++) out[ri[k]!]! += alpha * x[k]!;
  }

  columnNnz(j: number): number {
    return this.colStart[j + 1]! - this.colStart[j]!;
  }

  isIndicator(j: number, a: Float64Array): boolean {
    const x = this.values;
    for (let k = this.colStart[j]!, e = this.colStart[j + 1]!; k < e; k++) {
      const v = x[k]!;
      if (v !== 0 && v !== 1 && a[this.rowIndex[k]!]! > 0) return false;
    }
    return true;
  }

  presentShare(j: number, a: Float64Array): number {
    const x = this.values;
    const ri = this.rowIndex;
    const start = this.colStart[j]!;
    const end = this.colStart[j + 1]!;
    let sum = 0;
    let absent = end - start < this.rows;
    for (let k = start; k < end; k++) {
      if (x[k]! !== 0) sum += a[ri[k]!]!;
      else if (a[ri[k]!]! > 0) absent = true;
    }
    return absent ? sum : 1;
  }

  selectRows(rows: Int32Array): SparseDesign {
    const where = new Int32Array(this.rows).fill(-1);
    for (let k = 0; k < rows.length; k++) where[rows[k]!] = k;
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let j = 0; j < this.cols; j++) {
      for (let k = this.colStart[j]!; k < this.colStart[j + 1]!; k++) {
        const to = where[this.rowIndex[k]!]!;
        if (to >= 0) {
          r.push(to);
          c.push(j);
          v.push(this.values[k]!);
        }
      }
    }
    return SparseDesign.fromTriplets(rows.length, this.cols, r, c, v);
  }

  get(i: number, j: number): number {
    for (let k = this.colStart[j]!; k < this.colStart[j + 1]!; k++)
      if (this.rowIndex[k] === i) return this.values[k]!;
    return 0;
  }
}

/** Weighted column means and population standard deviations (weights `w` summing to 1). */
export interface ColumnStats {
  readonly mean: Float64Array;
  readonly sd: Float64Array;
}

export function columnStats(x: Design, w: Float64Array): ColumnStats {
  if (x instanceof SparseDesign) return sparseColumnStats(x, w);
  const p = x.cols;
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const m = x.dot(j, w);
    mean[j] = m;
    const v = x.centeredSquares(j, w, m, 1);
    // a column whose spread is at rounding level of its mean is constant
    sd[j] = v > 1e-26 * m * m && v > 0 ? Math.sqrt(v) : 0;
  }
  return { mean, sd };
}

/** Whether every entry of `w` is `c` (a loop: `every`'s callback boxed each entry, 0.6 MB a warm refit). */
export function allEqual(w: Float64Array, c: number): boolean {
  for (let i = 0; i < w.length; i++) if (w[i] !== c) return false;
  return true;
}

/**
 * `columnStats` of a sparse design in one loop: `dot` and `centeredSquares` inlined, the same
 * operations in the same order (the same bits), without two calls per column (a refit window
 * has ~186k columns; each call's result was a boxed number). With equal weights (the default)
 * the weight of an entry is that constant, not read through its row index: the same numbers,
 * and a third less time on the refit bench's window.
 */
function sparseColumnStats(x: SparseDesign, w: Float64Array): ColumnStats {
  const p = x.cols;
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  const ri = x.rowIndex;
  const v = x.values;
  const colStart = x.colStart;
  const c = w[0] ?? 0;
  const equal = allEqual(w, c);
  // the one-row columns, listed on the way (`oneRowColumns`) unless already known
  const list = oneRow.has(x)
    ? null
    : { cols: new Int32Array(p), rows: new Int32Array(p), values: new Float64Array(p), count: 0 };
  let b = colStart[0]!;
  for (let j = 0; j < p; j++) {
    const e = colStart[j + 1]!;
    if (list !== null && e - b === 1) {
      list.cols[list.count] = j;
      list.rows[list.count] = ri[b]!;
      list.values[list.count++] = v[b]!;
    }
    // SparseDesign.dot
    let s0 = 0;
    let s1 = 0;
    let k = b;
    for (; k + 1 < e; k += 2) {
      s0 += v[k]! * (equal ? c : w[ri[k]!]!);
      s1 += v[k + 1]! * (equal ? c : w[ri[k + 1]!]!);
    }
    if (k < e) s0 += v[k]! * (equal ? c : w[ri[k]!]!);
    const m = s0 + s1;
    mean[j] = m;
    // SparseDesign.centeredSquares with total 1
    const z = e - b === x.rows ? 0 : m * m;
    let s = z * 1;
    for (k = b; k < e; k++) {
      const d = v[k]! - m;
      s += (equal ? c : w[ri[k]!]!) * (d * d - z);
    }
    // a column whose spread is at rounding level of its mean is constant
    sd[j] = s > 1e-26 * m * m && s > 0 ? Math.sqrt(s) : 0;
    b = e;
  }
  if (list !== null)
    oneRow.set(x, {
      cols: list.cols.slice(0, list.count),
      rows: list.rows.slice(0, list.count),
      values: list.values.slice(0, list.count),
    });
  return { mean, sd };
}

/**
 * A sparse design's columns stored in exactly one row (increasing), with that row and value: copied,
 * so a fit's pass over them reads none of the design's entries (a cache miss each on a refit window).
 */
export interface OneRowColumns {
  readonly cols: Int32Array;
  readonly rows: Int32Array;
  readonly values: Float64Array;
}

/** Per design (a design is not changed once made): recorded by the column statistics' pass. */
const oneRow = new WeakMap<SparseDesign, OneRowColumns>();

/**
 * `x`'s one-row columns: as `columnStats` listed them in its pass over every column (`prepareProblem`
 * runs it before any fit), else by a pass of their own.
 */
export function oneRowColumns(x: SparseDesign): OneRowColumns {
  let out = oneRow.get(x);
  if (out === undefined) {
    const { colStart, rowIndex, values } = x;
    let count = 0;
    for (let j = 0; j < x.cols; j++) if (colStart[j + 1]! - colStart[j]! === 1) count++;
    const cols = new Int32Array(count);
    const rows = new Int32Array(count);
    const vals = new Float64Array(count);
    for (let j = 0, q = 0; j < x.cols; j++) {
      if (colStart[j + 1]! - colStart[j]! !== 1) continue;
      cols[q] = j;
      rows[q] = rowIndex[colStart[j]!]!;
      vals[q++] = values[colStart[j]!]!;
    }
    out = { cols, rows, values: vals };
    oneRow.set(x, out);
  }
  return out;
}
