import { SparseDesign } from './design.js';

/**
 * A sparse design without its empty columns (hashed ids that a window does not hold), sharing
 * its entries. An empty column is constant, so a solve keeps it at 0 and every loop over
 * features skips it: on the packed design a binomial solve takes the same steps in the same
 * order (the other columns keep their order), and it allocates, zero-fills and visits only the
 * columns that hold entries (the refit bench's window: 110,592 of 2^18).
 */
export interface PackedColumns {
  readonly x: SparseDesign;
  /** The original column of each packed one (increasing). */
  readonly cols: Int32Array;
}

/** Built once per design (a design is not changed once made): the refit bench fits one many times. */
const packs = new WeakMap<SparseDesign, PackedColumns | null>();

/** `x` without its empty columns, or null when it has none. */
export function packColumns(x: SparseDesign): PackedColumns | null {
  let packed = packs.get(x);
  if (packed === undefined) {
    packed = pack(x);
    packs.set(x, packed);
  }
  return packed;
}

function pack(x: SparseDesign): PackedColumns | null {
  const { cols: p, colStart } = x;
  let q = 0;
  for (let j = 0; j < p; j++) if (colStart[j + 1]! > colStart[j]!) q++;
  if (q === p) return null;
  const cols = new Int32Array(q);
  const start = new Int32Array(q + 1);
  start[0] = colStart[0]!;
  for (let j = 0, c = 0; j < p; j++) {
    if (colStart[j + 1]! === colStart[j]!) continue;
    cols[c] = j;
    start[++c] = colStart[j + 1]!;
  }
  return { x: new SparseDesign(x.rows, q, start, x.rowIndex, x.values), cols };
}

/** The entries of `a` (one per original column) at the packed columns. */
export function packedValues(packed: PackedColumns, a: ArrayLike<number>): Float64Array {
  const { cols } = packed;
  const out = new Float64Array(cols.length);
  for (let c = 0; c < cols.length; c++) out[c] = a[cols[c]!]!;
  return out;
}

/** Packed coefficients back on the original `p` columns (0 on the empty ones). */
export function unpackedValues(packed: PackedColumns, a: Float64Array, p: number): Float64Array {
  const { cols } = packed;
  const out = new Float64Array(p);
  for (let c = 0; c < cols.length; c++) out[cols[c]!] = a[c]!;
  return out;
}
