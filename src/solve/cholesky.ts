/**
 * Dense Cholesky factorization and solve for small symmetric positive-definite systems (the
 * active-set Gram matrices of the solver). Row-major `s × s` storage in a caller-owned buffer, so
 * repeated solves allocate nothing.
 */

/**
 * Factors the leading `s × s` block of `a` (row-major, stride `s`) in place into L with A = L Lᵀ
 * (lower triangle; the upper triangle is left as garbage). Returns false when a pivot is not
 * positive beyond rounding, i.e. the matrix is singular or indefinite to working precision.
 */
export function choleskyFactor(a: Float64Array, s: number): boolean {
  for (let j = 0; j < s; j++) {
    const rowJ = j * s;
    let d = a[rowJ + j]!;
    for (let k = 0; k < j; k++) d -= a[rowJ + k]! * a[rowJ + k]!;
    // a pivot at rounding level of the diagonal means (near) collinear columns
    if (!(d > 1e-13 * Math.abs(a[rowJ + j]!))) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < s; i++) {
      const rowI = i * s;
      let v = a[rowI + j]!;
      for (let k = 0; k < j; k++) v -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = v / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (`b` becomes x), with L from `choleskyFactor`. */
export function choleskySolve(l: Float64Array, s: number, b: Float64Array): void {
  for (let i = 0; i < s; i++) {
    const row = i * s;
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= l[row + k]! * b[k]!;
    b[i] = v / l[row + i]!;
  }
  for (let i = s - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let k = i + 1; k < s; k++) v -= l[k * s + i]! * b[k]!;
    b[i] = v / l[i * s + i]!;
  }
}
