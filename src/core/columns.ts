import { StateError } from './errors.js';

/**
 * Per-column arrays of a state (learner, scaler) in the smaller of two forms: dense, `dimension`
 * entries each (`columns` absent), or sparse, the entries of the listed columns only, every other
 * column being at its default. A hashed model of 2^18 columns that has seen 200 features then
 * checkpoints in kilobytes, and a dense 2^20-column state costs its raw 8 bytes a value.
 */
export interface ColumnArrays {
  /** Ascending column indices whose entries `arrays` hold; absent: all `dimension` columns. */
  readonly columns?: Int32Array;
  readonly arrays: Readonly<Record<string, Float64Array>>;
}

/**
 * Packs dense arrays (copies, `dimension` entries each): sparse when that is smaller. A column
 * is listed when any array differs from its default there (`defaults[key]`, else 0; -0 counts).
 */
export function packColumns(
  dense: Readonly<Record<string, Float64Array>>,
  dimension: number,
  defaults: Readonly<Record<string, number>> = {},
): ColumnArrays {
  const keys = Object.keys(dense);
  const mark = new Uint8Array(dimension);
  let count = 0;
  for (const k of keys) {
    const a = dense[k];
    const fill = defaults[k] ?? 0;
    for (let j = 0; j < dimension; j++) {
      const v = a[j];
      if (mark[j] === 0 && (v !== fill || (v === 0 && 1 / v < 0))) {
        mark[j] = 1;
        count++;
      }
    }
  }
  if (count * (4 + 8 * keys.length) >= dimension * 8 * keys.length) return { arrays: dense };
  const columns = new Int32Array(count);
  for (let j = 0, i = 0; j < dimension; j++) if (mark[j] === 1) columns[i++] = j;
  const arrays: Record<string, Float64Array> = {};
  for (const k of keys) {
    const a = new Float64Array(columns.length);
    for (let i = 0; i < columns.length; i++) a[i] = dense[k][columns[i]];
    arrays[k] = a;
  }
  return { columns, arrays };
}

/**
 * The dense arrays (`dimension` entries, fresh copies) of packed ones, after checking every one of
 * `required` is present, all are Float64Arrays of the right length and `columns` ascend within
 * range. Absent optional arrays stay absent.
 */
export function unpackColumns(
  packed: ColumnArrays,
  dimension: number,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
  defaults: Readonly<Record<string, number>> = {},
): Record<string, Float64Array<ArrayBuffer>> {
  if (!(Number.isInteger(dimension) && dimension >= 0)) {
    throw new StateError(`${what} checkpoint has dimension ${dimension}`);
  }
  const columns = packed.columns;
  if (columns !== undefined) {
    if (!(columns instanceof Int32Array))
      throw new StateError(`${what} checkpoint columns must be an Int32Array`);
    for (let i = 0; i < columns.length; i++) {
      if (!(columns[i] >= 0 && columns[i] < dimension) || (i > 0 && columns[i] <= columns[i - 1])) {
        throw new StateError(`${what} checkpoint columns are not ascending within 0..${dimension - 1}`);
      }
    }
  }
  const length = columns === undefined ? dimension : columns.length;
  const out: Record<string, Float64Array<ArrayBuffer>> = {};
  for (const key of [...required, ...optional]) {
    const a: unknown = packed.arrays?.[key];
    if (a === undefined && optional.includes(key)) continue;
    if (!(a instanceof Float64Array)) {
      throw new StateError(`${what} checkpoint is missing array "${key}" (or it is not a Float64Array)`);
    }
    if (a.length !== length) {
      throw new StateError(`${what} checkpoint array "${key}" has ${a.length} entries, expected ${length}`);
    }
    if (columns === undefined) {
      out[key] = a.slice();
      continue;
    }
    const d = new Float64Array(dimension);
    const fill = defaults[key] ?? 0;
    if (fill !== 0) d.fill(fill);
    for (let i = 0; i < columns.length; i++) d[columns[i]] = a[i];
    out[key] = d;
  }
  return out;
}
