import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adaptiveWeights } from '../../src/solve/adaptive.js';
import { crossValidate } from '../../src/solve/cv.js';
import { DenseDesign } from '../../src/solve/design.js';
import { parseCsv, readCsvDesign } from '../../src/solve/csv.js';
import { objectiveValue } from '../../src/solve/objective.js';
import { solveAt } from '../../src/solve/solve.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-solve-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const rng = new Rng(17);
const rows: number[][] = [];
for (let i = 0; i < 120; i++) {
  const a = rng.normal();
  const b = rng.normal();
  const c = rng.normal();
  rows.push([a, b, c, 2 * a - b + 0.3 * rng.normal()]);
}
const csvText = `alpha,"beta, quoted",gamma,y\n${rows.map((r) => r.join(',')).join('\n')}\n`;
const csv = file('train.csv', csvText);

describe('CSV reader', () => {
  it('handles quotes, doubled quotes, CRLF and blank lines', () => {
    const { rows: r, lines } = parseCsv('a,"b ""x"", c"\r\n\r\n1,2\n"3\n4",5');
    expect(r).toEqual([
      ['a', 'b "x", c'],
      ['1', '2'],
      ['3\n4', '5'],
    ]);
    expect(lines).toEqual([1, 3, 4]);
  });
  it('names the line and column of a non-numeric target cell', () => {
    expect(() => readCsvDesign('a,y\n1,2\n2,foo\n', { target: 'y', source: 'f.csv' })).toThrow(
      'f.csv line 3, column "y": "foo" is not a number; the target and weight columns must be numeric',
    );
  });
  it('text feature cells are one-hot column=text and missing cells absent, as in a stream (issue 11)', () => {
    const d = readCsvDesign('x0,c,y\nhigh,a,1\n2.5,,2\nNaN,b,3\n-1,a,4\n', { target: 'y', source: 'f.csv' });
    expect(d.names).toEqual(['x0=high', 'c=a', 'x0', 'c=b']);
    const dense = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => d.x.get(i, j)));
    expect(dense).toEqual([
      [1, 1, 0, 0],
      [0, 0, 2.5, 0],
      [0, 0, 0, 1],
      [0, 1, -1, 0],
    ]);
    expect(Array.from(d.y)).toEqual([1, 2, 3, 4]);
    expect(d.notes).toEqual([
      '4 text cells were one-hot encoded as column=text: "c" 3 (2 levels), "x0" 1 (1 level)',
      'text cells in columns of numbers, each a one-hot column=text beside the column\'s number: "x0" 1 of 3 ("high"); ' +
        'a number written with a currency sign, a thousands separator or a unit ("$1,200", "12 kg") is text: ' +
        'write plain numbers (and leave a missing value empty)',
      '2 empty or missing-value cells (NaN, NA, null, ...) were left out (value 0); in columns of numbers: "x0" 1 of 4 rows (25 %); a missing number counts as 0: where 0 is a real value of the column, impute its missing cells, or add a 0/1 column that says they are missing',
    ]);
  });
  it('empty cells, missing target, empty file, header only', () => {
    expect(() => readCsvDesign('a,y\n1,\n', { target: 'y' })).toThrow(/column "y": the cell is empty/);
    expect(() => readCsvDesign('a,b\n1,2\n', { target: 'y' })).toThrow(
      /target column "y" is not in the header of the input; its columns are: a, b/,
    );
    expect(() => readCsvDesign('', { target: 'y' })).toThrow(/is empty: expected a header row/);
    expect(() => readCsvDesign('a,y\n', { target: 'y' })).toThrow(/header but no data rows/);
  });
});

describe('l1stream fit', () => {
  it('prints a batch snapshot (docs/outputs.md) whose optimum matches the solver', async () => {
    const { code, stdout, stderr } = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--lambda',
      '0.05',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as Record<string, unknown> & {
      coefficients: Record<string, number>;
      metrics: Record<string, unknown>;
    };
    expect(model).toMatchObject({
      key: 'train',
      version: 1,
      offset: 120,
      source: 'batch',
      family: 'gaussian',
      learner: 'coordinate-descent',
      lambda: 0.05,
      l1Ratio: 1,
    });
    expect(Object.keys(model.coefficients).sort()).toEqual(['alpha', 'beta, quoted']);
    expect(model.metrics.converged).toBe(true);
    // the metric names of online and refit snapshots for the same quantities
    expect(model.metrics).toMatchObject({ events: 120, nonZero: 2, features: 3 });
    expect(model.metrics.passes).toBeGreaterThan(0);
    for (const old of ['n', 'nonzero', 'iterations']) expect(model.metrics).not.toHaveProperty(old);
    const x = DenseDesign.fromRows(rows.map((r) => r.slice(0, 3)));
    const y = rows.map((r) => r[3]!);
    const direct = solveAt(x, y, { lambda: 0.05 });
    expect(model.coefficients.alpha).toBeCloseTo(direct.coefficients[0]!, 12);
    const obj = objectiveValue(
      x,
      y,
      {
        intercept: model.intercept as number,
        coefficients: [model.coefficients.alpha!, model.coefficients['beta, quoted']!, 0],
      },
      0.05,
    ).objective;
    expect(obj).toBeCloseTo(direct.objective, 12);
  });

  it('--penalty-factors: an unpenalized column stays in; unknown names and bad values are errors', async () => {
    const fitWith = (name: string, factors: object) =>
      runCli([
        'fit',
        '--input',
        csv,
        '--target',
        'y',
        '--lambda',
        '0.5',
        '--penalty-factors',
        file(name, JSON.stringify(factors)),
      ]);
    const { code, stdout, stderr } = await fitWith('pf.json', { gamma: 0, alpha: 1 });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as { coefficients: Record<string, number>; intercept: number };
    // gamma is pure noise, but unpenalized it is in the model, at its least-squares value
    expect(model.coefficients.gamma).toBeDefined();
    const x = DenseDesign.fromRows(rows.map((r) => r.slice(0, 3)));
    const y = rows.map((r) => r[3]!);
    const direct = solveAt(x, y, { lambda: 0.5, penaltyFactors: [1, 1, 0] });
    expect(model.coefficients.gamma).toBeCloseTo(direct.coefficients[2]!, 12);
    const typo = await fitWith('typo.json', { gama: 0 });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/"gama" is not a feature column \(did you mean "gamma"\?\)\n/);
    expect(typo.stderr).toMatch(/the feature columns are: alpha, beta, quoted, gamma/);
    const negative = await fitWith('neg.json', { alpha: -1 });
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/"alpha" must be a number >= 0/);
    // every problem of the file at once, not only the first
    const several = await fitWith('several.json', { alpha: -1, gama: 0, gamma: 'x' });
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/several\.json: 3 problems:/);
    expect(several.stderr).toMatch(/"alpha" must be a number >= 0/);
    expect(several.stderr).toMatch(/"gama" is not a feature column/);
    expect(several.stderr).toMatch(/"gamma" must be a number >= 0 \(or "Infinity"\), got "x"/);
  });

  it('--adaptive refits with 1/|β̂|^γ penalty factors from a cross-validated first stage', async () => {
    const { code, stdout, stderr } = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--adaptive',
      '--gamma',
      '2',
      '--cv',
      '5',
      '--seed',
      '4',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as {
      lambda: number;
      coefficients: Record<string, number>;
      metrics: { adaptive: boolean; gamma: number; firstStageLambda: number; lambdaMin: number };
    };
    expect(model.metrics).toMatchObject({ adaptive: true, gamma: 2 });
    // the same two stages through the API
    const x = DenseDesign.fromRows(rows.map((r) => r.slice(0, 3)));
    const y = rows.map((r) => r[3]!);
    const first = adaptiveWeights(x, y, { folds: 5, seed: 4, gamma: 2 });
    expect(model.metrics.firstStageLambda).toBe(first.initial.lambdaMin);
    const second = crossValidate(x, y, { folds: 5, seed: 4, penaltyFactors: first.penaltyFactors });
    expect(model.lambda).toBe(second.lambdaMin);
    const fit = second.path.fits[second.indexMin]!;
    expect(model.coefficients.alpha).toBeCloseTo(fit.coefficients[0]!, 12);
    // the true features, with less shrinkage than the plain lasso at its own λ_min
    expect(Object.keys(model.coefficients).sort()).toEqual(['alpha', 'beta, quoted']);
    const plain = crossValidate(x, y, { folds: 5, seed: 4 });
    expect(Math.abs(model.coefficients.alpha! - 2)).toBeLessThan(
      Math.abs(plain.path.fits[plain.indexMin]!.coefficients[0]! - 2),
    );
    const misuse = await runCli(['fit', '--input', csv, '--target', 'y', '--gamma', '2']);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toMatch(/--gamma goes with --adaptive/);
  });

  it('--cv reports λ_min and λ_1se and is seeded', async () => {
    const a = await runCli(['fit', '--input', csv, '--target', 'y', '--cv', '5', '--seed', '3']);
    const b = await runCli(['fit', '--input', csv, '--target', 'y', '--cv', '5', '--seed', '3']);
    expect(a.code).toBe(0);
    const ma = JSON.parse(a.stdout) as { lambda: number; metrics: { lambdaMin: number; lambda1se: number } };
    const mb = JSON.parse(b.stdout) as typeof ma;
    expect(ma.metrics.lambdaMin).toBe(mb.metrics.lambdaMin);
    expect(ma.metrics.lambda1se).toBeGreaterThanOrEqual(ma.metrics.lambdaMin);
    expect(ma.lambda).toBe(ma.metrics.lambdaMin);
  });

  it('--threads N fits the folds on N threads: the same model; misuse is named', async () => {
    const args = ['fit', '--input', csv, '--target', 'y', '--cv', '4', '--seed', '2'];
    const one = await runCli([...args, '--threads', '1']);
    const three = await runCli([...args, '--threads', '3']);
    expect(one.code).toBe(0);
    expect(three.stderr).toBe('');
    const withoutTime = (text: string) => text.replace(/"createdAt": "[^"]*"/, '');
    expect(withoutTime(three.stdout)).toBe(withoutTime(one.stdout));
    const zero = await runCli([...args, '--threads', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--threads/);
    const oneLambda = await runCli([...args.slice(0, 5), '--lambda', '0.1', '--threads', '2']);
    expect(oneLambda.code).toBe(2);
    expect(oneLambda.stderr).toMatch(
      /--threads sets the threads of the cross-validation, and --lambda fits one λ/,
    );
    const pathArgs = ['path', '--input', csv, '--target', 'y', '--nlambda', '10'];
    const pathOne = await runCli([...pathArgs, '--cv', '3', '--threads', '1']);
    const pathTwo = await runCli([...pathArgs, '--cv', '3', '--threads', '2']);
    expect(pathOne.code).toBe(0);
    expect(withoutTime(pathTwo.stdout).replace(/"createdAt":"[^"]*"/g, '')).toBe(
      withoutTime(pathOne.stdout).replace(/"createdAt":"[^"]*"/g, ''),
    );
    const noCv = await runCli([...pathArgs, '--threads', '2']);
    expect(noCv.code).toBe(2);
    expect(noCv.stderr).toMatch(/--threads sets the threads of the cross-validation: it goes with --cv K/);
  });

  it('fits JSON-lines events with --target label', async () => {
    const ev = file(
      'events.jsonl',
      rows
        .map((r, i) =>
          JSON.stringify({
            label: r[3],
            features: { alpha: r[0], beta: r[1], country: i % 2 ? 'DE' : 'FR' },
          }),
        )
        .join('\n'),
    );
    const { code, stdout, stderr } = await runCli([
      'fit',
      '--input',
      ev,
      '--target',
      'label',
      '--lambda',
      '0.05',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as { coefficients: Record<string, number> };
    expect(Object.keys(model.coefficients)).toContain('alpha');
    expect(model.coefficients.alpha).toBeGreaterThan(1);
  });

  it.each([
    [
      'missing target column',
      ['--target', 'nope', '--lambda', '0.1'],
      1,
      /target column "nope" is not in the header of train.csv; its columns are: alpha, beta, quoted, gamma, y/,
    ],
    [
      'target column in another case',
      ['--target', 'Y', '--lambda', '0.1'],
      1,
      /target column "Y" is not in the header of train.csv \(did you mean "y"\?\); its columns are: alpha, beta, quoted, gamma, y/,
    ],
    [
      'missing weight column',
      ['--target', 'y', '--weight', 'gama', '--lambda', '0.1'],
      1,
      /weight column "gama" is not in the header of train.csv \(did you mean "gamma"\?\); its columns are: alpha, beta, quoted, gamma, y/,
    ],
    [
      'missing weight column, nothing close',
      ['--target', 'y', '--weight', 'W', '--lambda', '0.1'],
      1,
      /weight column "W" is not in the header of train.csv; its columns are: alpha, beta, quoted, gamma, y$/m,
    ],
    ['λ < 0', ['--target', 'y', '--lambda=-1'], 2, /--lambda must be >= 0, got -1/],
    ['unknown family', ['--target', 'y', '--family', 'poisson'], 2, /--family must be gaussian or binomial/],
  ])('%s: exit %s with a message that says what to fix', async (_n, args, exit, msg) => {
    const { code, stderr } = await runCli(['fit', '--input', csv, ...args]);
    expect(code).toBe(exit);
    expect(stderr).toMatch(msg);
  });

  it('non-numeric cell, empty file, constant column, binomial target', async () => {
    // a text feature cell is its one-hot (as in a stream); a text target is an error
    const text = file('text.csv', 'a,y\n1,2\n2,3\nx1,4\n');
    let r = await runCli(['fit', '--input', text, '--target', 'y', '--lambda', '0.1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: 1 text cells were one-hot encoded as column=text/);
    expect(Object.keys((JSON.parse(r.stdout) as { coefficients: object }).coefficients)).toContain('a=x1');
    const bad = file('bad.csv', 'a,y\n1,2\n2,3\n4,x1\n');
    r = await runCli(['fit', '--input', bad, '--target', 'y', '--lambda', '0.1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /skipped 1 row that cannot be used \(the first, line 4: column "y": "x1" is not a number/,
    );
    r = await runCli(['fit', '--input', file('empty.csv', ''), '--target', 'y', '--lambda', '0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty.csv is empty/);
    r = await runCli([
      'fit',
      '--input',
      file('const.csv', 'a,k,y\n1,5,1\n2,5,2.2\n3,5,2.9\n4,5,4.1\n'),
      '--target',
      'y',
      '--lambda',
      '0.01',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/column "k" is constant; its coefficient is fixed at 0/);
    r = await runCli(['fit', '--input', csv, '--target', 'y', '--family', 'binomial', '--lambda', '0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a binomial target must be 0 or 1/);
  });

  it('warns when a converged fit is no estimate: separated classes, p ≥ n at λ = 0 (issue s26-7)', async () => {
    type Fit = { coefficients: Record<string, number>; metrics: { converged: boolean; warnings?: string } };
    const sep = file('sep.csv', 'x,y\n1,0\n2,0\n3,1\n4,1\n');
    let r = await runCli(['fit', '--input', sep, '--target', 'y', '--family', 'binomial', '--lambda', '0']);
    expect(r.code, r.stderr).toBe(0);
    const separated =
      '4 of 4 rows are fitted with probability 0 or 1 (within 1e-10 of their label): the classes are separated at λ = 0, so the maximum-likelihood estimate does not exist';
    expect(r.stderr).toContain(`l1stream: warning: ${separated}`);
    expect(r.stderr).toContain('give a larger λ > 0');
    expect((JSON.parse(r.stdout) as Fit).metrics.warnings).toContain(separated);
    // a λ that matters: no warning
    r = await runCli(['fit', '--input', sep, '--target', 'y', '--family', 'binomial', '--lambda', '0.01']);
    expect(r.stderr).not.toContain('warning');
    expect((JSON.parse(r.stdout) as Fit).metrics).not.toHaveProperty('warnings');
    // p ≥ n: 6 columns, 5 rows
    const wideRows = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 7 }, (_, j) => Math.sin(1 + i * 7 + j * 3).toFixed(4)).join(','),
    );
    const wide = file('wide.csv', `a,b,c,d,e,f,y\n${wideRows.join('\n')}\n`);
    r = await runCli(['fit', '--input', wide, '--target', 'y', '--lambda', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'l1stream: warning: at λ = 0 with 6 feature columns and 5 rows (p ≥ n) the solution is not unique',
    );
    // n > p, classes that overlap: the λ = 0 fit is the unique maximum-likelihood estimate, no warning
    const overlap = file(
      'overlap.csv',
      `alpha,gamma,y\n${rows.map((q) => `${q[0]},${q[2]},${q[0]! + rng.normal() > 0 ? 1 : 0}`).join('\n')}\n`,
    );
    r = await runCli(['fit', '--input', overlap, '--target', 'y', '--family', 'binomial', '--lambda', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning');
    r = await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', '0']);
    expect(r.stderr).not.toContain('warning');
  });

  it('more folds than rows says what to give instead: --lambda, fewer folds (issue s26-11a)', async () => {
    const tiny = file('tiny.csv', 'x,y\n1,1\n2,2.1\n3,2.9\n');
    let r = await runCli(['fit', '--input', tiny, '--target', 'y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'without --lambda, λ is chosen by cross-validation: 10 folds need at least 10 rows, the input has 3; give --cv K with K from 2 to 3, or --lambda L to fit at one λ',
    );
    r = await runCli(['path', '--input', tiny, '--target', 'y', '--cv', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '5 folds need at least 5 rows, the input has 3; give --cv K with K from 2 to 3, or no --cv',
    );
    // the hints work
    r = await runCli(['fit', '--input', tiny, '--target', 'y', '--cv', '3']);
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['fit', '--input', tiny, '--target', 'y', '--lambda', '0.01']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('fit and path on a CSV with bad rows', () => {
  // the good rows, then the same with a bad row after every 10th: each kind of problem once
  const good = rows.map((r, i) => `${r[0]},${r[1]},${i % 3 === 0 ? 'red' : 'blue'},${r[3]}`);
  const badRows = [
    '1,2,red', // 3 fields
    '1,2,red,4,5', // 5 fields
    '1,2,red,', // empty target
    '1,2,red,abc', // text target
    '1,2,red,Infinity', // infinite target
    'Infinity,2,red,1', // infinite feature
    '1,-1e999,red,1', // infinite feature
  ];
  const withBad = good.flatMap((row, i) =>
    i % 10 === 5 && i / 10 < badRows.length ? [row, badRows[(i - 5) / 10]!] : [row],
  );
  const header = 'alpha,beta,colour,y';
  const clean = file('clean.csv', `${header}\n${good.join('\n')}\n`);
  const dirty = file('dirty.csv', `${header}\n${withBad.join('\r\n')}\r\n`);
  const lambda = ['--target', 'y', '--lambda', '0.05'];

  it('skips each bad row with its line, column and value, and fits the model of the file without them', async () => {
    const letters = join(dir, 'csv-letters.jsonl');
    const a = await runCli(['fit', '--input', dirty, ...lambda, '--dead-letters', letters, '--key', 'k']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(
      /warning: skipped 7 rows that cannot be used \(the first, line 8: has 3 fields, the header has 4\)/,
    );
    const b = await runCli(['fit', '--input', clean, ...lambda, '--key', 'k']);
    expect(b.code, b.stderr).toBe(0);
    const strip = (s: string) => {
      const m = JSON.parse(s) as { createdAt?: string; metrics: Record<string, unknown> };
      delete m.createdAt;
      for (const k of Object.keys(m.metrics)) if (/Ms$|seconds/i.test(k)) delete m.metrics[k];
      return m;
    };
    const [ma, mb] = [strip(a.stdout), strip(b.stdout)];
    expect(ma.metrics.rejected).toBe(7);
    delete ma.metrics.rejected;
    expect(ma).toEqual(mb); // to the bit: the same numbers, not close ones
    const dead = readFileSync(letters, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead.map((d) => d.value)).toEqual(badRows);
    expect(dead.map((d) => d.line)).toEqual([8, 19, 30, 41, 52, 63, 74]);
    expect(dead[0]).toMatchObject({
      source: dirty,
      stage: 'decode',
      reason: 'has 3 fields, the header has 4',
    });
    expect(dead[2]!.reason).toMatch(/^column "y": the cell is empty/);
    expect(dead[3]!.reason).toMatch(/^column "y": "abc" is not a number/);
    expect(dead[4]!.reason).toMatch(/^column "y": "Infinity" is not a finite number/);
    expect(dead[5]).toMatchObject({ stage: 'validate' });
    expect(dead[5]!.reason).toMatch(/^column "alpha": "Infinity" is not a finite number/);
    expect(dead[6]!.reason).toMatch(/^column "beta": "-1e999" is not a finite number/);
  });

  it('path skips them too, and a file with no usable row is an error that says so', async () => {
    const a = await runCli(['path', '--input', dirty, '--target', 'y', '--nlambda', '5', '--key', 'k']);
    const b = await runCli(['path', '--input', clean, '--target', 'y', '--nlambda', '5', '--key', 'k']);
    expect(a.code, a.stderr).toBe(0);
    const coefs = (s: string) =>
      s
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { coefficients: object }).coefficients);
    expect(coefs(a.stdout)).toEqual(coefs(b.stdout));
    const r = await runCli(['fit', '--input', file('allbad.csv', 'a,y\n1,\n2,x\n3\n'), ...lambda]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /allbad.csv has no usable data rows: all 3 were skipped \(the first, line 2, column "y": the cell is empty/,
    );
  });
});

describe('l1stream path', () => {
  it('prints one model per λ (largest first) and draws the SVG with feature names', async () => {
    const svg = join(dir, 'path.svg');
    const { code, stdout } = await runCli([
      'path',
      '--input',
      csv,
      '--target',
      'y',
      '--nlambda',
      '30',
      '--plot',
      svg,
    ]);
    expect(code).toBe(0);
    const models = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { lambda: number; version: number; coefficients: Record<string, number> });
    expect(models.length).toBeGreaterThan(5);
    expect(models.length).toBeLessThanOrEqual(30);
    expect(Object.keys(models[0]!.coefficients)).toHaveLength(0);
    for (let k = 1; k < models.length; k++) expect(models[k]!.lambda).toBeLessThan(models[k - 1]!.lambda);
    const pic = readFileSync(svg, 'utf8');
    expect(pic.startsWith('<svg')).toBe(true);
    expect(pic).toContain('>alpha</text>');
    expect(pic).toContain('beta, quoted');
    expect(pic).toContain('log(λ)');
  });
  it('a path that stops before --nlambda λ says so on stderr and in --help (issue s26-11d)', async () => {
    const { code, stdout, stderr } = await runCli(['path', '--input', csv, '--target', 'y']);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metrics: { devianceRatio: number } });
    expect(lines.length).toBeLessThan(100);
    const [last, before] = [lines.at(-1)!.metrics.devianceRatio, lines.at(-2)!.metrics.devianceRatio];
    // glmnet's rule, as the note says
    expect(last > 0.999 || last - before < 1e-5 * last).toBe(true);
    expect(stderr).toContain(
      `note: the path stopped at ${lines.length} of 100 λ, as glmnet's does: the share of deviance explained`,
    );
    const help = await runCli(['path', '--help']);
    expect(help.stdout + help.stderr).toMatch(/the path stops before the\s+last of them/);
  });
  it('with --cv, every line has the metrics docs/outputs.md lists for path and for --cv (issue s26-9)', async () => {
    // the metrics table's rows whose batch column is `path` or with `--cv`: their names, from the docs
    const docs = readFileSync(new URL('../../docs/outputs.md', import.meta.url), 'utf8');
    const documented = new Set<string>();
    for (const row of docs.split('\n')) {
      const cells = row.split('|').map((c) => c.trim());
      if (cells.length < 6 || (cells[4] !== '`path`' && cells[4] !== 'with `--cv`')) continue;
      for (const m of cells[1]!.matchAll(/`([A-Za-z0-9]+)`/g)) documented.add(m[1]!);
    }
    expect([...documented].sort()).toEqual(
      [
        'cvDeviance',
        'cvDevianceSe',
        'cvUnconvergedFolds',
        'folds',
        'lambda1se',
        'lambdaMax',
        'lambdaMin',
        'seed',
      ].sort(),
    );
    const { code, stdout } = await runCli([
      'path',
      '--input',
      csv,
      '--target',
      'y',
      '--nlambda',
      '8',
      '--cv',
      '4',
      '--seed',
      '5',
    ]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      const metrics = (JSON.parse(line) as { metrics: Record<string, unknown> }).metrics;
      for (const name of documented) expect(metrics, name).toHaveProperty(name);
      expect(metrics.folds).toBe(4);
      expect(metrics.seed).toBe(5);
    }
  });
});

describe('fit and path on JSON lines over the record size limit', () => {
  // three valid events per ten, then one valid event with a 1.2 MB string feature
  const events = rows.map((r) => JSON.stringify({ label: r[3], features: { alpha: r[0], beta: r[1] } }));
  const big = JSON.stringify({ label: 1, features: { alpha: 0, note: 'x'.repeat(1_200_000) } });
  const clean = file('sized-clean.jsonl', `${events.join('\n')}\n`);
  const withBig = file('sized-big.jsonl', `${[...events.slice(0, 7), big, ...events.slice(7)].join('\n')}\n`);
  const lambda = ['--target', 'label', '--lambda', '0.05', '--key', 'k'];
  const model = (s: string) => {
    const m = JSON.parse(s) as { coefficients: object; intercept: number; metrics: Record<string, unknown> };
    return { coefficients: m.coefficients, intercept: m.intercept, events: m.metrics.events };
  };

  it('skips a line over 1 MiB with replay reason, and learns the model of the file without it', async () => {
    const letters = join(dir, 'sized-letters.jsonl');
    const a = await runCli(['fit', '--input', withBig, ...lambda, '--dead-letters', letters]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(
      /skipped 1 line .*line 8: record is 12000\d\d bytes, over the limit of 1048576 bytes/,
    );
    const b = await runCli(['fit', '--input', clean, ...lambda]);
    expect(model(a.stdout)).toEqual(model(b.stdout));
    const dead = JSON.parse(readFileSync(letters, 'utf8').trim()) as Record<string, unknown>;
    expect(dead).toMatchObject({ line: 8, stage: 'decode', value: big });
    const p = await runCli(['path', '--input', withBig, '--target', 'label', '--nlambda', '4', '--key', 'k']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/line 8: record is 12000\d\d bytes/);
  });

  it('--max-record-bytes raises the limit (and the line is learned)', async () => {
    const a = await runCli(['fit', '--input', withBig, ...lambda, '--max-record-bytes', '2000000']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).not.toMatch(/skipped/);
    expect(model(a.stdout).events).toBe(rows.length + 1);
    const bad = await runCli(['fit', '--input', withBig, ...lambda, '--max-record-bytes', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-record-bytes/);
  });
});
