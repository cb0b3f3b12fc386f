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
    fields.push({ field: fieldNames[f], levels: columns.map((j) => names.nameOf(j)), shares });
  }
  return fields.length === 0 ? null : { first: rows.first, last: rows.last, fields };
}

/**
 * The coefficients with each complete field's levels measured from their average: level l of a
 * field gets β_l − Σ_m share_m β_m (β = 0 for a level the model left out), the same for every
 * split of the model between that field's levels and the intercept. Other coefficients are
 * copied. The result has no prototype (feature names are data).
 */
export function centerLevels(
  coefficients: Readonly<Record<string, number>>,
  gauge: LevelGauge,
): Record<string, number> {
  const centered = Object.create(null) as Record<string, number>;
  for (const name of Object.keys(coefficients)) centered[name] = coefficients[name];
  for (const { levels, shares } of gauge.fields) {
    let mean = 0;
    for (let l = 0; l < levels.length; l++)
      mean += shares[l] * (Object.hasOwn(coefficients, levels[l]) ? coefficients[levels[l]] : 0);
    for (const level of levels) {
      const v = (Object.hasOwn(coefficients, level) ? coefficients[level] : 0) - mean;
      if (v !== 0) centered[level] = v;
      else delete centered[level];
    }
  }
  return centered;
}
