import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { looksNumeric, NumericStrings } from '../../src/features/numericStrings.js';
import { runCli } from '../helpers/cli.js';

/** Replays `lines` written to `input` (out beside it); the stderr lines about numeric strings. */
async function replayWarnings(input: string, lines: readonly string[], family: 'gaussian' | 'binomial') {
  writeFileSync(input, lines.join('\n'));
  const out = join(input, '..', 'out');
  const r = await runCli(['replay', '--input', input, '--family', family, '--out', out, '--no-refit']);
  expect(r.code, r.stderr).toBe(0);
  return { out, warned: r.stderr.split('\n').filter((l) => l.includes('numeric strings')) };
}

describe('numeric strings', () => {
  it('looksNumeric: finite numbers as JSON writes them, not text, blanks or NaN', () => {
    for (const s of ['42', '-1.5', '1e3', '.5', '+2']) expect(looksNumeric(s)).toBe(true);
    for (const s of ['', ' 42', 'NaN', 'Infinity', '1e999', 'DE', '4a', '-'])
      expect(looksNumeric(s)).toBe(false);
  });

  it('a field is reported when numeric strings are most of its values; the fields tracked are capped', () => {
    const n = new NumericStrings(2);
    n.addColumn('age', '42', 60);
    n.addColumn('age', '43', 30);
    n.addColumn('age', null, 10); // the same field sent as a number
    n.addColumn('zip', '10115', 40);
    n.addColumn('zip', 'unknown', 60);
    n.addColumn('code', '7', 100); // a third field: not tracked
    const w = n.warnings();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /^field "age": 90 of 100 values .* numeric strings \("42", "43"\) and became 2 one-hot features age=\.\.\.; send numbers as JSON numbers/,
    );
  });

  it('a value in several models (keys) is one feature; more than 100 distinct values are "over 100"', () => {
    const n = new NumericStrings();
    for (const key of [0, 1]) for (const v of ['1', '2']) n.addColumn('age', v, 10 + key);
    for (let v = 0; v < 150; v++) n.addColumn('zip', String(10000 + v), 1);
    const [zip, age] = n.warnings();
    expect(age).toMatch(/^field "age": 42 of 42 values .* \("1", "2"\) and became 2 one-hot features/);
    expect(zip).toMatch(
      /^field "zip": 150 of 150 values .* \("10000", "10001", "10002", \.\.\.\) and became over 100 one-hot/,
    );
  });

  it('replay warns once per field at the end, in summary.json too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-numeric-strings-'));
    const input = join(dir, 'events.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) {
      const age = 20 + (i % 37);
      const features = {
        age: i % 10 === 0 ? age : String(age),
        country: i % 2 ? 'DE' : 'FR',
        x: (i % 7) / 7,
      };
      lines.push(JSON.stringify({ label: age / 10 + features.x, features }));
    }
    const { out, warned } = await replayWarnings(input, lines, 'gaussian');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/warning: field "age": 450 of 500 values .* became 37 one-hot features age=/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    expect(summary.warnings.filter((w) => w.startsWith('field "age"'))).toHaveLength(1);
  });

  it('a field with more values than events in a model (a list of ids) is categorical: not reported', () => {
    const n = new NumericStrings();
    // one model of 10 events: "ids" lists of 3 ids each, "age" one numeric string each
    for (let v = 0; v < 6; v++) n.addColumn('ids', String(100 + v), 5);
    for (let v = 0; v < 5; v++) n.addColumn('age', String(20 + v), 2);
    n.endModel(10);
    expect(n.warnings().map((w) => w.slice(0, 12))).toEqual(['field "age":']);
  });

  it('replay: lists of numeric-looking ids are not reported, a scalar field of them is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-numeric-strings-'));
    const input = join(dir, 'events.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const ids = [String(i % 7), String(100 + (i % 11)), String(200 + (i % 13))];
      const features = { ids, zip: String(10000 + (i % 9)), x: (i % 5) / 5 };
      lines.push(JSON.stringify({ label: i % 3 === 0 ? 1 : 0, features }));
    }
    const { warned } = await replayWarnings(input, lines, 'binomial');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/warning: field "zip": 400 of 400 values/);
  });
});
