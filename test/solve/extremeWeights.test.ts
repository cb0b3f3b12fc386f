import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solvePath } from '../../src/solve/path.js';
import { solveAt } from '../../src/solve/solve.js';
import { runCli } from '../helpers/cli.js';

/** 40 rows of two columns, labels alternating 0/1 with a signal on the first column. */
function rows(): { x: DenseDesign; y: number[] } {
  const data: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    data.push([Math.sin(i) + (i % 2), Math.cos(3 * i)]);
    y.push(i % 2);
  }
  return { x: DenseDesign.fromRows(data), y };
}

describe('weights and labels at the edge of the doubles', () => {
  it('solveAt and solvePath name a weight that outweighs all the others, instead of "single class"', () => {
    const { x, y } = rows();
    for (const big of [1e308, 1e300]) {
      const weights = y.map((_, i) => (i === 7 ? big : 1));
      const message = `weights[7]: weight ${big} outweighs all the other weights together`;
      expect(() => solveAt(x, y, { family: 'binomial', lambda: 0.01, weights })).toThrow(message);
      expect(() => solvePath(x, y, { family: 'binomial', weights })).toThrow(message);
    }
  });

  it('weights whose sum overflows are scaled, not turned into zeros', () => {
    const { x, y } = rows();
    const fit = solveAt(x, y, { family: 'binomial', lambda: 0.01, weights: y.map(() => 1e308) });
    const plain = solveAt(x, y, { family: 'binomial', lambda: 0.01 });
    expect(fit.intercept).toBeCloseTo(plain.intercept, 10);
    expect(Array.from(fit.coefficients)).toEqual(
      Array.from(plain.coefficients).map((c) => expect.closeTo(c, 10)),
    );
  });

  it('a gaussian label whose square overflows is named, not fitted at a λ near 1e198', () => {
    const { x, y } = rows();
    const labels = y.map((v, i) => (i === 5 ? 1e200 : v));
    expect(() => solveAt(x, labels, { family: 'gaussian', lambda: 0.01 })).toThrow(
      /target\[5\]: label 1e\+200 makes the target's variance overflow/,
    );
  });

  it('fit and path name the line of the weight and of the label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-extreme-'));
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ label: i % 2, features: { x: Math.sin(i) + (i % 2), z: Math.cos(i) } }),
    );
    const heavy = join(dir, 'heavy.jsonl');
    writeFileSync(heavy, [...lines, '{"label":1,"weight":1e308,"features":{"x":0.3,"z":1}}'].join('\n'));
    for (const command of ['fit', 'path']) {
      const r = await runCli([command, '--input', heavy, '--family', 'binomial']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/heavy\.jsonl line 31: weight 1e\+308 outweighs all the other weights/);
      expect(r.stderr).not.toMatch(/single class/);
    }
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, [...lines, '{"label":1e200,"features":{"x":0.3,"z":1}}'].join('\n'));
    const r = await runCli(['fit', '--input', huge]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/huge\.jsonl line 31: label 1e\+200 makes the target's variance overflow/);
    // a CSV's row by its line in the file (a blank line and a quoted two-line cell before it), in
    // a file of numbers (a dense design) and of text too (a sparse one)
    for (const [name, cell] of [
      ['dense', (i: number) => String(i % 3)],
      ['sparse', (i: number) => `z${i % 3}`],
    ] as const) {
      const csv = join(dir, `huge-${name}.csv`);
      const rowsCsv = Array.from({ length: 30 }, (_, i) => `${i % 2},${Math.sin(i)},${cell(i)}`);
      writeFileSync(
        csv,
        ['y,x,c', '', ...rowsCsv.slice(0, 10), '0,1,"2', '"', ...rowsCsv.slice(10), '1e200,0.3,1'].join('\n'),
      );
      for (const command of ['fit', 'path']) {
        const c = await runCli([command, '--input', csv, '--target', 'y']);
        expect(c.code).toBe(1);
        expect(c.stderr).toMatch(
          new RegExp(`huge-${name}\\.csv line 35: label 1e\\+200 makes the target's variance overflow`),
        );
      }
    }
  });
});
