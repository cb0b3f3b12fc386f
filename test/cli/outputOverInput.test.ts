/**
 * An output that is one of the command's inputs is refused before any work, the input left as it
 * was: `score --output` over its `--input` truncated the input, scored nothing and exited 0, and
 * `fit --dead-letters`, `path --plot`, `report --output` over `models.jsonl` and a replay whose
 * input is in its `--out` under an output's name destroyed theirs (a new user's trial).
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-over-'));
const events = join(dir, 'events.jsonl');
const csv = join(dir, 'table.csv');
const run = join(dir, 'run');
const models = join(run, 'models.jsonl');
const eventText = Array.from(
  { length: 300 },
  (_, i) => `{"label":${i % 3 === 0 ? 1 : 0},"features":{"x":${(i % 7) - 3},"site":"s${i % 4}"}}`,
).join('\n');
const csvText = `x,z,y\n${Array.from({ length: 40 }, (_, i) => `${i % 5},${(i * 7) % 11},${(i % 5) + (i % 3)}`).join('\n')}\n`;

beforeAll(async () => {
  writeFileSync(events, `${eventText}\n`);
  writeFileSync(csv, csvText);
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

/** Runs `argv`, expects exit 2 with `message`, and `file` as it was. */
async function refused(argv: string[], message: RegExp, file: string): Promise<void> {
  const before = readFileSync(file);
  const r = await runCli(argv);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(readFileSync(file).equals(before)).toBe(true);
}

describe('an output over an input is refused, the input kept', () => {
  it('score: --output over --input (also through a link) or over --model', async () => {
    await refused(
      ['score', '--model', models, '--input', events, '--output', events],
      /--output .*events\.jsonl is the file that --input .*events\.jsonl reads: writing it would overwrite that input; give --output another file/,
      events,
    );
    const link = join(dir, 'link.jsonl');
    symlinkSync(events, link);
    await refused(
      ['score', '--model', models, '--input', events, '--output', link],
      /is the file that --input/,
      events,
    );
    await refused(
      ['score', '--model', models, '--input', events, '--output', models],
      /--output .*models\.jsonl is the file that --model .*models\.jsonl reads/,
      models,
    );
  });

  it('fit and path: --output, --dead-letters and --plot over --input', async () => {
    const fit = ['fit', '--input', csv, '--target', 'y', '--lambda', '0.1'];
    await refused([...fit, '--output', csv], /--output .*table\.csv is the file that --input/, csv);
    await refused(
      [...fit, '--dead-letters', csv],
      /--dead-letters .*table\.csv is the file that --input/,
      csv,
    );
    const path = ['path', '--input', csv, '--target', 'y', '--nlambda', '3'];
    await refused([...path, '--output', csv], /--output .*is the file that --input/, csv);
    await refused([...path, '--plot', csv], /--plot .*is the file that --input/, csv);
  });

  it('fit and path: two outputs naming one file (the second write replaced the first, exit 0)', async () => {
    const same = join(dir, 'same.svg');
    const fit = ['fit', '--input', csv, '--target', 'y', '--lambda', '0.1'];
    const both = await runCli([...fit, '--output', same, '--dead-letters', same]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      `--output ${same} and --dead-letters ${same} name the same file: one would overwrite the other; give them different files`,
    );
    const path = ['path', '--input', csv, '--target', 'y', '--nlambda', '3'];
    // another spelling of the path, and a link to a file that exists
    const spelled = await runCli([...path, '--output', same, '--plot', join(dir, '.', 'same.svg')]);
    expect(spelled.code).toBe(2);
    expect(spelled.stderr).toMatch(/--output .*same\.svg and --plot .*same\.svg name the same file/);
    writeFileSync(same, '');
    symlinkSync(same, join(dir, 'same-link.svg'));
    const linked = await runCli([...path, '--plot', same, '--dead-letters', join(dir, 'same-link.svg')]);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toMatch(
      /--plot .*same\.svg and --dead-letters .*same-link\.svg name the same file/,
    );
    expect(readFileSync(same, 'utf8')).toBe('');
  });

  it('report: --output over the run’s models.jsonl or over --data', async () => {
    await refused(
      ['report', '--input', run, '--output', models],
      /--output .*models\.jsonl is the file that --input/,
      models,
    );
    await refused(
      ['report', '--input', run, '--data', events, '--output', events],
      /--output .*events\.jsonl is the file that --data/,
      events,
    );
  });

  it('replay: an input in --out under an output’s name', async () => {
    const out = join(dir, 'again');
    mkdirSync(out);
    const input = join(out, 'scores.jsonl');
    writeFileSync(input, `${eventText}\n`);
    await refused(
      ['replay', '--input', input, '--family', 'binomial', '--out', out, '--no-progress'],
      /the scores\.jsonl that --out .*again writes is the file that --input .*scores\.jsonl reads: writing it would overwrite that input; give --out another directory, or move the input out of it/,
      input,
    );
  });

  it('another file is written as before', async () => {
    const scores = join(dir, 'scores.jsonl');
    const r = await runCli(['score', '--model', models, '--input', events, '--output', scores]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(scores, 'utf8').trim().split('\n')).toHaveLength(300);
  });
});
