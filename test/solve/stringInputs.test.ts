/**
 * A batch fit given strings where numbers belong (from plain JavaScript or parsed CSV cells): the
 * error showed the string as a number (`target[0] is not a finite number (1)`, `lambda must be a
 * finite number >= 0, got 0.1`), which reads as if the value were fine. It is shown quoted.
 */
import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solveAt } from '../../src/solve/solve.js';

const x = DenseDesign.fromRows([
  [1, 0],
  [0, 1],
  [2, 1],
]);
const asJs = (v: unknown) => v as number;

describe('strings where the batch solver takes numbers', () => {
  it('are shown quoted in the error', () => {
    expect(() => solveAt(x, ['1', '2', '3'] as unknown as number[], { lambda: 0.1 })).toThrow(
      'target[0] is not a finite number ("1")',
    );
    expect(() => solveAt(x, [1, 2, 3], { lambda: 0.1, weights: [1, '2', 1] as unknown as number[] })).toThrow(
      'weights[1] is not a finite number ("2")',
    );
    expect(() => solveAt(x, [1, 2, 3], { lambda: asJs('0.1') })).toThrow(
      'lambda must be a finite number >= 0, got "0.1"',
    );
    expect(() => solveAt(x, [1, Number.NaN, 3], { lambda: 0.1 })).toThrow(
      'target[1] is not a finite number (NaN)',
    );
  });
});
