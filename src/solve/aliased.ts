import type { Problem } from './problem.js';

/** One column that is a linear combination of earlier ones and the intercept (in the rows of weight > 0). */
export interface AliasedColumn {
  readonly column: number;
  /** x_column = constant + Σ coefficient · x_term, over earlier columns that are not aliased. */
  readonly terms: ReadonlyArray<{ readonly column: number; readonly coefficient: number }>;
  readonly constant: number;
}

/**
 * A column whose part not explained by the earlier columns and the intercept has at most this
 * share of its own (weighted, centered) sum of squares is aliased: R² > 1 − 1e-11, a residual sd
 * under ~3e-6 of the column's, at the rounding level of a Gram matrix's Cholesky factor.
 */
const ALIAS_SHARE = 1e-11;
/** Work (columns × (rows + non-zeros)) above which the check is not made. */
export const ALIAS_WORK_LIMIT = 3e8;

/**
 * The columns of the design (those not excluded) that are linear combinations of earlier ones
 * and the intercept in the rows of weight > 0, found as R's `lm` finds aliased coefficients: the
 * weighted, centered Gram matrix factored in column order (Cholesky), a column whose residual sum
 * of squares falls to `ALIAS_SHARE` of its own is aliased and left out of the factor, and its
 * combination is solved from the factor. Null when the check would cost more than
 * `ALIAS_WORK_LIMIT` (columns × (rows + the design's non-zeros)).
 */
export function aliasedColumns(problem: Problem, workLimit = ALIAS_WORK_LIMIT): AliasedColumn[] | null {
  // the solver's copy: columns far from 0 beside their spread shifted towards it (less cancellation)
  const x = problem.x;
  const shift = problem.columnShift;
  const w = problem.w;
  const n = x.rows;
  const cols: number[] = [];
  for (let j = 0; j < x.cols; j++) if (!problem.excluded[j]) cols.push(j);
  const p = cols.length;
  let nnz = 0;
  for (const j of cols) nnz += x.columnNnz(j);
  if (p * (n + nnz) > workLimit) return null;
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i]!;
  if (!(total > 0) || p === 0) return [];
  const weighted = new Float64Array(n);
  // weighted means: Σ w x_j / Σ w
  const means = new Float64Array(p);
  const all = Int32Array.from(cols);
  x.dotMany(all, p, w, means);
  for (let k = 0; k < p; k++) means[k]! /= total;
  // G[k][l] = Σ w (x_k − m_k)(x_l − m_l) = Σ w (x_k − m_k) x_l: a row per column
  const gram = new Float64Array(p * p);
  const column = new Float64Array(n);
  const row = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    column.fill(0);
    x.axpy(cols[k]!, 1, column);
    const m = means[k]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weighted[i] = w[i]! * (column[i]! - m);
    x.dotMany(all, p, weighted, row);
    // Σ a (x_l − m_l) = Σ a x_l − m_l Σ a: Σ a is 0 but for rounding, which this takes out
    for (let l = 0; l < p; l++) gram[k * p + l] = row[l]! - means[l]! * sum;
  }
  // Cholesky in column order over the kept columns: L (p × p, rows of kept columns only)
  const factor = new Float64Array(p * p);
  const kept: number[] = [];
  const aliased: AliasedColumn[] = [];
  const z = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const own = gram[k * p + k]!;
    // z = L⁻¹ g (g: G's entries of column k against the kept columns), by forward substitution
    const r = kept.length;
    for (let a = 0; a < r; a++) {
      let s = gram[kept[a]! * p + k]!;
      for (let b = 0; b < a; b++) s -= factor[a * p + b]! * z[b]!;
      z[a] = s / factor[a * p + a]!;
    }
    let residual = own;
    for (let a = 0; a < r; a++) residual -= z[a]! * z[a]!;
    if (residual > ALIAS_SHARE * own) {
      for (let a = 0; a < r; a++) factor[r * p + a] = z[a]!;
      factor[r * p + r] = Math.sqrt(residual);
      kept.push(k);
      continue;
    }
    // aliased: c = L⁻ᵀ z (back substitution), x_k − m_k = Σ c_a (x_a − m_a)
    const c = new Float64Array(r);
    for (let a = r - 1; a >= 0; a--) {
      let s = z[a]!;
      for (let b = a + 1; b < r; b++) s -= factor[b * p + a]! * c[b]!;
      c[a] = s / factor[a * p + a]!;
    }
    // on the given columns (the shifted ones plus their shift)
    const given = (a: number) => means[a]! + (shift === null ? 0 : shift[cols[a]!]!);
    let constant = given(k);
    const terms: Array<{ column: number; coefficient: number }> = [];
    let largest = 0;
    for (let a = 0; a < r; a++)
      largest = Math.max(largest, Math.abs(c[a]! * Math.sqrt(gram[kept[a]! * p + kept[a]!]!)));
    for (let a = 0; a < r; a++) {
      constant -= c[a]! * given(kept[a]!);
      // terms whose part of the column is at the rounding level are left out
      if (Math.abs(c[a]! * Math.sqrt(gram[kept[a]! * p + kept[a]!]!)) > 1e-9 * largest)
        terms.push({ column: cols[kept[a]!]!, coefficient: c[a]! });
    }
    aliased.push({ column: cols[k]!, terms, constant });
  }
  return aliased;
}

/** `x2 = 2·x`, `plan=c = 1 − plan=a − plan=b` (at most `maxTerms` terms, then "…"). */
export function aliasText(alias: AliasedColumn, nameOf: (j: number) => string, maxTerms = 4): string {
  const round = (v: number) => Number(v.toPrecision(4));
  const parts: string[] = [];
  const constant = round(alias.constant);
  const scale = Math.max(1, Math.abs(alias.constant), ...alias.terms.map((t) => Math.abs(t.coefficient)));
  if (Math.abs(alias.constant) > 1e-9 * scale) parts.push(String(constant));
  const terms = [...alias.terms].sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient));
  for (const t of terms.slice(0, maxTerms)) {
    const c = round(t.coefficient);
    const size = Math.abs(c);
    const body = size === 1 ? nameOf(t.column) : `${size}·${nameOf(t.column)}`;
    parts.push(parts.length === 0 ? (c < 0 ? `−${body}` : body) : `${c < 0 ? '−' : '+'} ${body}`);
  }
  if (terms.length > maxTerms) parts.push(`+ … (${terms.length - maxTerms} more)`);
  return `${nameOf(alias.column)} = ${parts.length > 0 ? parts.join(' ') : '0'}`;
}
