/**
 * `fit` and `score` decide an input's format alike: `.csv` is CSV; `.jsonl`, `.ndjson`, `.json`
 * are JSON lines; another name by its first character (`{`: JSON lines). A gzip file is named as
 * such. (`fit` read every other name as CSV, `score` as JSON lines: a CSV named .txt that fit read
 * was 301 dead letters in score.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-input-format-'));
const rows = Array.from({ length: 40 }, (_, i) => ({ x: (i % 7) - 3, y: i % 2 }));
const csv = `x,y\n${rows.map((r) => `${r.x},${r.y}`).join('\n')}\n`;
const jsonl = `${rows.map((r) => JSON.stringify({ label: r.y, features: { x: r.x } })).join('\n')}\n`;

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('the input format of fit and score', () => {
  it.each([
    ['data.txt', csv, ['--target', 'y']],
    ['events.txt', jsonl, []],
    ['events.json', jsonl, []],
    ['data', csv, ['--target', 'y']],
  ] as const)('%s: fit reads it, and score reads it the same way', async (name, text, target) => {
    const input = file(name, text);
    const model = join(dir, `${name}.model.json`);
    const fit = await runCli([
      'fit',
      '--input',
      input,
      ...target,
      '--family',
      'binomial',
      '--lambda',
      '0.01',
      '--output',
      model,
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const score = await runCli(['score', '--model', model, '--input', input, ...target]);
    expect(score.code, score.stderr).toBe(0);
    expect(score.stderr).toMatch(/40 events scored .*, 0 rejected/);
  });

  it('a gzip file is named as such by both', async () => {
    const input = file('data.csv', gzipSync(csv));
    const fit = await runCli(['fit', '--input', input, '--target', 'y', '--lambda', '0.01']);
    expect(fit.code).not.toBe(0);
    expect(fit.stderr).toContain(
      `${input} is gzip-compressed; l1stream reads plain CSV or JSON lines: decompress it first (gunzip -k ${input})`,
    );
    const model = file(
      'm.json',
      JSON.stringify({ family: 'gaussian', intercept: 0, coefficients: { x: 1 } }),
    );
    const score = await runCli(['score', '--model', model, '--input', input]);
    expect(score.code).not.toBe(0);
    expect(score.stderr).toContain(`${input} is gzip-compressed`);
  });
});

describe('JSON of another shape than JSON lines', () => {
  const events = rows.map((r) => ({ label: r.y, features: { x: r.x } }));
  it.each([
    ['an array on one line', 'one-line.json', JSON.stringify(events), `jq -c '.[]'`, 'holds a JSON array'],
    [
      'a pretty-printed array',
      'pretty.json',
      JSON.stringify(events, null, 2),
      `jq -c '.[]'`,
      'holds a JSON array',
    ],
    [
      'a pretty-printed event',
      'event.json',
      JSON.stringify(events[0], null, 2),
      'jq -c .',
      'holds JSON spread over several lines',
    ],
  ])('%s: fit and replay name it and the conversion', async (_, name, text, jq, says) => {
    const path = file(name, `${text}\n`);
    const fit = await runCli(['fit', '--input', path, '--family', 'binomial', '--lambda', '0.01']);
    expect(fit.code).not.toBe(0);
    expect(fit.stderr).toContain(
      `${name} ${says}: l1stream reads JSON lines, one event {"label": ..., "features": {...}} per line; convert it with ${jq} ${name} > events.jsonl`,
    );
    const replay = await runCli([
      'replay',
      '--input',
      path,
      '--family',
      'binomial',
      '--out',
      join(dir, `out-${name}`),
      '--no-progress',
    ]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain(`${path} ${says}: l1stream reads JSON lines`);
  });
});
