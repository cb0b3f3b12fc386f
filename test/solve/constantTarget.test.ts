import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solveAt } from '../../src/solve/solve.js';
import { runCli } from '../helpers/cli.js';

/**
 * A gaussian target that is the same number in every row is constant, whatever the number: the
 * weighted mean of 5s rounds (5.000000000000001) and left a variance of about 1e-31, so `fit`
 * chose λ ≈ 2e-30 and fitted rounding, where a target of 0s was refused.
 */
describe('a constant gaussian target', () => {
  const x = DenseDesign.fromRows(Array.from({ length: 57 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]));

  it('solveAt: the intercept is the constant exactly, no coefficient, converged', () => {
    for (const c of [5, 0.1, -3, 100, 1e-7]) {
      const fit = solveAt(x, new Float64Array(57).fill(c), { family: 'gaussian', lambda: 0.01 });
      expect(fit.intercept).toBe(c);
      expect(Array.from(fit.coefficients)).toEqual([0, 0]);
      expect(fit.converged).toBe(true);
    }
  });

  it('fit and path refuse it, for any constant, as they refuse a target of 0s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-const-'));
    for (const c of ['0', '5', '0.1', '-3']) {
      const file = join(dir, `const${c}.csv`);
      writeFileSync(
        file,
        ['y,a,b', ...Array.from({ length: 40 }, (_, i) => `${c},${i % 7},${Math.sin(i)}`)].join('\n'),
      );
      for (const command of ['fit', 'path']) {
        const r = await runCli([command, '--input', file, '--target', 'y']);
        expect(r.code, `${command} on y = ${c}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(/the target is constant: there is nothing to fit/);
      }
    }
  });
});
