/**
 * Columns that are linear combinations of others and the intercept (`aliasedColumns`), against
 * designs built with known dependencies (the combinations are exact by construction), and the
 * warning `fit --lambda 0` gives for them: at λ = 0 such a design has infinitely many optima.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign, prepareProblem } from '../../src/index.js';
import { aliasedColumns, aliasText } from '../../src/solve/aliased.js';
import { solveAtProblem } from '../../src/solve/solve.js';
import { fitNotes, fitWarnings } from '../../src/solve/wellPosed.js';
import { runCli } from '../helpers/cli.js';
import { sparseFromRows } from '../helpers/designs.js';
import { Rng } from '../helpers/random.js';

const NAMES = ['x1', 'x2', 'x3', 'plan=a', 'plan=b', 'plan=c', 'x4'];

/**
 * n rows: x1, x2 normal; x3 = 2·x1 − 0.5·x2 + 3; a 3-level one-hot (levels sum to 1); x4 normal.
 * Rows of weight 0 break both dependencies (they must not count).
 */
function design(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal();
    const x2 = rng.normal();
    const level = rng.int(3);
    const zero = i % 10 === 9;
    const x3 = zero ? rng.normal() : 2 * x1 - 0.5 * x2 + 3;
    const oneHot = [0, 1, 2].map((l) => (l === level ? 1 : 0));
    if (zero) oneHot[(level + 1) % 3] = 1;
    rows.push([x1, x2, x3, ...oneHot, rng.normal()]);
    y.push(x1 - x2 + (level === 1 ? 1 : 0) + 0.3 * rng.normal());
    weights.push(zero ? 0 : 1 + rng.next());
  }
  return { rows, y, weights };
}

function expectPlanted(aliased: ReturnType<typeof aliasedColumns>) {
  expect(aliased).not.toBeNull();
  expect(aliased!.map((a) => a.column)).toEqual([2, 5]);
  const [x3, c] = aliased!;
  const coef = (a: typeof x3, j: number) => a!.terms.find((t) => t.column === j)?.coefficient ?? 0;
  expect(x3!.terms.map((t) => t.column).sort()).toEqual([0, 1]);
  expect(coef(x3, 0)).toBeCloseTo(2, 9);
  expect(coef(x3, 1)).toBeCloseTo(-0.5, 9);
  expect(x3!.constant).toBeCloseTo(3, 9);
  // plan=c = 1 − plan=a − plan=b
  expect(c!.terms.map((t) => t.column).sort()).toEqual([3, 4]);
  expect(coef(c, 3)).toBeCloseTo(-1, 9);
  expect(coef(c, 4)).toBeCloseTo(-1, 9);
  expect(c!.constant).toBeCloseTo(1, 9);
}

describe('aliased columns', () => {
  const { rows, y, weights } = design(400, 3);

  it('finds a planted combination and a one-hot set with the intercept, dense and sparse, in the rows of weight > 0', () => {
    expectPlanted(aliasedColumns(prepareProblem(DenseDesign.fromRows(rows), y, { weights })));
    expectPlanted(aliasedColumns(prepareProblem(sparseFromRows(rows), y, { weights })));
    // with every row counted, the rows that break them make the columns independent
    expect(aliasedColumns(prepareProblem(DenseDesign.fromRows(rows), y))).toEqual([]);
  });

  it('says them as equations, largest terms first', () => {
    const aliased = aliasedColumns(prepareProblem(DenseDesign.fromRows(rows), y, { weights }))!;
    const name = (j: number) => NAMES[j]!;
    expect(aliasText(aliased[0]!, name)).toBe('x3 = 3 + 2·x1 − 0.5·x2');
    expect(aliasText(aliased[1]!, name)).toMatch(/^plan=c = 1 − plan=[ab] − plan=[ab]$/);
    const alias = { column: 6, constant: -3, mean: -3, sd: 1, constantNoise: 1e-12 };
    expect(aliasText({ ...alias, terms: [{ column: 0, coefficient: -1, mean: 0 }] }, name)).toBe(
      'x4 = −3 − x1',
    );
    // more terms than shown: how many more, whatever their signs
    const terms = [0, 1, 2, 3, 4, 5].map((column) => ({
      column,
      coefficient: column % 2 === 0 ? 1 : -1,
      mean: 0,
    }));
    expect(aliasText({ ...alias, column: 6, terms }, name)).toMatch(
      /^x4 = −3 [+−] \S+ [+−] \S+ [+−] \S+ [+−] \S+ … \(2 more terms\)$/,
    );
    // a name holding a comma, in CSV quotes
    const comma = (j: number) => (j === 0 ? 'price, usd' : NAMES[j]!);
    expect(
      aliasText({ ...alias, constant: 0, mean: 0, terms: [{ column: 0, coefficient: 2, mean: 0 }] }, comma),
    ).toBe('x4 = 2·"price, usd"');
  });

  it('a column close to a combination but not on it, or far from 0, is not aliased', () => {
    const rng = new Rng(5);
    const near = rows.map((r) => [r[0]!, r[1]!, 2 * r[0]! - 0.5 * r[1]! + 3 + 1e-3 * rng.normal()]);
    expect(aliasedColumns(prepareProblem(DenseDesign.fromRows(near), y))).toEqual([]);
    // a column of 1e8 plus unit noise beside the others: independent, whatever its size
    const far = rows.map((r) => [r[0]!, 1e8 + r[1]!, r[6]!]);
    expect(aliasedColumns(prepareProblem(DenseDesign.fromRows(far), y))).toEqual([]);
    // and a copy of it shifted by 1e8 is found, with that constant
    const shifted = rows.map((r) => [r[0]!, 1e8 + r[1]!, r[1]!]);
    const [alias] = aliasedColumns(prepareProblem(DenseDesign.fromRows(shifted), y))!;
    expect(alias!.column).toBe(2);
    expect(alias!.terms.map((t) => t.column)).toEqual([1]);
    expect(alias!.terms[0]!.coefficient).toBeCloseTo(1, 6);
    expect(alias!.constant / 1e8).toBeCloseTo(-1, 6);
  });

  it("a review's cases: a dependency among nearly collinear columns, columns far from 0, near copies", () => {
    const rng = new Rng(11);
    const n = 200;
    const u = Array.from({ length: n }, () => +rng.normal().toFixed(3));
    const v = Array.from({ length: n }, () => +rng.normal().toFixed(3));
    const yn = Array.from({ length: n }, () => rng.normal());
    const name = (names: string[]) => (j: number) => names[j]!;
    const equations = (rows: number[][], names: string[]) =>
      aliasedColumns(prepareProblem(DenseDesign.fromRows(rows), yn))!.map((a) => aliasText(a, name(names)));
    // c = b − a exactly, with b within 1e-4 of a (a Gram matrix's Cholesky missed it: its rounding
    // is the square of the columns' condition)
    const near = u.map((a, i) => {
      const b = a + 1e-4 * v[i]!;
      return [a, b, b - a];
    });
    expect(equations(near, ['a', 'b', 'c'])).toEqual(['c = b − a']);
    // far from 0: no constant of rounding noise (it printed 7.803), the exact one when there is one
    const far = u.map((a, i) => [1e9 + a, 1e9 + v[i]!, 2e9 + a + v[i]!]);
    expect(equations(far, ['x1', 'x2', 'x3'])).toEqual(['x3 = x1 + x2']);
    const offset = u.map((a, i) => [1e6 + a, v[i]!, 3 * a - 2 * v[i]! + 7]);
    expect(equations(offset, ['x1', 'x2', 'x3'])).toEqual(['x3 = −2999993 + 3·x1 − 2·x2']);
    // copies to 5 decimals, or within 1e-6: independent columns (R's lm keeps them too)
    const rounded = u.map((a, i) => [a + 1e-3 * v[i]!, +(a + 1e-3 * v[i]!).toFixed(5)]);
    expect(equations(rounded, ['price', 'rounded'])).toEqual([]);
    const close = u.map((a, i) => [a, a + 1e-6 * v[i]!]);
    expect(equations(close, ['a', 'b'])).toEqual([]);
    // a second review's: thirds (no constant from the coefficients' rounding), a copy of a column
    // near 1e8 (its constant to the digits rounding leaves), and 1e9 plus variations 1e-4 apart:
    // independent (their differences are far above the rounding of 1e9)
    const thirds = u.map((a, i) => [a, v[i]!, a / 3 + v[i]! / 3]);
    expect(equations(thirds, ['a', 'b', 'c'])).toEqual(['c = 0.3333·a + 0.3333·b']);
    const copy = u.map((a) => [1e8 + a, a]);
    expect(equations(copy, ['x', 'copy'])).toEqual(['copy = −100000000 + x']);
    const apart = u.map((a, i) => [1e9 + 3e-4 * a, 1e9 + 3e-4 * a + 1e-4 * v[i]!]);
    expect(equations(apart, ['x1', 'x2'])).toEqual([]);
    // a third review's: constants beside columns far from 0 that are exact (they were hidden)
    const plus100 = u.map((a) => [1e8 + a, 1e8 + a + 100]);
    expect(equations(plus100, ['x', 'y'])).toEqual(['y = 100 + x']);
    const tiny = u.map((a) => [1e6 + 1e-3 * a, 2 * (1e6 + 1e-3 * a) + 7]);
    expect(equations(tiny, ['x', 'y'])).toEqual(['y = 7 + 2·x']);
    // a fourth review's: values on a grid of 2^-10 at 2^27, y = x + 0.3 in doubles, 100,000 rows:
    // the rounding follows x, so the exact constant is −0.47, not 0.3 (it was shown as −0.5)
    const grid = new Rng(21);
    const binade = Array.from({ length: 100_000 }, () => {
      const x = 2 ** 27 + Math.round(1024 * grid.normal()) / 1024;
      return [x, x + 0.3];
    });
    const yb = Array.from({ length: binade.length }, () => grid.normal());
    const [shown] = aliasedColumns(prepareProblem(DenseDesign.fromRows(binade), yb))!.map((a) =>
      aliasText(a, name(['x', 'y'])),
    );
    expect(['y = x', 'y = 0.3 + x']).toContain(shown);
    // names that read as more than a name are quoted
    const named = u.map((a, i) => [a, v[i]!, a + 2 * v[i]!]);
    expect(equations(named, ['a + b', '2', 'city=New York'])).toEqual(['city=New York = 2·"2" + "a + b"']);
    expect(equations(named, ['w', 'k=a + b', 'z'])).toEqual(['z = 2·"k=a + b" + w']);
  });

  it('is not run past its work limit', () => {
    const problem = prepareProblem(DenseDesign.fromRows(rows), y, { weights });
    expect(aliasedColumns(problem, { cells: 100 })).toBeNull();
    // fit says so at λ = 0 (a note: nothing is known to be wrong), and not at λ > 0 or within the limits
    expect(fitNotes(problem, solveAtProblem(problem, 0), { cells: 100 })).toEqual([
      "at λ = 0 the 7 feature columns were not checked for linear dependence (360 rows × 7 columns is past the check's size): if some are combinations of others and the intercept, the solution is not unique",
    ]);
    expect(fitNotes(problem, solveAtProblem(problem, 0.01), { cells: 100 })).toEqual([]);
    expect(fitNotes(problem, solveAtProblem(problem, 0))).toEqual([]);
  });

  it('fitWarnings at λ = 0 names them; at λ > 0 it does not', () => {
    const problem = prepareProblem(DenseDesign.fromRows(rows), y, { weights });
    const name = (j: number) => NAMES[j]!;
    const [warning] = fitWarnings(problem, solveAtProblem(problem, 0), true, 'min', name);
    expect(warning).toMatch(
      /^at λ = 0 the feature columns are linearly dependent with the intercept \(2 of 7 are combinations of the others in the rows of weight > 0: x3 = 3 \+ 2·x1 − 0\.5·x2; plan=c = 1 − plan=[ab] − plan=[ab]\), so the solution is not unique/,
    );
    expect(fitWarnings(problem, solveAtProblem(problem, 0.01), true, 'min', name)).toEqual([]);
  });

  it('fit --lambda 0 on a CSV whose one-hot field has every level and a doubled column: said on stderr and in the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-aliased-'));
    const input = join(dir, 'plans.csv');
    const rng = new Rng(9);
    const lines = ['y,plan,x,x2'];
    for (let i = 0; i < 300; i++) {
      const plan = ['a', 'b', 'c'][rng.int(3)]!;
      const x = +rng.normal().toFixed(4);
      lines.push(
        `${(1 + 0.5 * x + (plan === 'b' ? 1 : 0) + 0.3 * rng.normal()).toFixed(4)},${plan},${x},${2 * x}`,
      );
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const r = await runCli(['fit', '--input', input, '--target', 'y', '--lambda', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: at λ = 0 the feature columns are linearly dependent with the intercept \(2 of 5 are combinations .*: x2 = 2·x; plan=\w = 1 − plan=\w − plan=\w\)/,
    );
    const model = JSON.parse(r.stdout) as { metrics: { warnings?: string } };
    expect(model.metrics.warnings).toContain('linearly dependent');
    // a λ > 0: nothing said
    const small = await runCli(['fit', '--input', input, '--target', 'y', '--lambda', '0.001']);
    expect(small.stderr).not.toContain('linearly dependent');
  });
});
