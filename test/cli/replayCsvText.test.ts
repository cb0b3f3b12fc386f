/**
 * `replay` of a CSV names the columns of numbers that have text cells, as `fit` does in a note:
 * "$2,025" or "1 200" in a column of numbers is the one-hot `charges=$2,025` and its row loses the
 * number, which a stream learned without a word (a trial's finding).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-text-'));
const rows = Array.from({ length: 300 }, (_, i) => {
  const charges = i === 7 ? '"$2,025"' : i === 70 ? '1 200' : i === 170 ? 'unknown' : String(20 + (i % 13));
  const fee = i === 9 ? 'n/a' : String(i % 5);
  return `${(i * 7) % 11},${charges},${fee},${i % 2 ? 'basic' : 'pro'}`;
});
const csv = join(dir, 'churn.csv');
writeFileSync(csv, `revenue,charges,fee,plan\n${rows.join('\n')}\n`);
/** `replay` of `input` (label column revenue) into `dir/out`. */
const replayOf = (input: string, out: string, ...extra: string[]) =>
  runCli([
    ...['replay', '--input', input, '--target', 'revenue', '--family', 'gaussian', '--no-progress'],
    ...extra,
    ...['--out', join(dir, out)],
  ]);
const replay = (out: string, ...extra: string[]) => replayOf(csv, out, ...extra);

describe('replay of a CSV: text among numbers', () => {
  it('is named at the end, with a few of its texts, in summary.json too', async () => {
    const r = await replay('a');
    expect(r.code, r.stderr).toBe(0);
    const message =
      'text cells in columns of numbers, each a one-hot column=text beside the column\'s number: "charges" 3 of 300 ("$2,025", "1 200", "unknown")';
    expect(r.stderr).toContain(`replay: warning: in the rows this run read (rejected ones too): ${message}`);
    // a missing-value cell ("n/a") is absent, not text; a column of text is not named
    expect(r.stderr).not.toMatch(/"fee" \d|"plan" \d/);
    const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')) as {
      warnings: string[];
    };
    expect(summary.warnings.some((w) => w.includes(message))).toBe(true);
  });

  it('a column left out (--exclude) is not named, and a CSV of numbers gives no such warning', async () => {
    const r = await replay('b', '--exclude', 'charges');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('text cells in columns of numbers');
    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, `revenue,charges\n${rows.map((_, i) => `${i % 11},${i % 13}`).join('\n')}\n`);
    const c = await replayOf(clean, 'c');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).not.toContain('text cells in columns of numbers');
  });
});

describe('score of a CSV: a missing-value label cell', () => {
  it('(NaN, n/a, NA) is no label, as replay reads it, not a label left out as unusable', async () => {
    const r = await replay('s');
    expect(r.code, r.stderr).toBe(0);
    const labels = join(dir, 'labels.csv');
    const cells = ['NaN', 'n/a', 'NA', 'abc'];
    writeFileSync(
      labels,
      `revenue,charges,fee,plan\n${rows.map((row, i) => (i < 4 ? row.replace(/^\d+/, cells[i]!) : row)).join('\n')}\n`,
    );
    const s = await runCli([
      'score',
      '--model',
      join(dir, 's', 'models.jsonl'),
      '--input',
      labels,
      '--target',
      'revenue',
    ]);
    expect(s.code, s.stderr).toBe(0);
    // 296 labels used; "abc" is the one label that is there but not a number
    expect(s.stderr).toMatch(/; 296 labelled: MSE [0-9.]+; 1 label left out: not usable for gaussian\n$/);
  });
});
