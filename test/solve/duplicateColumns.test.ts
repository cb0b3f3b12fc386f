import { describe, expect, it } from 'vitest';

import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { duplicateColumns } from '../../src/solve/duplicateColumns.js';

describe('duplicateColumns', () => {
  it('pairs each column equal to an earlier one in every row with the first such column, dense and sparse', () => {
    const n = 50;
    const rows = Array.from({ length: n }, (_, i) => {
      const a = (i * 7) % 11;
      const b = (i * 3) % 5;
      // c: a's values in another order (the same sum and count); d = a; e = b; f = a again
      return [a, b, (((n - 1 - i) * 7) % 11) as number, a, b, a];
    });
    const dense = DenseDesign.fromRows(rows);
    expect(duplicateColumns(dense)).toEqual([
      [3, 0],
      [4, 1],
      [5, 0],
    ]);
    const starts = [0];
    const cols: number[] = [];
    const vals: number[] = [];
    rows.forEach((r) => {
      r.forEach((v, j) => {
        if (v !== 0) {
          cols.push(j);
          vals.push(v);
        }
      });
      starts.push(cols.length);
    });
    expect(duplicateColumns(SparseDesign.fromRows(n, 6, starts, cols, vals))).toEqual([
      [3, 0],
      [4, 1],
      [5, 0],
    ]);
    // skipped columns (constant ones) are not compared: 5 is then paired with 3
    expect(duplicateColumns(dense, new Set([0]))).toEqual([
      [4, 1],
      [5, 3],
    ]);
  });

  it('leaves out columns of fewer than 10 entries (two levels of ids in the same row or two)', () => {
    const n = 40;
    const starts = [0];
    const cols: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i < 3) cols.push(0, 1);
      starts.push(cols.length);
    }
    expect(
      duplicateColumns(
        SparseDesign.fromRows(
          n,
          2,
          starts,
          cols,
          cols.map(() => 1),
        ),
      ),
    ).toEqual([]);
  });
});
