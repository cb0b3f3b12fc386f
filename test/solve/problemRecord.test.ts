import { setFlagsFromString } from 'node:v8';

import { describe, expect, it } from 'vitest';

import { SparseDesign } from '../../src/solve/design.js';
import { prepareProblem, type Problem } from '../../src/solve/problem.js';
import { singletonProfile } from '../../src/solve/singletons.js';

/**
 * Code optimized on one problem stays optimized when the next is prepared. An object literal's
 * fields that hold typed arrays record their class when the literal is first made and lose it
 * when it is made again, which deoptimizes every function that read them: the whole solver at the
 * refit worker's second refit (issue 14). Problems are instances of one class instead.
 */
setFlagsFromString('--allow-natives-syntax');
// natives only parse in code compiled after the flag is set
type Native = (f: (pr: Problem) => number) => number;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as Native;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as Native;
const status = new Function('f', 'return %GetOptimizationStatus(f)') as Native;
const OPTIMIZED = 1 << 4;

function design(seed: number): { x: SparseDesign; y: number[] } {
  const rows: number[] = [];
  const cols: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (let j = 0; j < 8; j++) {
      if ((i * 7 + j * 3 + seed) % 5 < 2) {
        rows.push(i);
        cols.push(j);
      }
    }
    y.push((i + seed) % 3 === 0 ? 1 : 0);
  }
  rows.push(0);
  cols.push(8); // a column of one row (a singleton)
  return {
    x: SparseDesign.fromTriplets(
      40,
      9,
      rows,
      cols,
      rows.map(() => 1),
    ),
    y,
  };
}

describe('problems keep the classes of their fields', () => {
  it('a function optimized on one problem is not deoptimized by preparing the next ones', () => {
    const first = design(1);
    const pr = prepareProblem(first.x, first.y, { family: 'binomial' });
    const read = (p: Problem): number =>
      p.mean[0]! + p.scale[1]! + p.w[2]! + p.y[3]! + p.pf[4]! + p.excluded[5]!;
    prepare(read);
    read(pr);
    read(pr);
    optimizeNext(read);
    const before = read(pr);
    expect(status(read) & OPTIMIZED).toBe(OPTIMIZED);
    const second = design(2);
    const next = prepareProblem(second.x, second.y, { family: 'binomial', kktTolerance: 1e-2 });
    const profiled = singletonProfile(next)!.problem;
    expect(read(pr)).toBe(before);
    expect(Number.isFinite(read(next)) && Number.isFinite(read(profiled))).toBe(true);
    expect(status(read) & OPTIMIZED).toBe(OPTIMIZED);
  });
});
