/**
 * `path --penalty-factors`, as fit's: a factor-0 column is in the model at every λ, and each λ of
 * the path is the fit at that λ with the same factors (glmnet's `penalty.factor` on its path).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

interface Snapshot {
  readonly lambda: number;
  readonly coefficients: Record<string, number>;
}

describe('path --penalty-factors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-path-pf-'));
  const rng = new Rng(11);
  const rows = Array.from({ length: 300 }, () => {
    const [a, b, c] = [rng.normal(), rng.normal(), rng.normal()];
    return `${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(2 * a + 0.3 * c + 0.5 * rng.normal()).toFixed(4)}`;
  });
  const input = join(dir, 'pf.csv');
  writeFileSync(input, `a,b,c,y\n${rows.join('\n')}\n`);
  const factors = join(dir, 'pf.json');
  writeFileSync(factors, JSON.stringify({ c: 0, b: 2 }));

  it('a factor-0 column is in every model of the path, and each λ is the fit at that λ', async () => {
    const r = await runCli(['path', '--input', input, '--target', 'y', '--penalty-factors', factors]);
    expect(r.code, r.stderr).toBe(0);
    const path = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Snapshot);
    expect(path.length).toBeGreaterThan(10);
    for (const s of path) expect(s.coefficients.c).not.toBeUndefined();
    // without the factors, c (a weak effect) enters after a: the models between lack it
    const plain = await runCli(['path', '--input', input, '--target', 'y']);
    const without = plain.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Snapshot);
    expect(without.some((s) => s.coefficients.a !== undefined && s.coefficients.c === undefined)).toBe(true);
    const at = path[10]!;
    const fit = await runCli([
      'fit',
      ...['--input', input, '--target', 'y', '--penalty-factors', factors],
      ...['--lambda', String(at.lambda)],
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const fitted = JSON.parse(fit.stdout) as Snapshot;
    expect(Object.keys(fitted.coefficients).sort()).toEqual(Object.keys(at.coefficients).sort());
    for (const [name, beta] of Object.entries(at.coefficients))
      expect(fitted.coefficients[name]).toBeCloseTo(beta, 9);
  });

  it('with --cv, and a name that is no column is the error fit gives', async () => {
    const cv = await runCli([
      'path',
      ...['--input', input, '--target', 'y', '--penalty-factors', factors, '--cv', '3', '--nlambda', '8'],
    ]);
    expect(cv.code, cv.stderr).toBe(0);
    for (const line of cv.stdout.trim().split('\n'))
      expect((JSON.parse(line) as Snapshot).coefficients.c).not.toBeUndefined();
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ cc: 0 }));
    const bad = await runCli(['path', '--input', input, '--target', 'y', '--penalty-factors', typo]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"cc" is not a feature column');
  });

  it('is in path --help', async () => {
    expect((await runCli(['path', '--help'])).stdout).toContain('--penalty-factors F');
  });
});
