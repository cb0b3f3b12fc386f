import { setFlagsFromString } from 'node:v8';

import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';

/**
 * A sparse column's dot products sum pairs of entries; an odd count's last entry once went through
 * a statement after the loop. When the function was optimized before it met an odd column, that
 * statement had no type feedback and every odd column deoptimized it (issue 14: 1,357 deopts of
 * `dot` in one replay of the sparse-ids stream). Optimized on even columns, the kernels must stay
 * optimized on odd ones, and give the same sums.
 */
setFlagsFromString('--allow-natives-syntax');
// natives only parse in code compiled after the flag is set
type Natives = (f: (...args: never[]) => unknown) => number;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as Natives;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as Natives;
const status = new Function('f', 'return %GetOptimizationStatus(f)') as Natives;
// V8's OptimizationStatus: kIsFunction = 1 << 0, kOptimized = 1 << 4, kTurboFanned = 1 << 5
const OPTIMIZED = 1 << 4;

// column 0 has 2 entries, column 1 has 3, column 2 has 1 (rows 0–5)
const x = SparseDesign.fromTriplets(6, 3, [0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 1, 2], [1.5, 2, 3, 4, 5, 6]);
const a = Float64Array.from([0.5, 0.25, 2, 3, 0.125, 7]);
const b = Float64Array.from([1, -1, 0.5, 2, 4, 3]);

describe('sparse dot products stay optimized on columns of odd length', () => {
  it('dot', () => {
    const dot = SparseDesign.prototype.dot;
    prepare(dot);
    for (let t = 0; t < 5; t++) x.dot(0, a);
    optimizeNext(dot);
    expect(x.dot(0, a)).toBe(1.5 * 0.5 + 2 * 0.25);
    expect(status(dot) & OPTIMIZED).toBe(OPTIMIZED);
    expect(x.dot(1, a)).toBe(3 * 2 + 5 * 0.125 + 4 * 3);
    expect(x.dot(2, a)).toBe(6 * 7);
    expect(status(dot) & OPTIMIZED).toBe(OPTIMIZED);
  });

  it('dot2', () => {
    const dot2 = SparseDesign.prototype.dot2;
    prepare(dot2);
    for (let t = 0; t < 5; t++) x.dot2(0, a, b);
    optimizeNext(dot2);
    expect(x.dot2(0, a, b)).toBe(1.5 * 0.5 * 1 + 2 * 0.25 * -1);
    expect(status(dot2) & OPTIMIZED).toBe(OPTIMIZED);
    // pairs: s0 = x0 a b + x2 a b (entries 0 and 2), s1 = x1 a b
    expect(x.dot2(1, a, b)).toBe(3 * 2 * 0.5 + 5 * 0.125 * 4 + 4 * 3 * 2);
    expect(x.dot2(2, a, b)).toBe(6 * 7 * 3);
    expect(status(dot2) & OPTIMIZED).toBe(OPTIMIZED);
  });
});
