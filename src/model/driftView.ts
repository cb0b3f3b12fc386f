import { growFloat64, growInt32 } from '../core/sparse.js';
import { WeightedBuffer, type DriftView, type MaterialFilter } from '../drift/materiality.js';

/** Columns with their coefficient and scale, in arrays that grow and are reused. */
export class ScaledColumns {
  count = 0;
  cols = new Int32Array(16);
  values = new Float64Array(16);
  scales = new Float64Array(16);

  add(col: number, value: number, scale: number): void {
    const k = this.count++;
    if (k === this.cols.length) {
      this.cols = growInt32(this.cols, k + 1);
      this.values = growFloat64(this.values, k + 1);
      this.scales = growFloat64(this.scales, k + 1);
    }
    this.cols[k] = col;
    this.values[k] = value;
    this.scales[k] = scale;
  }
}

/** What names a column (a featurizer, a vocabulary). */
export interface ColumnNames {
  nameOf(index: number): string;
}

/** What a view cites of the model: its key, last published version and learned events. */
export interface ViewOf {
  readonly key: string;
  readonly version: number;
  readonly offset: number;
}

/**
 * `OnlineModel.driftView`'s work, on arrays reused from check to check: keeps the material columns
 * of a model with their relative weights, in the key order of the snapshot record they stand for,
 * naming only the columns it has to (those kept, and those whose tracking decides). No record.
 */
export class DriftViewBuilder {
  /** The view's arrays (reused by the next view). */
  private readonly buffer = new WeightedBuffer();
  /** |β_j|·s_j of each column. */
  private weights = new Float64Array(16);
  /** The kept columns, in column order: position, |β| and name. */
  private kept = new Int32Array(16);
  private magnitudes = new Float64Array(16);
  private readonly names: string[] = [];
  private order = new Int32Array(16);
  private spare = new Int32Array(16);
  private readonly counts = new Int32Array(257);

  /**
   * The view of `columns` (no two of which share a name) reduced by `filter`: each kept column's
   * name, β and relative weight |β_j|·s_j / max(max_k |β_k|·s_k, unit), as `relativeWeights` computes them from
   * a record of all the columns, in the order of the keys of the record `OnlineModel.view` makes of
   * the kept ones: by |β| descending (ties in column order), after the names that are array indices
   * ("0", "17"), which an object lists first, ascending.
   */
  select(columns: ScaledColumns, filter: MaterialFilter, names: ColumnNames, of: ViewOf): DriftView {
    const { cols, values, scales, count: n } = columns;
    const w = (this.weights = growFloat64(this.weights, n));
    let max = filter.unit;
    let largest = 0;
    for (let k = 0; k < n; k++) {
      const s = scales[k];
      const wk = Math.abs(values[k]) * (Number.isFinite(s) && s > 0 ? s : 1);
      w[k] = wk;
      if (Number.isFinite(wk) && wk > max) max = wk;
      if (Number.isFinite(wk) && wk > largest) largest = wk;
    }
    const kept = (this.kept = growInt32(this.kept, n));
    const magnitudes = (this.magnitudes = growFloat64(this.magnitudes, n));
    const keptNames = this.names;
    let m = 0;
    for (let k = 0; k < n && max > 0; k++) {
      if (!Number.isFinite(w[k])) continue;
      const r = w[k] / max;
      if (r < filter.trackedFloor && r < filter.floor) continue;
      const name = names.nameOf(cols[k]);
      if (r >= filter.floor || filter.tracked(name)) {
        kept[m] = k;
        magnitudes[m] = Math.abs(values[k]);
        if (m < keptNames.length) keptNames[m] = name;
        else keptNames.push(name);
        m++;
      }
    }
    const order = this.byMagnitude(m);
    const view = this.buffer;
    view.count = 0;
    view.largest = largest;
    view.normalizer = max;
    view.reserve(m);
    let first: number[] | null = null;
    for (let i = 0; i < m; i++) if (arrayIndex(keptNames[order[i]]) >= 0) (first ??= []).push(order[i]);
    if (first !== null) {
      first.sort((a, b) => arrayIndex(keptNames[a]) - arrayIndex(keptNames[b]));
      for (const i of first) view.add(keptNames[i], values[kept[i]], w[kept[i]] / max);
    }
    for (let i = 0; i < m; i++) {
      const o = order[i];
      if (first === null || arrayIndex(keptNames[o]) < 0)
        view.add(keptNames[o], values[kept[o]], w[kept[o]] / max);
    }
    return viewOf(of, view);
  }

  /**
   * Positions 0..m−1 by `magnitudes` descending, ties in position order (`orderByMagnitude`'s order
   * for the magnitudes of finite values): a stable LSD radix sort on the bytes of the doubles, which
   * order as the non-negative values they encode (a comparator sort of 20,000 took ~5 ms).
   */
  private byMagnitude(m: number): Int32Array {
    let from = (this.order = growInt32(this.order, m));
    let to = (this.spare = growInt32(this.spare, m));
    for (let i = 0; i < m; i++) from[i] = i;
    const bytes = new Uint8Array(this.magnitudes.buffer);
    const counts = this.counts;
    for (let b = 0; b < 8; b++) {
      const at = LITTLE_ENDIAN ? b : 7 - b;
      counts.fill(0);
      // descending: digit 255 − byte; counts[d + 1] counts digit d
      for (let i = 0; i < m; i++) counts[256 - bytes[8 * i + at]]++;
      if (counts[256 - bytes[at]] === m) continue;
      for (let d = 1; d <= 256; d++) counts[d] += counts[d - 1];
      for (let i = 0; i < m; i++) {
        const p = from[i];
        to[counts[255 - bytes[8 * p + at]]++] = p;
      }
      [from, to] = [to, from];
    }
    this.order = from;
    this.spare = to;
    return from.subarray(0, m);
  }

  /** The view of a record's coefficients, weighed as `relativeWeights` weighs them. */
  weigh(
    coefficients: Readonly<Record<string, number>>,
    scaleOf: (name: string) => number,
    of: ViewOf,
    unit: number,
  ): DriftView {
    return viewOf(of, this.buffer.weigh(coefficients, scaleOf, unit));
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

function viewOf(of: ViewOf, c: WeightedBuffer): DriftView {
  const { count, names, values, weights, largest, normalizer } = c;
  return {
    key: of.key,
    version: of.version,
    offset: of.offset,
    source: 'online',
    count,
    names,
    values,
    weights,
    largest,
    normalizer,
  };
}

/**
 * The value of `name` as an array index (a canonical decimal integer below 2^32 − 1, which object
 * keys list first, ascending), or −1.
 */
export function arrayIndex(name: string): number {
  const n = name.length;
  if (n === 0 || n > 10) return -1;
  const c0 = name.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || (c0 === 48 && n > 1)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v <= 4294967294 ? v : -1;
}
