/**
 * Flags that would do nothing are refused, as the CLI refuses other such combinations (`--gamma`
 * without `--adaptive`, `--threads` with `--lambda`): `path --plot-scale` without `--plot`,
 * `report --target` without a CSV to read it from, `fit --weight` naming the target itself (a
 * row's weight its own label). Each was accepted without a word (a new user's trial).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-idle-flags-'));
const csv = join(dir, 't.csv');
const events = join(dir, 'e.jsonl');
const run = join(dir, 'run');

beforeAll(async () => {
  writeFileSync(
    csv,
    `x,w,y\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${1 + (i % 2)},${(i % 7) + (i % 3)}`).join('\n')}\n`,
  );
  writeFileSync(
    events,
    `${Array.from({ length: 200 }, (_, i) => JSON.stringify({ label: i % 2, features: { x: (i % 5) - 2 } })).join('\n')}\n`,
  );
  const r = await runCli([
    'replay',
    '--input',
    events,
    '--family',
    'binomial',
    '--out',
    run,
    '--no-progress',
  ]);
  expect(r.code, r.stderr).toBe(0);
});

describe('flags that would do nothing', () => {
  it('path --plot-scale without --plot', async () => {
    const r = await runCli(['path', '--input', csv, '--target', 'y', '--plot-scale', 'original']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--plot-scale sets the y axis of --plot FILE.svg: it goes with --plot');
  });

  it('report --target with JSON-lines data, given or the run’s own; with a CSV --data it is read', async () => {
    const own = await runCli(['report', '--input', run, '--target', 'y', '--output', join(dir, 'a.html')]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain(
      `--target y names the label column of a CSV --data; ${events} is JSON lines, whose events carry their own "label": leave out --target`,
    );
    const given = await runCli([
      'report',
      '--input',
      run,
      '--data',
      events,
      '--target',
      'y',
      '--output',
      join(dir, 'b.html'),
    ]);
    expect(given.code).toBe(2);
    const table = await runCli([
      'report',
      '--input',
      run,
      '--data',
      csv,
      '--target',
      'y',
      '--output',
      join(dir, 'c.html'),
    ]);
    expect(table.code, table.stderr).toBe(0);
  });

  it('fit --weight naming the target', async () => {
    const r = await runCli(['fit', '--input', csv, '--target', 'y', '--weight', 'y', '--lambda', '0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--weight y names the target column: a row's weight would be its own label; give the column of observation weights, or leave out --weight",
    );
    const weighted = await runCli([
      'fit',
      '--input',
      csv,
      '--target',
      'y',
      '--weight',
      'w',
      '--lambda',
      '0.1',
    ]);
    expect(weighted.code, weighted.stderr).toBe(0);
  });
});

describe('numbers in flags', () => {
  it('are decimal, as in a CSV cell or a JSON number: 0x10 is refused (fit took it for λ = 16)', async () => {
    const r = await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', '0x10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--lambda must be a number, got "0x10"');
    const replay = await runCli([
      'replay',
      '--input',
      events,
      '--family',
      'binomial',
      '--refit-every',
      '0b101',
    ]);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--refit-every must be a number, got "0b101"');
    for (const ok of ['0.1', '1e-1', '.1', '+0.1', ' 0.1 '])
      expect((await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', ok])).code, ok).toBe(0);
  });
});
