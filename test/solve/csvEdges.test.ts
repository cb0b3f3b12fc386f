import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-csv-edges-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

interface Model {
  intercept: number;
  coefficients: Record<string, number>;
  metrics: { events: number };
}

async function fit(input: string, target: string, ...more: string[]): Promise<Model> {
  const r = await runCli(['fit', '--input', input, '--target', target, ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Model;
}

const a = [1, 2, 3, 0.5, 2.5, 1.5, 0.2, 2.8];
const labels = [true, false, true, false, true, false, false, true];

describe('CSV edge cases, as fit on JSON lines', () => {
  it('targets written true / false are 1 / 0, for binomial as for gaussian (as JSON booleans are)', async () => {
    const words = file(
      'words.csv',
      `y,a\n${a.map((v, i) => `${labels[i] ? 'true' : 'FALSE'},${v}`).join('\n')}\n`,
    );
    const digits = file('digits.csv', `y,a\n${a.map((v, i) => `${labels[i] ? 1 : 0},${v}`).join('\n')}\n`);
    const events = file(
      'events.jsonl',
      a.map((v, i) => JSON.stringify({ label: labels[i], features: { a: v } })).join('\n'),
    );
    for (const family of ['binomial', 'gaussian']) {
      const opts = ['--family', family, '--lambda', '0.01'];
      const fromWords = await fit(words, 'y', ...opts);
      expect(fromWords.metrics.events).toBe(8);
      expect(fromWords.coefficients).toEqual((await fit(digits, 'y', ...opts)).coefficients);
      // the CSV's design is dense, the events' sparse: the same fit to rounding
      expect(fromWords.intercept).toBeCloseTo((await fit(events, 'label', ...opts)).intercept, 10);
    }
  });

  it('a CSV with only the target is the intercept-only model, as events without features; no λ to choose says why', async () => {
    const y = [1.5, 2, 3, 0.5];
    const csv = file('only-target.csv', `y\n${y.join('\n')}\n`);
    const events = file(
      'no-features.jsonl',
      y.map((v) => JSON.stringify({ label: v, features: {} })).join('\n'),
    );
    const fromCsv = await fit(csv, 'y', '--lambda', '0.1');
    expect(fromCsv.coefficients).toEqual({});
    expect(fromCsv.intercept).toBe(1.75);
    expect(fromCsv.intercept).toBe((await fit(events, 'label', '--lambda', '0.1')).intercept);
    for (const [input, target] of [
      [csv, 'y'],
      [events, 'label'],
    ] as const) {
      const r = await runCli(['fit', '--input', input, '--target', target, '--cv', '2']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /there are no features .*intercept-only model is a fit at any λ \(--lambda 0\)/,
      );
    }
  });

  it('feature cells true / false are a 0/1 numeric feature, as JSON booleans (dense and sparse CSVs)', async () => {
    const y = a.map((v, i) => (labels[i] ? 2 : 0) + v);
    // dense: every feature cell a number or a boolean word; sparse: a text column beside it
    const dense = file(
      'flags.csv',
      `y,flag,a\n${a.map((v, i) => `${y[i]},${labels[i] ? 'true' : 'False'},${v}`).join('\n')}\n`,
    );
    const sparse = file(
      'flags-text.csv',
      `y,flag,a,c\n${a.map((v, i) => `${y[i]},${labels[i] ? 'TRUE' : 'false'},${v},k`).join('\n')}\n`,
    );
    const events = file(
      'flags.jsonl',
      a.map((v, i) => JSON.stringify({ label: y[i], features: { flag: labels[i], a: v } })).join('\n'),
    );
    const fromEvents = await fit(events, 'label', '--lambda', '0.01');
    expect(Object.keys(fromEvents.coefficients).sort()).toEqual(['a', 'flag']);
    for (const input of [dense, sparse]) {
      const fromCsv = await fit(input, 'y', '--lambda', '0.01');
      expect(Object.keys(fromCsv.coefficients).filter((k) => k.startsWith('flag'))).toEqual(['flag']);
      expect(fromCsv.coefficients.flag).toBeCloseTo(fromEvents.coefficients.flag!, 8);
    }
  });

  it('rows that break the format cost themselves, as in replay: a stray quote, a quote nothing closes, a line not UTF-8', async () => {
    const good = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `${(from + i) % 5},${(from + i) % 7},k${(from + i) % 3}`);
    const lines = [
      'y,x,note',
      ...good(0, 20),
      '1,2,5" screen', // line 22: a quote inside an unquoted field
      ...good(20, 20),
      '3,4,caf\u00e9', // line 43: written in Latin-1 below
      ...good(40, 20),
      '4,5,"open', // line 64: a quote that nothing closes before the end of the file
      ...good(60, 20),
    ];
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    // é as the one byte 0xE9 (Latin-1): the UTF-8 sequence C3 A9 replaced
    const at = bytes.indexOf(Buffer.from('caf\u00e9', 'utf8'));
    const latin = Buffer.concat([bytes.subarray(0, at + 3), Buffer.from([0xe9]), bytes.subarray(at + 5)]);
    const csv = join(dir, 'broken.csv');
    writeFileSync(csv, latin);
    for (const command of ['fit', 'path']) {
      const dead = join(dir, `${command}-dead.jsonl`);
      const r = await runCli([command, '--input', csv, '--target', 'y', '--dead-letters', dead]);
      expect(r.code, r.stderr).toBe(0);
      const letters = readFileSync(dead, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; reason: string });
      expect(letters.map((l) => l.line)).toEqual([22, 43, 64]);
      expect(letters[0]!.reason).toMatch(/^a quote \("\) inside a field that does not start with one/);
      expect(letters[1]!.reason).toMatch(/^not valid UTF-8 at byte 7 \(0xE9\)/);
      expect(letters[2]!.reason).toMatch(
        /^an unterminated quoted field: .* within 1048576 bytes \(--max-record-bytes\)/,
      );
    }
    const model = await fit(csv, 'y', '--lambda', '0.01');
    expect(model.metrics.events).toBe(80);
    // replay dead-letters the same lines
    const out = join(dir, 'broken-replay');
    const r = await runCli(['replay', '--input', csv, '--target', 'y', '--family', 'gaussian', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const replayed = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { line: number }).line);
    expect(replayed).toEqual([22, 43, 64]);
  });

  it('a row open in a quote past --max-record-bytes gives up its first line, and the lines after it are read', async () => {
    const rows = [
      'y,note',
      '1,"a, b"',
      '2,"c',
      ...Array.from({ length: 30 }, (_, i) => `${i % 4},d${i % 3}`),
    ];
    const csv = file('open-quote.csv', `${rows.join('\n')}\n`);
    const dead = join(dir, 'open-dead.jsonl');
    // (the temporary paths have no spaces)
    const r = await runCli(
      `fit --input ${csv} --target y --lambda 0.01 --max-record-bytes 100 --dead-letters ${dead}`.split(' '),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).metrics.events).toBe(31);
    const letters = readFileSync(dead, 'utf8').trim().split('\n');
    expect(letters.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([3]);
    expect(letters[0]).toContain('within 100 bytes');
  });
});
