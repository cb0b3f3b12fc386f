import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DenseDesign } from '../../src/solve/design.js';
import { solvePath } from '../../src/solve/path.js';
import { runCli } from '../helpers/cli.js';

describe('cross-validation progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-cv-progress-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(
    input,
    `${Array.from({ length: 200 }, (_, i) => JSON.stringify({ label: Math.sin(i) + (i % 7) / 7, features: { x: i % 7, z: Math.cos(i) } })).join('\n')}\n`,
  );

  it('fit and path --cv --progress say the full path comes first before it starts, then the folds', async () => {
    for (const [command, output] of [
      ['fit', 'fit.json'],
      ['path', 'path.jsonl'],
    ] as const) {
      const flags = ['--target', 'label', '--cv', '4', '--progress', '--output', join(dir, output)];
      const r = await runCli([command, '--input', input, ...flags]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stderr.split('\n');
      const begin = lines.indexOf('cross-validation: the full path on 200 rows first, then 4 folds');
      expect(begin).toBeGreaterThanOrEqual(0);
      expect(lines.findIndex((l) => l.startsWith('cross-validation: fold 4/4 done'))).toBeGreaterThan(begin);
    }
  });

  it('path --progress without --cv: a line per λ (the first at once); none without --progress off a terminal', async () => {
    const flags = ['--target', 'label', '--nlambda', '20', '--output', join(dir, 'alone.jsonl')];
    const r = await runCli(['path', '--input', input, ...flags, '--progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^path: λ 1\/20 done \(λ = [0-9.e-]+, 0 non-zero coefficients, [0-9.]+ s\)$/m);
    expect(r.stderr).not.toContain('cross-validation');
    const quiet = await runCli(['path', '--input', input, ...flags]);
    expect(quiet.stderr).not.toContain('path: λ');
  });

  it('solvePath calls onLambda after each λ, with the fit', () => {
    const x = new DenseDesign(4, 1, new Float64Array([1, 2, 3, 4]));
    const calls: Array<[number, number, number]> = [];
    const path = solvePath(x, [1, 2, 2, 4], {
      nLambda: 5,
      earlyStop: false,
      onLambda: (done, total, fit) => calls.push([done, total, fit.lambda]),
    });
    expect(calls).toEqual(path.fits.map((f, k) => [k + 1, 5, f.lambda]));
  });

  it('fit --lambda --progress says nothing of cross-validation', async () => {
    const flags = '--target label --lambda 0.01 --progress --output'.split(' ');
    const r = await runCli(['fit', '--input', input, ...flags, join(dir, 'one.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('cross-validation');
  });
});
