/**
 * `DenseDesign.fromRows` (README, batch solver) with an entry that is not a number, as parsed JSON
 * gives (null for a missing value, a numeric string): a Float64Array made null 0 and "1.5" 1.5
 * without a word, and "abc" NaN, reported as "is NaN". Each is a DataError naming the entry.
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { DenseDesign } from '../../src/solve/design.js';

const fromJson = (rows: unknown[][]) => () => DenseDesign.fromRows(rows as number[][]);

describe('DenseDesign.fromRows with an entry that is not a number', () => {
  it('refuses it, naming its row, column and value', () => {
    expect(
      fromJson([
        [1, 2],
        [3, null],
      ]),
    ).toThrow(DataError);
    expect(
      fromJson([
        [1, 2],
        [3, null],
      ]),
    ).toThrow(
      'design row 1, column 1 is null: every entry must be a finite number (drop or impute that row)',
    );
    expect(fromJson([['1.5', 2]])).toThrow('design row 0, column 0 is the string "1.5": every entry');
    expect(fromJson([[1, true]])).toThrow('design row 0, column 1 is boolean true');
    expect(fromJson([[[1], 2]])).toThrow('design row 0, column 0 is an array');
    expect(fromJson([[1, undefined]])).toThrow('design row 0, column 1 is undefined: every entry');
  });

  it('takes numbers, typed arrays among the rows', () => {
    const x = DenseDesign.fromRows([[1, 2], Float64Array.of(3, 4)]);
    expect([...x.values]).toEqual([1, 3, 2, 4]);
  });
});
