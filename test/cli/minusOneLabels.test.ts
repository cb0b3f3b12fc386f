import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { reasonClass } from '../../src/engine/engine.js';
import { runCli } from '../helpers/cli.js';

/** Binomial events labelled -1/+1 (Vowpal Wabbit's convention), x moving the odds. */
function vwEvents(dir: string, n: number): string {
  const input = join(dir, 'vw.jsonl');
  const lines = Array.from({ length: n }, (_, i) => {
    const x = ((i * 37) % 11) - 5;
    const label = (i * 7919) % 13 < 6 + x / 2 ? 1 : -1;
    return JSON.stringify({ label, features: { x, site: `s${i % 3}` } });
  });
  writeFileSync(input, `${lines.join('\n')}\n`);
  return input;
}

describe('binomial labels of -1 (-1/+1 labels) are named, and one class left is not a model', () => {
  it('the reject reason says to send 0 for -1, and its class keeps that hint', () => {
    const reason =
      '"label" must be 0 or 1 for family binomial, got -1 (labels -1/+1, as Vowpal Wabbit uses: send 0 for -1)';
    expect(reasonClass(reason)).toBe(
      '"label" must be 0 or 1 for family binomial, got N (labels -1/+1, as Vowpal Wabbit uses: send 0 for -1)',
    );
    expect(reasonClass('"label" must be 0 or 1 for family binomial, got 2')).toBe(
      '"label" must be 0 or 1 for family binomial, got N',
    );
  });

  it('replay: the dead letters and the summary say send 0 for -1, and that every learned label was the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-vw-'));
    const out = join(dir, 'o');
    const r = await runCli([
      'replay',
      '--input',
      vwEvents(dir, 600),
      '--family',
      'binomial',
      '--no-refit',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const first = JSON.parse(readFileSync(join(out, 'dead-letters.jsonl'), 'utf8').split('\n')[0]!) as {
      reason: string;
    };
    expect(first.reason).toMatch(/got -1 \(labels -1\/\+1, as Vowpal Wabbit uses: send 0 for -1\)$/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    const oneClass = summary.warnings.find((w) => w.startsWith('every learned event had the same label'));
    expect(oneClass).toMatch(/\d+ events with label -1 were rejected: send 0 for -1/);
    expect(r.stderr).toContain('every learned event had the same label');
  });

  it('replay with both labels says nothing of one class', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-vw-'));
    const input = join(dir, 'ok.jsonl');
    const text = readFileSync(vwEvents(dir, 600), 'utf8').replaceAll('"label":-1', '"label":0');
    writeFileSync(input, text);
    const out = join(dir, 'o');
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--no-refit', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('same label');
    // nor when a first event of weight 1e300 rounds the weighted constant's loss to 0
    const heavy = join(dir, 'heavy.jsonl');
    writeFileSync(heavy, `{"label":1,"weight":1e300,"features":{"x":1}}\n${text}`);
    const h = await runCli([
      'replay',
      '--input',
      heavy,
      '--family',
      'binomial',
      '--no-refit',
      '--out',
      join(dir, 'h'),
    ]);
    expect(h.code).toBe(0);
    expect(h.stderr).not.toContain('same label');
  });

  it('fit and path: one class left after the -1 rows are skipped is an error naming the fix, not an intercept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-vw-'));
    const input = vwEvents(dir, 300);
    for (const argv of [
      ['fit', '--input', input, '--target', 'label', '--family', 'binomial', '--lambda', '0.01'],
      ['fit', '--input', input, '--target', 'label', '--family', 'binomial', '--cv', '3'],
      ['path', '--input', input, '--target', 'label', '--family', 'binomial'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /every usable row has target 1: a binomial fit needs rows with target 0 and rows with target 1 .*; \d+ rows with target -1 were skipped: send 0 for -1/,
      );
    }
    const csv = join(dir, 'vw.csv');
    writeFileSync(csv, 'y,x\n1,2\n-1,3\n1,4\n1,1\n');
    const r = await runCli([
      'fit',
      '--input',
      csv,
      ...'--target y --family binomial --lambda 0.1'.split(' '),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/got -1 \(labels -1\/\+1, as Vowpal Wabbit uses: send 0 for -1\)/);
    expect(r.stderr).toMatch(/1 row with target -1 was skipped/);
  });

  it('fit: one class left because the other has weight 0 only says so (weights, not the target)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-weight0-'));
    const csv = join(dir, 'w.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${i % 2 === 1 ? 0 : 1.5},${i % 2}`);
    writeFileSync(csv, `x,w,y\n${rows.join('\n')}\n`);
    const r = await runCli([
      'fit',
      '--input',
      csv,
      ...'--target y --weight w --family binomial --lambda 0.1'.split(' '),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'every usable row of positive weight has target 0: a binomial fit needs rows with target 0 and rows with target 1 (with one class the intercept would be -∞); the rows with target 1 all have weight 0 (20 rows of weight 0 in all), and a row of weight 0 counts for nothing: check the weight column (--weight)',
    );
    // JSON lines: the events' own weights (fit takes no --weight there)
    const jsonl = join(dir, 'w.jsonl');
    const events = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ label: i % 2, ...(i % 2 === 1 ? { weight: 0 } : {}), features: { x: i % 7 } }),
    );
    writeFileSync(jsonl, `${events.join('\n')}\n`);
    const j = await runCli(['fit', '--input', jsonl, ...'--family binomial --lambda 0.1'.split(' ')]);
    expect(j.code).toBe(1);
    expect(j.stderr).toContain('counts for nothing: check the events\' "weight"');
  });
});
