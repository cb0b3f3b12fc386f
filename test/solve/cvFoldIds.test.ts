/**
 * `crossValidate(x, y, { foldIds })` with fold ids that are not fold numbers: a -1 left its row
 * out of every held-out fold, 0.5 and NaN were truncated to fold 0, all without a word; every row
 * in fold 0 said "the data set has no rows"; and a million rows overflowed the stack
 * (`Math.max(...foldIds)`). Each is now a DataError naming the row or the fold.
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { crossValidate } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';

const x = DenseDesign.fromRows([
  [1, 0],
  [0, 1],
  [2, 1],
  [1, 1],
  [0, 2],
  [3, 0],
]);
const y = [2.1, 0.9, 4.2, 2.0, 0.1, 6.1];
const cv = (foldIds: number[]) => () => crossValidate(x, y, { foldIds, lambdas: [0.1, 0.01] });

describe('crossValidate with explicit foldIds', () => {
  it('refuses a fold id that is not a whole number ≥ 0, naming the row', () => {
    expect(cv([-1, 0, 0, 1, 1, 1])).toThrow(DataError);
    expect(cv([-1, 0, 0, 1, 1, 1])).toThrow(
      'foldIds[0] must be a whole number in [0, 6) (the fold of row 0: 0 … K−1), got -1',
    );
    expect(cv([0, 0.5, 0, 1, 1, 1])).toThrow('foldIds[1] must be a whole number in [0, 6)');
    expect(cv([0, 0, Number.NaN, 1, 1, 1])).toThrow('got NaN');
  });

  it('refuses a single fold and an empty one, saying so', () => {
    expect(cv([0, 0, 0, 0, 0, 0])).toThrow(
      'foldIds put every row in fold 0: cross-validation needs at least two folds',
    );
    expect(cv([0, 0, 0, 2, 2, 2])).toThrow(
      'fold 1 is empty: foldIds must number the folds 0 … 2 with a row in each',
    );
  });

  it('takes the folds of many rows', () => {
    const n = 200_000;
    const big = DenseDesign.fromRows(Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(0.7 * i)]));
    const target = Array.from({ length: n }, (_, i) => 2 * Math.sin(i) + 0.1 * Math.sin(3.1 * i));
    const foldIds = Array.from({ length: n }, (_, i) => i % 3);
    const result = crossValidate(big, target, { foldIds, lambdas: [0.1] });
    expect(result.folds).toBe(3);
  });

  it('runs valid folds as before', () => {
    const result = cv([0, 1, 0, 1, 0, 1])();
    expect(result.folds).toBe(2);
    expect([...result.foldIds]).toEqual([0, 1, 0, 1, 0, 1]);
  });
});
