/**
 * What a new user's trial of the command line found (2026-12-05): paths this user cannot write
 * refused at once with exit 2 and the fix, flags that a command would ignore refused, a 0/1 target
 * fitted by least squares without a word, missing files named as other missing files are, a
 * misspelled family without a suggestion, and rejected lines not pointed at.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const root = resolve(import.meta.dirname, '../..');

/** A directory every user may read (the unprivileged runs below read their input from it). */
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-newuser-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** `n` rows of a churn-like CSV with a 0/1 target (seeded). */
function churnCsv(n: number): string {
  const rng = new Rng(5);
  const r = () => rng.next();
  const rows = ['tenure,spend,plan,churned'];
  for (let i = 0; i < n; i++) {
    const tenure = Math.floor(r() * 60);
    const spend = Math.round(r() * 1000) / 10;
    const plan = r() < 0.5 ? 'basic' : 'pro';
    const eta = 0.8 - 0.05 * tenure + (plan === 'pro' ? -0.6 : 0.2);
    rows.push(`${tenure},${spend},${plan},${r() < 1 / (1 + Math.exp(-eta)) ? 1 : 0}`);
  }
  return `${rows.join('\n')}\n`;
}

const events = (n: number) =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ label: i % 3 === 0 ? 1 : 0, features: { x: (i % 7) - 3, c: `v${i % 4}` } })).join('\n')}\n`;

/** The built command, stopped after 60 s; `as` a uid/gid to run it as (root's tests only). */
const built = (args: string[], as?: number) =>
  promisify(execFile)(process.execPath, ['bin/l1stream.js', ...args], {
    cwd: root,
    timeout: 60_000,
    ...(as !== undefined ? { uid: as, gid: as } : {}),
  }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number | null; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

const NOBODY = 65534;

/**
 * Who runs the read-only-file case: this user when not root (a 0444 file stops it); nobody when
 * root (whom no permission stops) and nobody can read this checkout (a fresh clone in a 0700
 * temporary directory it cannot); else null (then the unit test below covers the check).
 */
function unprivileged(): { as?: number } | null {
  if (process.getuid?.() !== 0) return {};
  try {
    execFileSync(
      process.execPath,
      ['-e', `require('fs').accessSync(${JSON.stringify(join(root, 'bin/l1stream.js'))})`],
      {
        uid: NOBODY,
        gid: NOBODY,
        stdio: 'ignore',
      },
    );
    return { as: NOBODY };
  } catch {
    return null;
  }
}

describe('paths this user cannot write are refused before any work: one line, exit 2', () => {
  // sysfs refuses new files to every user, root included
  it.runIf(existsSync('/sys/kernel'))(
    'an existing --out or --state directory without write permission',
    async () => {
      const dir = tmp();
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, events(200));
      const replay = ['replay', '--input', input, '--family', 'binomial'];
      expect(await built([...replay, '--out', '/sys/kernel'])).toEqual({
        code: 2,
        stderr: 'l1stream: --out /sys/kernel: permission denied; give a directory you can write\n',
      });
      expect(await built([...replay, '--out', join(dir, 'o'), '--state', '/sys/kernel'])).toEqual({
        code: 2,
        stderr: 'l1stream: --state /sys/kernel: permission denied; give a directory you can write\n',
      });
      expect(existsSync(join(dir, 'o', 'models.jsonl'))).toBe(false);
    },
    120_000,
  );

  const user = unprivileged();
  it.runIf(user !== null)(
    'an existing --output file without write permission, before the cross-validation',
    async () => {
      const dir = tmp();
      const input = join(dir, 'churn.csv');
      writeFileSync(input, churnCsv(400));
      const output = join(dir, 'model.jsonl');
      writeFileSync(output, '');
      chmodSync(output, 0o444);
      const fit = ['fit', '--input', input, '--target', 'churned', '--family', 'binomial'];
      expect(await built([...fit, '--output', output], user?.as)).toEqual({
        code: 2,
        stderr: `l1stream: --output ${output}: permission denied; choose a path you can write\n`,
      });
    },
    120_000,
  );
});

describe('flags a command would not use are refused, naming why', () => {
  it('fit --lambda with --select or --seed; path --seed without --cv; fit --adaptive --lambda takes --seed', async () => {
    const dir = tmp();
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv(300));
    const fit = ['fit', '--input', input, '--target', 'churned', '--family', 'binomial'];
    const select = await runCli([...fit, '--lambda', '0.01', '--select', '1se']);
    expect(select.code).toBe(2);
    expect(select.stderr).toMatch(
      /^l1stream: --select picks the λ of the cross-validation, .*leave out --select\n/,
    );
    const seed = await runCli([...fit, '--lambda', '0.01', '--seed', '5']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(
      /^l1stream: --seed assigns the folds of the cross-validation, .*leave out --seed\n/,
    );
    const path = await runCli(['path', '--input', input, '--target', 'churned', '--seed', '3']);
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(
      /^l1stream: --seed assigns the folds of the cross-validation: it goes with --cv K\n/,
    );
    const adaptive = await runCli([...fit, '--adaptive', '--lambda', '0.01', '--seed', '5', '--cv', '3']);
    expect(adaptive.stderr).not.toMatch(/--seed/);
  }, 60_000);
});

describe('a 0/1 target fitted without --family', () => {
  it('says that the fit is least squares and names --family binomial; not with --family given', async () => {
    const dir = tmp();
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv(300));
    const fit = ['fit', '--input', input, '--target', 'churned', '--lambda', '0.01'];
    const quiet = await runCli(fit);
    expect(quiet.code).toBe(0);
    const note =
      'l1stream: note: the target "churned" holds only 0 and 1, and this is a least-squares fit (--family gaussian, the default); --family binomial fits a logistic model of its probability\n';
    expect(quiet.stderr).toContain(note);
    const given = await runCli([...fit, '--family', 'gaussian']);
    expect(given.code).toBe(0);
    expect(given.stderr).not.toContain('holds only 0 and 1');
    const path = await runCli(['path', '--input', input, '--target', 'churned', '--nlambda', '5']);
    expect(path.stderr).toMatch(/note: the target "churned" holds only 0 and 1/);
  }, 60_000);
});

describe('missing files named as every other missing file is', () => {
  it('--config, --penalty-factors and --model: the path and "check the path", no usage line', async () => {
    const dir = tmp();
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv(100));
    const missing = join(dir, 'nope.json');
    const config = await runCli(['replay', '--config', missing]);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain(`--config: ${missing}: no such file or directory; check the path`);
    expect(config.stderr).not.toContain('ENOENT');
    const pf = await runCli([
      'fit',
      ...['--input', input, '--target', 'churned', '--family', 'binomial', '--penalty-factors', missing],
    ]);
    expect(pf).toMatchObject({
      code: 2,
      stderr: `l1stream: --penalty-factors ${missing}: no such file or directory; check the path\n`,
    });
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, `${JSON.stringify({ features: { x: 1 } })}\n`);
    const score = await runCli(['score', '--model', missing, '--input', events]);
    expect(score).toMatchObject({
      code: 2,
      stderr: `l1stream: --model ${missing}: no such file or directory; check the path\n`,
    });
  });
});

describe('small wording fixes', () => {
  it('a misspelled family or learner gets a suggestion', async () => {
    const dir = tmp();
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ model: { family: 'binomal', learner: 'ftlr' } }));
    const { code, stderr } = await runCli(['replay', '--config', config, '--input', join(dir, 'x.jsonl')]);
    expect(code).toBe(2);
    expect(stderr).toContain('got "binomal"; did you mean "binomial"?');
    expect(stderr).toContain('got "ftlr"; did you mean "ftrl"?');
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv(50));
    const fit = await runCli(['fit', '--input', input, '--target', 'churned', '--family', 'gausian']);
    expect(fit.stderr).toMatch(
      /^l1stream: --family must be gaussian or binomial, got "gausian"; did you mean "gaussian"\?\n/,
    );
  });

  it("replay's last line points at dead-letters.jsonl when lines were rejected, and not otherwise", async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${events(200)}{"label": 1, "features": \n`);
    const bad = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', join(dir, 'a')]);
    expect(bad.code).toBe(0);
    expect(bad.stderr).toMatch(
      /^replay: 200 events learned, 0 scored, 1 rejected \(dead-letters\.jsonl\); /m,
    );
    writeFileSync(input, events(200));
    const good = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', join(dir, 'b')]);
    expect(good.stderr).toMatch(/^replay: 200 events learned, 0 scored, 0 rejected; /m);
  });
});

describe('a run whose first 1,000 records are all rejected stops there', () => {
  const clicks = (n: number) =>
    `${Array.from({ length: n }, (_, i) => JSON.stringify({ label: i % 4 === 0 ? 1 : 0, features: { publisher: `p${i % 9}`, x: i % 5 } })).join('\n')}\n`;

  it('a misspelled --key-by: exit 1 soon after the first 1,000 records, naming the reason, not the whole file dead-lettered', async () => {
    const dir = tmp();
    const input = join(dir, 'clicks.jsonl');
    writeFileSync(input, clicks(100_000));
    const out = join(dir, 'out');
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'publsher',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /replay: error: nothing learned: the first [\d,]+ records of .*clicks\.jsonl were all rejected, so it stopped there; the most common reason \([\d,]+\): feature "publsher" \(model\.keyBy\) is missing; did you mean "publisher"\? \(see dead-letters\.jsonl\)\n/,
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      stoppedAllRejected: number;
      rejected: number;
    };
    expect(summary.stoppedAllRejected).toBeGreaterThanOrEqual(1000);
    expect(summary.stoppedAllRejected).toBeLessThan(50_000);
    const letters = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(letters.length).toBe(summary.rejected);
    expect(letters.length).toBeLessThan(50_000);
  });

  it('not when one of the first 1,000 is learned: 999 bad lines, then good ones, run to the end', async () => {
    const dir = tmp();
    const input = join(dir, 'mixed.jsonl');
    writeFileSync(input, `${'not json\n'.repeat(999)}${clicks(3000)}`);
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^replay: 3,000 events learned, 0 scored, 999 rejected \(dead-letters\.jsonl\); /m,
    );
  });
});

describe('a cross-validated minimum at the end of the path is noted', () => {
  it('at the smallest λ of a short grid: says so and how to extend it; not when the minimum is inside the grid', async () => {
    const dir = tmp();
    const input = join(dir, 'churn.csv');
    writeFileSync(input, churnCsv(2000));
    const path = ['path', '--input', input, '--target', 'churned', '--family', 'binomial', '--cv', '5'];
    // a grid of 5 λ from λ_max down to λ_max / 4: the error still falls at its end
    const short = await runCli([...path, '--nlambda', '5', '--lambda-min-ratio', '0.25']);
    expect(short.code).toBe(0);
    expect(short.stderr).toMatch(
      /^l1stream: note: the cross-validated deviance is lowest at the smallest λ of the grid, λ_min = \S+: it may be lower still at smaller λ; a smaller --lambda-min-ratio extends the grid$/m,
    );
    // 2 features that matter among 30 that do not, 300 rows: small λ overfit
    const rng = new Rng(9);
    const u = () => rng.next();
    const rows = [`${Array.from({ length: 32 }, (_, j) => `x${j}`).join(',')},churned`];
    for (let i = 0; i < 300; i++) {
      const x = Array.from({ length: 32 }, () => Math.round((u() * 4 - 2) * 100) / 100);
      rows.push(`${x.join(',')},${u() < 1 / (1 + Math.exp(-(1.5 * x[0]! - x[1]!))) ? 1 : 0}`);
    }
    const noisy = join(dir, 'noisy.csv');
    writeFileSync(noisy, `${rows.join('\n')}\n`);
    const inside = ['path', '--input', noisy, '--target', 'churned', '--family', 'binomial', '--cv', '5'];
    const fit = await runCli(['fit', ...inside.slice(1)]);
    expect(fit.code).toBe(0);
    const full = await runCli(inside);
    expect(full.code).toBe(0);
    const lines = full.stdout.trim().split('\n');
    const { metrics, lambda } = JSON.parse(lines.at(-1)!) as {
      metrics: { lambdaMin: number };
      lambda: number;
    };
    // (this data's minimum is inside the default grid)
    expect(metrics.lambdaMin).toBeGreaterThan(lambda);
    expect(full.stderr).not.toContain('cross-validated deviance is lowest');
    expect(fit.stderr).not.toContain('cross-validated deviance is lowest');
  }, 120_000);
});
