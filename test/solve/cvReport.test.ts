import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { warnIfCvNotConverged } from '../../src/cli/fit.js';
import { crossValidate } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { solveAt } from '../../src/solve/solve.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

// a binomial problem with two informative and two noise columns
const rng = new Rng(5);
const rows: number[][] = [];
const labels: number[] = [];
for (let i = 0; i < 150; i++) {
  const r = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  rows.push(r);
  labels.push(rng.next() < 1 / (1 + Math.exp(-(1.5 * r[0]! - r[1]!))) ? 1 : 0);
}
const dir = mkdtempSync(join(tmpdir(), 'l1s-cv-'));
const csv = join(dir, 'clicks.csv');
writeFileSync(csv, `a,b,c,d,y\n${rows.map((r, i) => `${r.join(',')},${labels[i]}`).join('\n')}\n`);

describe('cross-validation reports fold fits that did not converge', () => {
  it('counts them per λ and warns once', () => {
    const x = DenseDesign.fromRows(rows);
    // one sweep per λ and no Newton finish: every fold fails at the smallest λ
    const starved = crossValidate(x, labels, {
      family: 'binomial',
      folds: 3,
      nLambda: 10,
      maxPasses: 1,
      activeSetSolve: false,
    });
    expect(starved.converged).toBe(false);
    expect(starved.unconvergedFolds).toHaveLength(starved.lambdas.length);
    expect(starved.unconvergedFolds[starved.lambdas.length - 1]).toBe(3);
    let stderr = '';
    const io = {
      stdout: new Writable({ write: (_c, _e, cb) => cb() }),
      stderr: new Writable({
        write(chunk: Buffer, _e, cb) {
          stderr += chunk.toString();
          cb();
        },
      }),
      interactive: false,
    };
    warnIfCvNotConverged(io, starved);
    const total = starved.unconvergedFolds.reduce((a, b) => a + b, 0);
    expect(stderr).toContain(`${total} of ${3 * starved.lambdas.length} cross-validation fits`);

    const fine = crossValidate(x, labels, { family: 'binomial', folds: 3, nLambda: 10 });
    expect(fine.converged).toBe(true);
    expect(Array.from(fine.unconvergedFolds)).toEqual(new Array(fine.lambdas.length).fill(0));
  });

  it('calls onProgress after the full path and after each fold', () => {
    const calls: string[] = [];
    crossValidate(DenseDesign.fromRows(rows), labels, {
      family: 'binomial',
      folds: 4,
      nLambda: 5,
      onProgress: (done, total) => calls.push(`${done}/${total}`),
    });
    expect(calls).toEqual(['0/4', '1/4', '2/4', '3/4', '4/4']);
  });
});

describe('fit and path: --progress, --kkt-tolerance, cvUnconvergedFolds', () => {
  const base = ['--input', csv, '--target', 'y', '--family', 'binomial'];

  it('fit --cv reports cvUnconvergedFolds and cvConverged; progress only with --progress', async () => {
    const quiet = await runCli(['fit', ...base, '--cv', '3']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const model = JSON.parse(quiet.stdout) as { metrics: Record<string, unknown> };
    expect(model.metrics['cvUnconvergedFolds']).toBe(0);
    expect(model.metrics['cvConverged']).toBe(true);
    const loud = await runCli(['fit', ...base, '--cv', '3', '--progress']);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/cross-validation: fold 3\/3 done/);
  });

  it('path --cv puts cvUnconvergedFolds on every line', async () => {
    const { code, stdout } = await runCli(['path', ...base, '--cv', '3', '--nlambda', '8']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines)
      expect((JSON.parse(l) as { metrics: Record<string, unknown> }).metrics['cvUnconvergedFolds']).toBe(0);
  });

  it('--kkt-tolerance reaches the solver', async () => {
    const lambda = 0.01;
    const x = DenseDesign.fromRows(rows);
    for (const t of [0.5, 1e-10]) {
      const r = await runCli(['fit', ...base, '--lambda', String(lambda), '--kkt-tolerance', String(t)]);
      expect(r.code).toBe(0);
      const model = JSON.parse(r.stdout) as { intercept: number; metrics: { passes: number } };
      const direct = solveAt(x, labels, { family: 'binomial', lambda, kktTolerance: t });
      expect(model.intercept).toBe(direct.intercept);
      expect(model.metrics.passes).toBe(direct.passes);
    }
    // (Newton finishes on this dense design reach about the same point at any tolerance: the
    // solves differ in the sweeps they took)
    const loose = solveAt(x, labels, { family: 'binomial', lambda, kktTolerance: 0.5 });
    const tight = solveAt(x, labels, { family: 'binomial', lambda });
    expect(loose.passes).toBeLessThan(tight.passes);
  });

  it('--kkt-tolerance: out of range or on a gaussian fit is a usage error', async () => {
    const zero = await runCli(['fit', ...base, '--lambda', '0.01', '--kkt-tolerance', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--kkt-tolerance must be > 0, got 0/);
    const gaussian = await runCli(['path', '--input', csv, '--target', 'y', '--kkt-tolerance', '1e-4']);
    expect(gaussian.code).toBe(2);
    expect(gaussian.stderr).toMatch(/--kkt-tolerance applies to --family binomial/);
  });
});

describe('fit and path: --stopping', () => {
  // wide (p > n): naive updates, where the stopping rule applies
  const wrng = new Rng(9);
  const wide: number[][] = [];
  const target: number[] = [];
  for (let i = 0; i < 30; i++) {
    const r = Array.from({ length: 40 }, () => wrng.normal());
    wide.push(r);
    target.push(2 * r[0]! - r[1]! + 0.5 * wrng.normal());
  }
  const file = join(dir, 'wide.csv');
  const names = wide[0]!.map((_, j) => `x${j}`);
  writeFileSync(
    file,
    `${names.join(',')},y\n${wide.map((r, i) => `${r.join(',')},${target[i]}`).join('\n')}\n`,
  );
  const base = ['--input', file, '--target', 'y', '--standardize'];

  it('--stopping glmnet reaches the solver', async () => {
    const lambda = 0.05;
    const x = DenseDesign.fromRows(wide);
    const r = await runCli(['fit', ...base, '--lambda', String(lambda), '--stopping', 'glmnet']);
    expect(r.code).toBe(0);
    const model = JSON.parse(r.stdout) as { intercept: number; metrics: { passes: number } };
    const glmnet = solveAt(x, target, { lambda, stopping: 'glmnet' });
    const certified = solveAt(x, target, { lambda });
    expect(model.intercept).toBe(glmnet.intercept);
    expect(model.metrics.passes).toBe(glmnet.passes);
    expect(glmnet.passes).not.toBe(certified.passes);
  });

  it('--stopping: unknown, or on a binomial fit, is a usage error', async () => {
    const bad = await runCli(['path', ...base, '--stopping', 'loose']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stopping must be certified or glmnet/);
    const binomial = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--family',
      'binomial',
      '--stopping',
      'glmnet',
    ]);
    expect(binomial.code).toBe(2);
    expect(binomial.stderr).toMatch(/--stopping applies to --family gaussian/);
  });
});
