import { SparseDesign } from '../../src/solve/design.js';

/** A sparse design holding the non-zeros of dense rows (row-major `rows[i][j]`). */
export function sparseFromRows(rows: number[][]): SparseDesign {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  rows.forEach((row, i) =>
    row.forEach((val, j) => {
      if (val !== 0) {
        r.push(i);
        c.push(j);
        v.push(val);
      }
    }),
  );
  return SparseDesign.fromTriplets(rows.length, rows[0]!.length, r, c, v);
}
