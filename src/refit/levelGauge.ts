import type { WindowRows } from './window.js';

/**
 * The text fields of a refit window with exactly one level in every row, and each level's share of
 * the rows. For such a field the levels' indicators add up to 1 in every row, so adding c to every
 * level's coefficient and −c to the intercept changes no prediction: the lasso's optimum is then
 * not unique (with equal penalty weights, as `standardize: "auto"` gives 0/1 columns), or nearly
 * not (with sds), and two refits of the same data can split the same model differently between
 * the levels and the intercept. `centerLevels` gives what does not depend on that split.
 */
export interface LevelGauge {
  /** The window's first and last rows (ordinals): the refit whose coefficients this is for. */
  readonly first: number;
  readonly last: number;
  readonly fields: readonly GaugeField[];
}

export interface GaugeField {
  readonly field: string;
  /** The levels' feature names (`field=value`), and their shares of the window's rows (sum 1). */
  readonly levels: readonly string[];
  readonly shares: Float64Array;
  /** The levels' columns in the window's rows (from `levelGauge`; not needed by `centerLevels`). */
  readonly columns?: Int32Array;
}

/** How a window's columns are named: a one-hot column's field (null for others) and its name. */
export interface ColumnNames {
  fieldOf(index: number): string | null;
  nameOf(index: number): string;
}

/**
 * The window's complete one-hot fields (`LevelGauge`), or null when there is none. O(non-zeros of
 * the window) typed-array work, plus one `fieldOf` per distinct column.
 */
export function levelGauge(rows: WindowRows, names: ColumnNames): LevelGauge | null {
  const { rowStart, cols } = rows;
  const n = rows.rows;
  if (n === 0) return null;
  // a complete field is in the first row: its one-hot fields are the only candidates
  const fieldNumbers = new Map<string, number>();
  const fieldNames: string[] = [];
  for (let k = rowStart[0]; k < rowStart[1]; k++) {
    const field = names.fieldOf(cols[k]);
    if (field !== null && !fieldNumbers.has(field)) {
      fieldNumbers.set(field, fieldNames.length);
      fieldNames.push(field);
    }
  }
  const fieldCount = fieldNames.length;
  if (fieldCount === 0) return null;
  const nnz = rowStart[n];
  let width = 0;
  for (let k = 0; k < nnz; k++) if (cols[k] >= width) width = cols[k] + 1;
  // per column: -2 not looked up yet, -1 of no candidate field, else its field's number
  const fieldAt = new Int32Array(width).fill(-2);
  const counts = new Int32Array(width);
  const occurrences = new Int32Array(fieldCount);
  let alive = fieldCount;
  for (let r = 0; r < n; r++) {
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const j = cols[k];
      let f = fieldAt[j];
      if (f === -2) {
        const field = names.fieldOf(j);
        f = field === null ? -1 : (fieldNumbers.get(field) ?? -1);
        fieldAt[j] = f;
      }
      if (f < 0) continue;
      counts[j]++;
      occurrences[f]++;
    }
    // each candidate once in each row so far, else it is out (-1 for good)
    for (let f = 0; f < fieldCount; f++) {
      if (occurrences[f] === r + 1 || occurrences[f] < 0) continue;
      occurrences[f] = -1 - n;
      if (--alive === 0) return null;
    }
  }
  const fields: GaugeField[] = [];
  for (let f = 0; f < fieldCount; f++) {
    if (occurrences[f] !== n) continue;
    const columns: number[] = [];
    for (let j = 0; j < width; j++) if (fieldAt[j] === f && counts[j] > 0) columns.push(j);
    // one level in every row: a constant column, whose coefficient the intercept already is
    if (columns.length < 2) continue;
    const shares = new Float64Array(columns.length);
    columns.forEach((j, l) => (shares[l] = counts[j] / n));
    fields.push({
      field: fieldNames[f],
      levels: columns.map((j) => names.nameOf(j)),
      shares,
      columns: Int32Array.from(columns),
    });
  }
  return fields.length === 0 ? null : { first: rows.first, last: rows.last, fields };
}

/**
 * A field's centre moves from the levels' average to their median as its levels in effect
 * (1 / Σ share², the count of equal shares with the same spread) go from the first to the second,
 * in proportion: a field near the boundary does not jump from one to the other between refits.
 */
export const MEDIAN_LEVELS: readonly [number, number] = [6, 10];
/** The median's smoothing: a logistic of this width times the range of the field's coefficients. */
const MEDIAN_BANDWIDTH = 0.05;

/**
 * The coefficients with each complete field's levels measured from the field's centre, the same for
 * every split of the model between that field's levels and the intercept, each level weighed by its
 * share of the window's rows: level l gets β_l − centre (β = 0 for a level the model left out). The
 * centre of a field of many levels (`MEDIAN_LEVELS`) is their median, which leaves the many levels a
 * fit leaves at 0 beside a few large ones near 0 (from the average they would all move with the large
 * ones, together, and enter the support together); that of a field of a few levels is their average,
 * since its median sits at one of them and moves to another as shares and coefficients change. Other
 * coefficients are copied. The result has no prototype (feature names are data).
 */
export function centerLevels(
  coefficients: Readonly<Record<string, number>>,
  gauge: LevelGauge,
): Record<string, number> {
  const centered = Object.create(null) as Record<string, number>;
  for (const name of Object.keys(coefficients)) centered[name] = coefficients[name];
  const valueOf = (level: string): number => (Object.hasOwn(coefficients, level) ? coefficients[level] : 0);
  for (const { levels, shares } of gauge.fields) {
    const values = levels.map(valueOf);
    let squares = 0;
    let mean = 0;
    for (let l = 0; l < levels.length; l++) {
      squares += shares[l] * shares[l];
      mean += shares[l] * values[l];
    }
    const [few, many] = MEDIAN_LEVELS;
    const toMedian = Math.min(1, Math.max(0, (1 / squares - few) / (many - few)));
    const centre = toMedian === 0 ? mean : (1 - toMedian) * mean + toMedian * smoothMedian(values, shares);
    for (let l = 0; l < levels.length; l++) {
      const v = values[l] - centre;
      if (v !== 0) centered[levels[l]] = v;
      else delete centered[levels[l]];
    }
  }
  return centered;
}

/**
 * The median of `values` weighted by `shares` (summing to 1), continuous in both: t with
 * Σ_l share_l · σ((t − v_l) / h) = ½, σ the logistic and h `MEDIAN_BANDWIDTH` times the range of the
 * values (a point mass per level would make the median jump as shares change); the values
 * themselves when they are all equal. Found by bisection within the range.
 */
export function smoothMedian(values: readonly number[], shares: ArrayLike<number>): number {
  // equal values pooled (the levels a fit leaves at 0 are most of a large field): each bisection
  // step then costs one exponential per distinct value
  const pooled = new Map<number, number>();
  for (let l = 0; l < values.length; l++) pooled.set(values[l], (pooled.get(values[l]) ?? 0) + shares[l]);
  const distinct = Float64Array.from(pooled.keys());
  const weights = Float64Array.from(pooled.values());
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of distinct) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return lo;
  const h = MEDIAN_BANDWIDTH * (hi - lo);
  const below = (t: number): number => {
    let f = 0;
    for (let l = 0; l < distinct.length; l++) f += weights[l] / (1 + Math.exp(-(t - distinct[l]) / h));
    return f;
  };
  for (let i = 0; i < 60 && hi - lo > 1e-12 * h; i++) {
    const t = (lo + hi) / 2;
    if (below(t) < 0.5) lo = t;
    else hi = t;
  }
  return (lo + hi) / 2;
}
