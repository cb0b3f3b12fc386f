/**
 * Dense Cholesky factorization and solve for small symmetric positive-definite systems (the
 * active-set matrices of the solver). Row-major storage with a row stride that may exceed the
 * system's size, in a caller-owned buffer, so repeated solves allocate nothing and a factor can
 * grow by rows when features join the active set.
 */

/** Σ_{k<len} a[p + k] · a[q + k], with four accumulators (the factorization's inner loop). */
function rowDot(a: Float64Array, p: number, q: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[p + k]! * a[q + k]!;
    s1 += a[p + k + 1]! * a[q + k + 1]!;
    s2 += a[p + k + 2]! * a[q + k + 2]!;
    s3 += a[p + k + 3]! * a[q + k + 3]!;
  }
  for (; k < len; k++) s0 += a[p + k]! * a[q + k]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Factors the leading `s × s` block of `a` (row-major, row stride `stride`) in place into L with
 * A = L Lᵀ (lower triangle; the upper triangle is left as it was), row by row from row `from`:
 * rows before it must already hold the factor of the leading `from × from` block, so a factor
 * extends in O(s² · added rows) when rows are appended. Returns false when a pivot is not
 * positive beyond rounding, i.e. the matrix is singular or indefinite to working precision.
 */
export function choleskyFactor(a: Float64Array, s: number, stride = s, from = 0): boolean {
  return choleskyPivotFailure(a, s, stride, from) < 0;
}

/**
 * `choleskyFactor`, returning −1 when it succeeds, else the row i whose pivot failed: rows before
 * it then hold the factor L₁₁ of the leading i × i block, and row i's first i entries its row of
 * L (L₁₁⁻¹ a_{0:i, i}), from which a vector of the (near) null space follows (`choleskyNullVector`).
 */
export function choleskyPivotFailure(a: Float64Array, s: number, stride = s, from = 0): number {
  for (let i = from; i < s; i++) {
    const ri = i * stride;
    for (let j = 0; j < i; j++) {
      const rj = j * stride;
      a[ri + j] = (a[ri + j]! - rowDot(a, ri, rj, j)) / a[rj + j]!;
    }
    const diag = a[ri + i]!;
    const d = diag - rowDot(a, ri, ri, i);
    // a pivot at rounding level of the diagonal means (near) collinear columns
    if (!(d > 1e-13 * Math.abs(diag))) return i;
    a[ri + i] = Math.sqrt(d);
  }
  return -1;
}

/**
 * After `choleskyPivotFailure` returned row `i`: v with v_i = −1, v_k = u_k for k < i, where
 * L₁₁ᵀ u = (row i of L), so that A v = 0 on the leading (i + 1) × (i + 1) block to rounding (column
 * i is the combination Σ u_k · column k of the ones before it). Writes v's first i + 1 entries.
 */
export function choleskyNullVector(l: Float64Array, i: number, v: Float64Array, stride: number): void {
  const ri = i * stride;
  for (let k = 0; k < i; k++) v[k] = l[ri + k]!;
  // Lᵀ u = b by rows of L, as in `choleskySolve`
  for (let r = i - 1; r >= 0; r--) {
    const row = r * stride;
    const u = v[r]! / l[row + r]!;
    v[r] = u;
    for (let k = 0; k < r; k++) v[k]! -= l[row + k]! * u;
  }
  v[i] = -1;
}

/** Solves L Lᵀ x = b in place (`b` becomes x), with L from `choleskyFactor` (same stride). */
export function choleskySolve(l: Float64Array, s: number, b: Float64Array, stride = s): void {
  for (let i = 0; i < s; i++) {
    const row = i * stride;
    let s0 = 0;
    let s1 = 0;
    let k = 0;
    for (; k + 1 < i; k += 2) {
      s0 += l[row + k]! * b[k]!;
      s1 += l[row + k + 1]! * b[k + 1]!;
    }
    if (k < i) s0 += l[row + k]! * b[k]!;
    b[i] = (b[i]! - (s0 + s1)) / l[row + i]!;
  }
  // Lᵀ x = y by rows of L (contiguous in memory): x_i is final once the rows below have been
  // subtracted, then row i's entries take x_i out of the entries before it
  for (let i = s - 1; i >= 0; i--) {
    const row = i * stride;
    const v = b[i]! / l[row + i]!;
    b[i] = v;
    for (let k = 0; k < i; k++) b[k]! -= l[row + k]! * v;
  }
}

/**
 * Removes row and column `r` from the factor of an `s × s` matrix in place, in O((s − r)²): the
 * rows below move up by one and the trailing block takes the rank-one update with the removed
 * column, L₂₂' L₂₂'ᵀ = L₂₂ L₂₂ᵀ + l lᵀ (Givens-style, always stable: no pivot can vanish).
 * The leading `(s − 1) × (s − 1)` block then holds the factor of A without row and column r.
 * `work` needs `s` entries.
 */
export function choleskyDelete(l: Float64Array, s: number, r: number, work: Float64Array, stride = s): void {
  const m = s - 1 - r; // size of the trailing block
  for (let k = 0; k < m; k++) work[k] = l[(r + 1 + k) * stride + r]!;
  // move rows r+1.. up by one, dropping column r
  for (let i = r + 1; i < s; i++) {
    const from = i * stride;
    const to = (i - 1) * stride;
    for (let c = 0; c < r; c++) l[to + c] = l[from + c]!;
    for (let c = r + 1; c <= i; c++) l[to + c - 1] = l[from + c]!;
  }
  // rank-one update of the trailing block (rows and columns r .. s−2 now)
  for (let k = 0; k < m; k++) {
    const dk = (r + k) * stride + r + k;
    const lkk = l[dk]!;
    const xk = work[k]!;
    const rad = Math.sqrt(lkk * lkk + xk * xk);
    const c = rad / lkk;
    const sn = xk / lkk;
    l[dk] = rad;
    for (let i = k + 1; i < m; i++) {
      const e = (r + i) * stride + r + k;
      const v = (l[e]! + sn * work[i]!) / c;
      l[e] = v;
      work[i] = c * work[i]! - sn * v;
    }
  }
}
