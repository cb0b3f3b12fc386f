/**
 * Dense Cholesky factorization and solve for small symmetric positive-definite systems (the
 * active-set matrices of the solver). Row-major storage with a row stride that may exceed the
 * system's size, in a caller-owned buffer, so repeated solves allocate nothing and a factor can
 * grow by rows when features join the active set.
 */

/**
 * Factors the leading `s × s` block of `a` (row-major, row stride `stride`) in place into L with
 * A = L Lᵀ (lower triangle; the upper triangle is left as it was), row by row from row `from`:
 * rows before it must already hold the factor of the leading `from × from` block, so a factor
 * extends in O(s² · added rows) when rows are appended. Returns false when a pivot is not
 * positive beyond rounding, i.e. the matrix is singular or indefinite to working precision.
 */
export function choleskyFactor(a: Float64Array, s: number, stride = s, from = 0): boolean {
  for (let i = from; i < s; i++) {
    const ri = i * stride;
    for (let j = 0; j < i; j++) {
      const rj = j * stride;
      let v = a[ri + j]!;
      for (let k = 0; k < j; k++) v -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = v / a[rj + j]!;
    }
    const diag = a[ri + i]!;
    let d = diag;
    for (let k = 0; k < i; k++) d -= a[ri + k]! * a[ri + k]!;
    // a pivot at rounding level of the diagonal means (near) collinear columns
    if (!(d > 1e-13 * Math.abs(diag))) return false;
    a[ri + i] = Math.sqrt(d);
  }
  return true;
}

/** Solves L Lᵀ x = b in place (`b` becomes x), with L from `choleskyFactor` (same stride). */
export function choleskySolve(l: Float64Array, s: number, b: Float64Array, stride = s): void {
  for (let i = 0; i < s; i++) {
    const row = i * stride;
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= l[row + k]! * b[k]!;
    b[i] = v / l[row + i]!;
  }
  for (let i = s - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let k = i + 1; k < s; k++) v -= l[k * stride + i]! * b[k]!;
    b[i] = v / l[i * stride + i]!;
  }
}
