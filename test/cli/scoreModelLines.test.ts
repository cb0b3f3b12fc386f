import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { writeBatchModel } from '../helpers/batchModel.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-score-lines-'));
const snapshot = (version: number, x: number) =>
  JSON.parse(readFileSync(writeBatchModel(join(dir, `v${version}.json`), { x }, 0), 'utf8')) as object;
const lines = [
  { ...snapshot(1, 1), version: 1 },
  { ...snapshot(2, 2), version: 2 },
].map((s) => JSON.stringify(s));
const input = join(dir, 'events.jsonl');
writeFileSync(input, '{"features":{"x":1}}\n');

async function scoreWith(text: string) {
  const model = join(dir, `models-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(model, text);
  return runCli(['score', '--model', model, '--input', input]);
}

describe('score --model models.jsonl whose lines are not all JSON', () => {
  it('a last line cut short (a killed replay) is skipped with a warning, the others are used', async () => {
    const r = await scoreWith(`${lines.join('\n')}\n{"key":"m","vers`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --model: the last line of .* \(line 3\) is cut short.*: skipped/);
    expect(JSON.parse(r.stdout)).toMatchObject({ prediction: 2, model: { version: 2 } });
  });

  it('a bad line before the end stops with exit 1, naming its line', async () => {
    const r = await scoreWith(`${lines[0]}\nnot json\n${lines[1]}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^l1stream: --model: .* line 2 is not JSON \(/);
  });
});

describe('score: an input line that is not JSON', () => {
  it("gets replay's reason for it (its dead letter's), with the hint for NaN", async () => {
    const events = join(dir, 'bad-events.jsonl');
    writeFileSync(
      events,
      '{"label":1,"features":{"x":1}}\nnot json\n{"features":{"x":NaN}}\n{"features":{"x":2}}\n',
    );
    const model = join(dir, 'one.jsonl');
    writeFileSync(model, `${lines[0]}\n`);
    const r = await runCli(['score', '--model', model, '--input', events]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; error?: string });
    const errors = out.filter((o) => o.error !== undefined);
    const replayed = await runCli([
      'replay',
      '--input',
      events,
      '--family',
      'gaussian',
      '--no-refit',
      '--out',
      join(dir, 'replayed'),
    ]);
    expect(replayed.code, replayed.stderr).toBe(0);
    const letters = readFileSync(join(dir, 'replayed', 'dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(errors.map((e) => [e.line, e.error])).toEqual(letters.map((d) => [d.line, d.reason]));
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[1]!.error).toMatch(/^cannot decode: NaN is not JSON .*write null for a missing value$/);
  });
});
