/**
 * A design with a NaN or infinite entry is refused with a DataError naming its row and column:
 * before, such a column counted as constant and the fit silently left it out ("converged").
 */
import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { DenseDesign, SparseDesign } from '../../src/solve/design.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';

const y = [1, 2, 3, 4];

describe('a design with a non-finite entry', () => {
  it.each([NaN, Infinity, -Infinity])('dense, %s: solveAt and solvePath name the row and column', (bad) => {
    const x = DenseDesign.fromRows([
      [1, 0],
      [0, 1],
      [1, bad],
      [2, 1],
    ]);
    const message = `design row 2, column 1 is ${bad}: every entry must be a finite number (drop or impute that row)`;
    expect(() => solveAt(x, y, { lambda: 0.01 })).toThrow(DataError);
    expect(() => solveAt(x, y, { lambda: 0.01 })).toThrow(message);
    expect(() => solvePath(x, y)).toThrow(message);
  });

  it('sparse, in a row of weight 0 too', () => {
    const x = SparseDesign.fromTriplets(4, 3, [0, 1, 3, 2], [0, 1, 2, 2], [1, 1, NaN, 1]);
    expect(() => solveAt(x, y, { lambda: 0.01, weights: [1, 1, 1, 0] })).toThrow(
      'design row 3, column 2 is NaN',
    );
  });

  it('a finite design still fits', () => {
    const fit = solveAt(
      DenseDesign.fromRows([
        [1, 0],
        [0, 1],
        [1, 1],
        [2, 1],
      ]),
      y,
      { lambda: 0.01 },
    );
    expect(fit.converged).toBe(true);
    expect(fit.nonzero).toBeGreaterThan(0);
  });
});
