import type { Problem } from './problem.js';

/** One column that is a linear combination of earlier ones and the intercept (in the rows of weight > 0). */
export interface AliasedColumn {
  readonly column: number;
  /** x_column = constant + Σ coefficient · x_term, over earlier columns that are not aliased. */
  readonly terms: ReadonlyArray<{
    readonly column: number;
    readonly coefficient: number;
    readonly mean: number;
  }>;
  readonly constant: number;
  /** The column's weighted mean (each term's is beside it): the constant of rounded coefficients. */
  readonly mean: number;
  /** The column's weighted sd (the scale of the constant's digits worth printing). */
  readonly sd: number;
  /** |constant| at or below this is the rounding of the means (printed as no constant). */
  readonly constantNoise: number;
}

/**
 * R's `lm` tolerance: a column whose part not explained by the earlier columns and the intercept
 * has a norm of at most this share of its own (centred) norm is aliased.
 */
const ALIAS_TOLERANCE = 1e-7;
/**
 * ... or of at most this many roundings of its values (relative to its norm about 0): a column far
 * from 0 holds its variation to no better than that.
 */
const ROUNDINGS = 64 * Number.EPSILON;
/** Rows × columns above which the check is not made (its dense copy: 8 bytes each). */
export const ALIAS_CELLS_LIMIT = 1e7;
/** Rows × columns² above which the check is not made (its arithmetic). */
export const ALIAS_WORK_LIMIT = 1e9;

/**
 * The columns of `problem.given` (those not excluded) that are linear combinations of earlier ones
 * and the intercept in the rows of weight > 0, found as R's `lm` finds aliased coefficients: the
 * weighted, centred columns orthogonalized in column order (Gram–Schmidt, each twice, which keeps
 * the residuals accurate to rounding for ill-conditioned columns), a column whose residual norm
 * falls to `ALIAS_TOLERANCE` of its centred norm (or `ROUNDINGS` of its norm about 0) is aliased
 * and its combination solved from the triangular factor of the columns kept. Null when the check
 * would cost more than the limits (rows × columns, rows × columns²).
 */
export function aliasedColumns(
  problem: Problem,
  limits: { readonly cells?: number; readonly work?: number } = {},
): AliasedColumn[] | null {
  const x = problem.given;
  const w = problem.w;
  const n = x.rows;
  const cols: number[] = [];
  for (let j = 0; j < x.cols; j++) if (!problem.excluded[j]) cols.push(j);
  const p = cols.length;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (w[i]! > 0) rows.push(i);
  const m = rows.length;
  if (!withinAliasLimits(m, p, limits)) return null;
  if (p === 0 || m === 0) return [];
  let total = 0;
  const root = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    total += w[rows[r]!]!;
    root[r] = Math.sqrt(w[rows[r]!]!);
  }
  const means = new Float64Array(p);
  const column = new Float64Array(n);
  // the kept columns' orthonormal basis (m rows each) and the triangular factor R (p × p, by kept index)
  const basis: Float64Array[] = [];
  const factor = new Float64Array(p * p);
  const norms = new Float64Array(p);
  const kept: number[] = [];
  const aliased: AliasedColumn[] = [];
  const projection = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    column.fill(0);
    x.axpy(cols[k]!, 1, column);
    const v = new Float64Array(m);
    // the weighted mean in two passes (the second corrects the first's rounding: a column far from
    // 0 centred on a mean off by its rounding would carry some of the intercept's direction)
    let sum = 0;
    for (let r = 0; r < m; r++) sum += w[rows[r]!]! * column[rows[r]!]!;
    let mean = sum / total;
    let correction = 0;
    for (let r = 0; r < m; r++) correction += w[rows[r]!]! * (column[rows[r]!]! - mean);
    mean += correction / total;
    means[k] = mean;
    let centred = 0;
    let about0 = 0;
    for (let r = 0; r < m; r++) {
      const value = column[rows[r]!]!;
      v[r] = root[r]! * (value - mean);
      centred += v[r]! * v[r]!;
      about0 += w[rows[r]!]! * value * value;
    }
    centred = Math.sqrt(centred);
    norms[k] = centred;
    const s = kept.length;
    projection.fill(0, 0, s);
    for (let pass = 0; pass < 2; pass++)
      for (let a = 0; a < s; a++) {
        const q = basis[a]!;
        let d = 0;
        for (let r = 0; r < m; r++) d += q[r]! * v[r]!;
        for (let r = 0; r < m; r++) v[r]! -= d * q[r]!;
        projection[a]! += d;
      }
    let residual = 0;
    for (let r = 0; r < m; r++) residual += v[r]! * v[r]!;
    residual = Math.sqrt(residual);
    if (residual > ALIAS_TOLERANCE * centred && residual > ROUNDINGS * Math.sqrt(about0)) {
      for (let a = 0; a < s; a++) factor[a * p + s] = projection[a]!;
      factor[s * p + s] = residual;
      for (let r = 0; r < m; r++) v[r]! /= residual;
      basis.push(v);
      kept.push(k);
      continue;
    }
    // aliased: R c = projection (back substitution), x_k − m_k = Σ c_a (x_a − m_a)
    const c = new Float64Array(s);
    for (let a = s - 1; a >= 0; a--) {
      let d = projection[a]!;
      for (let b = a + 1; b < s; b++) d -= factor[a * p + b]! * c[b]!;
      c[a] = d / factor[a * p + a]!;
    }
    const sd = centred / Math.sqrt(total);
    let constant = means[k]!;
    let meanSize = Math.abs(means[k]!);
    // how far rounding moves the constant: a column far from 0 (mean m, sd s) holds its variation
    // to about ε m, which moves a coefficient by ε m / s and the constant by that times m
    let drift = (means[k]! * means[k]!) / sd;
    let largest = 0;
    for (let a = 0; a < s; a++) largest = Math.max(largest, Math.abs(c[a]!) * norms[kept[a]!]!);
    const terms: Array<{ column: number; coefficient: number; mean: number }> = [];
    for (let a = 0; a < s; a++) {
      const mean = means[kept[a]!]!;
      constant -= c[a]! * mean;
      meanSize += Math.abs(c[a]! * mean);
      drift += (Math.abs(c[a]!) * mean * mean) / (norms[kept[a]!]! / Math.sqrt(total));
      // terms whose part of the column is at the rounding level are left out
      if (Math.abs(c[a]!) * norms[kept[a]!]! > 1e-9 * largest)
        terms.push({ column: cols[kept[a]!]!, coefficient: c[a]!, mean });
    }
    // (the coefficients are least-squares estimates over m rows: their rounding averages by √m)
    const constantNoise = ROUNDINGS * meanSize + (16 * Number.EPSILON * drift) / Math.sqrt(m) + 1e-9 * sd;
    aliased.push({ column: cols[k]!, terms, constant, mean: means[k]!, sd, constantNoise });
  }
  return aliased;
}

function withinAliasLimits(
  rows: number,
  columns: number,
  limits: { readonly cells?: number; readonly work?: number } = {},
): boolean {
  return (
    rows * columns <= (limits.cells ?? ALIAS_CELLS_LIMIT) &&
    rows * columns * columns <= (limits.work ?? ALIAS_WORK_LIMIT)
  );
}

/** False when `aliasedColumns` would not check the problem (past its limits). */
export function aliasCheckRuns(
  problem: Problem,
  limits: { readonly cells?: number; readonly work?: number } = {},
): boolean {
  let rows = 0;
  for (let i = 0; i < problem.w.length; i++) if (problem.w[i]! > 0) rows++;
  let columns = 0;
  for (let j = 0; j < problem.given.cols; j++) if (!problem.excluded[j]) columns++;
  return withinAliasLimits(rows, columns, limits);
}

/**
 * A column name as the equation shows it: in CSV quotes when it could be read as more than a name
 * (a comma, a semicolon, a quote, a space, a sign or a dot of the equation's, or a number).
 */
function shownName(name: string): string {
  // a one-hot name's value is not quoted for a space, but is for what the equation writes
  const value = name.includes('=') ? name.slice(name.indexOf('=') + 1) : '';
  if (/ [+−=] |·/.test(value)) return `"${name.replaceAll('"', '""')}"`;
  const plain =
    !/[,;" +−·=]/.test(name.replace(/=.*$/s, '')) &&
    !/[,;"]/.test(name) &&
    !/^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(name);
  return plain && name.trim() === name && name !== '' ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A number with a true minus sign. */
const signed = (v: number): string => (v < 0 ? `−${-v}` : String(v));

/**
 * `x2 = 2·x`, `plan=c = 1 − plan=a − plan=b`: coefficients to 4 significant digits, the constant to
 * the digits that matter beside the column's sd; at most `maxTerms` terms, then "… (N more terms)".
 */
export function aliasText(alias: AliasedColumn, nameOf: (j: number) => string, maxTerms = 4): string {
  const parts: string[] = [];
  const rounded = (v: number) => Number(v.toPrecision(4));
  // the constant that goes with the coefficients as shown, and how far their rounding moves it: a
  // constant within that (and the rounding of the data) is not shown (thirds shown as 0.3333 beside
  // means of 0.07 moved it by 2e-6; a coefficient of 1.0000000057 shown as 1 beside a mean of 1.3e8
  // moves it by 0.8, where the data's own rounding made the exact constant −0.47 and not 0.3)
  let constant = alias.mean;
  let shift = 0;
  for (const t of alias.terms) {
    constant -= rounded(t.coefficient) * t.mean;
    shift += Math.abs((t.coefficient - rounded(t.coefficient)) * t.mean);
  }
  const noise = alias.constantNoise + 2 * shift;
  if (Math.abs(constant) > noise) {
    // 4 digits beside the column's sd, and none below the rounding's reach (a copy of a column
    // near 1e8 has a constant of −1e8 to about 1e3)
    const size = Math.log10(Math.abs(constant));
    const bySd = 4 + Math.max(0, Math.ceil(size - Math.log10(Math.max(alias.sd, 1e-300))));
    const byNoise = Math.max(1, Math.ceil(size - Math.log10(noise)));
    parts.push(signed(Number(constant.toPrecision(Math.min(17, bySd, byNoise)))));
  }
  // largest first; of equal size, positive first (c = b − a rather than c = −a + b)
  const terms = [...alias.terms].sort(
    (a, b) =>
      Math.abs(rounded(b.coefficient)) - Math.abs(rounded(a.coefficient)) ||
      Math.sign(b.coefficient) - Math.sign(a.coefficient),
  );
  for (const t of terms.slice(0, maxTerms)) {
    const c = rounded(t.coefficient);
    const size = Math.abs(c);
    const body = size === 1 ? shownName(nameOf(t.column)) : `${size}·${shownName(nameOf(t.column))}`;
    parts.push(parts.length === 0 ? (c < 0 ? `−${body}` : body) : `${c < 0 ? '−' : '+'} ${body}`);
  }
  if (terms.length > maxTerms) parts.push(`… (${terms.length - maxTerms} more terms)`);
  return `${shownName(nameOf(alias.column))} = ${parts.length > 0 ? parts.join(' ') : '0'}`;
}
