/**
 * `score` held every line of its input whole, whatever its size (a 44 MB line of 3 million features
 * took 834 MB resident), where replay and fit dead-letter a line over maxRecordBytes unread. Now a
 * line over `--max-record-bytes` (default 1 MiB) is counted, not held, and gets an error line with
 * replay's reason; the lines around it are scored as before.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { fileLines } from '../../src/core/fileLines.js';
import { runCli } from '../helpers/cli.js';

const dir = () => mkdtempSync(join(tmpdir(), 'l1s-score-size-'));
const snapshot = {
  key: 'default',
  version: 1,
  offset: 10,
  source: 'batch',
  family: 'binomial',
  learner: 'coordinate-descent',
  lambda: 0.01,
  l1Ratio: 1,
  intercept: 0,
  coefficients: { a: 1 },
  metrics: { events: 10 },
  createdAt: '2026-01-01T00:00:00.000Z',
};

async function collect(path: string, max: number) {
  const lines = [];
  for await (const l of fileLines(path, max)) lines.push(l);
  return lines;
}

describe('score and lines over maxRecordBytes', () => {
  it('fileLines counts a line over the bound without keeping it, across chunks, CRLF or not', async () => {
    const d = dir();
    const file = join(d, 'lines.jsonl');
    const long = `{"features":{"b":"${'x'.repeat(200_000)}"}}`;
    writeFileSync(file, `{"a":1}\n${long}\r\n{"a":2}\n${long}`);
    expect(await collect(file, 1000)).toEqual([
      { text: '{"a":1}' },
      { oversize: long.length },
      { text: '{"a":2}' },
      { oversize: long.length },
    ]);
    expect((await collect(file, Infinity)).map((l) => l.text?.length)).toEqual([
      7,
      long.length,
      7,
      long.length,
    ]);
  });

  it('gives a line over --max-record-bytes an error line and scores the others', async () => {
    const d = dir();
    const model = join(d, 'model.json');
    writeFileSync(model, JSON.stringify(snapshot));
    const input = join(d, 'events.jsonl');
    const long = `{"features":{"a":1,"b":"${'x'.repeat(3000)}"}}`;
    writeFileSync(input, `{"features":{"a":1}}\n${long}\n{"features":{"a":0}}\n`);
    const r = await runCli(['score', '--model', model, '--input', input, '--max-record-bytes', '1000']);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; error?: string; prediction?: number });
    expect(out.map((o) => o.line)).toEqual([1, 2, 3]);
    expect(out[1]!.error).toBe(
      `record is ${long.length} bytes, over the limit of 1000 bytes: raise limits.maxRecordBytes in the configuration (replay, fit, path, score: --max-record-bytes)`,
    );
    expect(out[0]!.prediction).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(out[2]!.prediction).toBe(0.5);
    // by default the bound is replay's, 1 MiB: this line is scored
    const plain = await runCli(['score', '--model', model, '--input', input]);
    expect(plain.stdout).not.toMatch(/"error"/);
  });
});
