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
 * `packColumns` of a state whose columns outside `used` (unordered, each once) are all at 0: reads
 * only those columns, through `fields` (each array's entry of column j), so that a hashed model of
 * 2^hashBits columns packs in time proportional to the columns it has used. Gives what
 * `packColumns` gives on the dense arrays.
 */
export function packUsedColumns(
  fields: Readonly<Record<string, (j: number) => number>>,
  dimension: number,
  used: Int32Array,
): ColumnArrays {
  const keys = Object.keys(fields);
  const listed = used.filter((j) => j < dimension).sort();
  let count = 0;
  for (let i = 0; i < listed.length; i++) {
    const j = listed[i];
    if (keys.some((k) => !Object.is(fields[k](j), 0))) listed[count++] = j;
  }
  const columns = listed.subarray(0, count);
  const dense = count * (4 + 8 * keys.length) >= dimension * 8 * keys.length;
  const arrays: Record<string, Float64Array> = {};
  for (const k of keys) {
    const read = fields[k];
    const a = new Float64Array(dense ? dimension : count);
    for (let i = 0; i < count; i++) a[dense ? columns[i] : i] = read(columns[i]);
    arrays[k] = a;
  }
  return dense ? { arrays } : { columns: columns.slice(), arrays };
}

/**
 * Packed arrays checked as `unpackColumns` checks them, left as stored (`columns` null: dense),
 * for a state that writes them straight into its own buffers: the work is proportional to the
 * entries stored, not to `dimension`.
 */
export function checkColumns(
  packed: ColumnArrays,
  dimension: number,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
): { readonly columns: Int32Array | null; readonly arrays: Record<string, Float64Array> } {
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
  const arrays: Record<string, Float64Array> = {};
  for (const key of [...required, ...optional]) {
    const a: unknown = packed.arrays?.[key];
    if (a === undefined && optional.includes(key)) continue;
    if (!(a instanceof Float64Array)) {
      throw new StateError(`${what} checkpoint is missing array "${key}" (or it is not a Float64Array)`);
    }
    if (a.length !== length) {
      throw new StateError(`${what} checkpoint array "${key}" has ${a.length} entries, expected ${length}`);
    }
    arrays[key] = a;
  }
  return { columns: columns ?? null, arrays };
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
  const { columns, arrays } = checkColumns(packed, dimension, what, required, optional);
  const out: Record<string, Float64Array<ArrayBuffer>> = {};
  for (const [key, a] of Object.entries(arrays)) {
    if (columns === null) {
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

/**
 * The columns a state has written since it was created or restored, each once, unordered: a
 * superset of its columns that differ from 0, which `packUsedColumns` reads instead of them all.
 */
export class UsedColumns {
  private list: Int32Array<ArrayBuffer> = new Int32Array(16);
  private count = 0;
  /** 1 at each listed column; `fit` keeps it as long as the state's arrays. */
  private mark: Uint8Array<ArrayBuffer>;

  constructor(capacity = 0) {
    this.mark = new Uint8Array(capacity);
  }

  /** Makes room for columns below `capacity`. */
  fit(capacity: number): void {
    if (capacity <= this.mark.length) return;
    const mark = new Uint8Array(capacity);
    mark.set(this.mark);
    this.mark = mark;
  }

  /** Lists column j (below the capacity `fit` made room for). */
  add(j: number): void {
    if (this.mark[j] !== 0) return;
    this.mark[j] = 1;
    if (this.count === this.list.length) {
      const list = new Int32Array(2 * this.count);
      list.set(this.list);
      this.list = list;
    }
    this.list[this.count++] = j;
  }

  /** The listed columns (a view: valid until the next `add`). */
  get columns(): Int32Array {
    return this.list.subarray(0, this.count);
  }
}

/** The capacity arrays grown by doubling from 16 columns have when they hold `columns` columns. */
export function capacityFor(columns: number): number {
  let cap = 16;
  while (cap < columns) cap *= 2;
  return cap;
}
