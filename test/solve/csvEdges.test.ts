import { mkdtempSync, writeFileSync } from 'node:fs';
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

  it('a quote that nothing closes: exit 1 naming the file, the line and the fix', async () => {
    const csv = file('open-quote.csv', 'y,note\n1,"a, b"\n2,"c\n3,d\n');
    for (const command of ['fit', 'path']) {
      const r = await runCli([command, '--input', csv, '--target', 'y']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^l1stream: .*open-quote\.csv: unterminated quoted field: a field of line 3 opens a quote .* write a quote inside a quoted field as ""\n/,
      );
    }
  });
});
