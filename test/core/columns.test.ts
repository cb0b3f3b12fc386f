import { describe, expect, it } from 'vitest';

import { packColumns, packUsedColumns, unpackColumns, UsedColumns } from '../../src/core/columns.js';

/** Two dense arrays of `dimension` entries, non-zero (or -0, or NaN) at `nonZero` only. */
function arrays(dimension: number, nonZero: number[]): Record<string, Float64Array> {
  const a = new Float64Array(dimension);
  const b = new Float64Array(dimension);
  nonZero.forEach((j, i) => {
    if (i % 3 === 0) a[j] = i % 2 === 0 ? -0 : 1.5 * i;
    else if (i % 3 === 1) b[j] = i === 4 ? NaN : -i;
    else [a[j], b[j]] = [i, 1 / i];
  });
  return { a, b };
}

describe('packUsedColumns', () => {
  for (const [dimension, nonZero] of [
    [1 << 16, [0, 3, 517, 9000, 20_011, 40_000, 65_535]],
    [20, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 19]],
  ] as const) {
    it(`packs what packColumns packs from the used columns alone (${dimension} columns, ${nonZero.length} non-zero)`, () => {
      const dense = arrays(dimension, [...nonZero]);
      // used: the non-zero columns and some left at 0, unordered
      const used = new UsedColumns(dimension);
      for (const j of [...nonZero].reverse()) used.add(j);
      used.add(4);
      used.add(nonZero[1]);
      const fields = { a: (j: number) => dense.a[j], b: (j: number) => dense.b[j] };
      const packed = packUsedColumns(fields, dimension, used.columns);
      expect(packed).toEqual(packColumns(dense, dimension));
      expect(packed.columns === undefined).toBe(dimension === 20);
      expect(unpackColumns(packed, dimension, 'test', ['a', 'b'])).toEqual(dense);
    });
  }
});
