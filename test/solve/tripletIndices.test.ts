/**
 * `SparseDesign.fromTriplets(n, p, i, j, v)` (README, batch solver) with a column index out of
 * range, an index that is not whole, or arrays of different lengths dropped or moved entries
 * without a word (a column index -1 or p left its entry out; a missing row index put it in row 0).
 * Each is a DataError naming the triplet.
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { SparseDesign } from '../../src/solve/design.js';

const build = (r: number[], c: number[], v: number[]) => () => SparseDesign.fromTriplets(2, 2, r, c, v);

describe('SparseDesign.fromTriplets', () => {
  it('refuses a column index out of range, naming the triplet', () => {
    expect(build([0, 1], [0, -1], [1, 1])).toThrow(DataError);
    expect(build([0, 1], [0, -1], [1, 1])).toThrow(
      "sparse design: triplet 1's column index -1 is not a whole number in [0, 2)",
    );
    expect(build([0, 1], [2, 0], [1, 1])).toThrow("triplet 0's column index 2 is not");
  });

  it('refuses an index that is not a whole number', () => {
    expect(build([0, 1.5], [0, 1], [1, 1])).toThrow("triplet 1's row index 1.5 is not a whole number");
    expect(build([0, Number.NaN], [0, 1], [1, 1])).toThrow("triplet 1's row index NaN");
  });

  it('refuses arrays of different lengths', () => {
    expect(build([0], [0, 1], [1, 1])).toThrow(
      "sparse design: the triplets' row indices, column indices and values must be as many, got 1, 2 and 2",
    );
    expect(build([0, 1], [0], [1, 1])).toThrow('got 2, 1 and 2');
  });

  it('builds the design from valid triplets, duplicates summed', () => {
    const x = SparseDesign.fromTriplets(2, 2, [0, 1, 1], [0, 1, 1], [1, 2, 3]);
    expect([...x.colStart]).toEqual([0, 1, 2]);
    expect([...x.rowIndex]).toEqual([0, 1]);
    expect([...x.values]).toEqual([1, 5]);
  });
});
