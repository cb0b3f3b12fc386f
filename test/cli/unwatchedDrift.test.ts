/**
 * Keyed models count their own events, so with many small keys the drift tests of most models
 * never get past their warm-ups (an ad-scoring trial: 2 of 150 campaigns' models watched) and
 * nothing said so. The summary now warns, naming the warm-ups to lower.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-unwatched-'));

/** `events` events over `keys` campaigns in turn. */
function stream(name: string, events: number, keys: number): string {
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(
    path,
    Array.from({ length: events }, (_, i) =>
      JSON.stringify({
        label: Math.sin(7.1 * i) > 0.3 ? 1 : 0,
        features: { campaign: `c${i % keys}`, x: Math.sin(i), site: `s${i % 17}` },
      }),
    ).join('\n') + '\n',
  );
  return path;
}

async function warningsOf(input: string, out: string, ...flags: string[]): Promise<string[]> {
  const replay = ['replay', '--input', input, ...'--family binomial --no-refit'.split(' ')];
  const r = await runCli([...replay, '--out', join(dir, out), ...flags]);
  expect(r.code, r.stderr).toBe(0);
  const { warnings } = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as {
    warnings: string[];
  };
  for (const w of warnings) expect(r.stderr).toContain(`replay: warning: ${w}`);
  return warnings.filter((w) => w.startsWith('drift was watched'));
}

describe('keyed models whose drift tests never started', () => {
  const many = stream('many', 12_000, 30);

  it('most keys short of both warm-ups: one warning naming the counts and the settings', async () => {
    expect(await warningsOf(many, 'many', '--key-by', 'campaign')).toEqual([
      "drift was watched for few keys: of the 30 keys' models (each counts its own events), 0 (with 0% of the events) got past the 10,000 events the input tests need before they test (drift.inputSequential.warmupEvents), and 0 (with 0% of the labelled events) got past the 2,000 labelled events of the loss tests (drift.loss.warmupEvents); the inputs and losses of the rest went unwatched: for many small keyed models, lower these warm-ups in the configuration's drift section (docs/drift.md)",
    ]);
  });

  it('warm-ups lowered to what the keys see, drift off, or one model: nothing said', async () => {
    const config = join(dir, 'drift.json');
    writeFileSync(
      config,
      JSON.stringify({
        drift: { loss: { warmupEvents: 100 }, inputSequential: { warmupEvents: 100, armEvents: 100 } },
      }),
    );
    expect(await warningsOf(many, 'lowered', '--key-by', 'campaign', '--config', config)).toEqual([]);
    expect(await warningsOf(many, 'off', '--key-by', 'campaign', '--no-drift')).toEqual([]);
    expect(await warningsOf(many, 'one', '--max-live-models', '5')).toEqual([]);
    // a run too short to watch even one model's inputs: only the losses are named
    const short = stream('short', 6000, 30);
    const [losses] = await warningsOf(short, 'short', '--key-by', 'campaign');
    expect(losses).toMatch(
      /of the 30 keys' models .*, 0 \(with 0% of the labelled events\) got past the 2,000 labelled events .*; the losses of the rest went unwatched/,
    );
    expect(await warningsOf(stream('shorter', 1500, 30), 'shorter', '--key-by', 'campaign')).toEqual([]);
  });

  it('keys past the loss warm-up but not the input one: only the inputs are named', async () => {
    const two = stream('two', 12_000, 2);
    const [warning] = await warningsOf(two, 'two', '--key-by', 'campaign');
    expect(warning).toMatch(
      /of the 2 keys' models .*, 0 \(with 0% of the events\) got past the 10,000 events the input tests need .*; the inputs of the rest went unwatched/,
    );
    expect(warning).not.toContain('loss');
  });

  it("a review's cases: events that mostly went to watched keys, loss tests off, the input-sparsity test's warm-up, a resumed run", async () => {
    // 20,700 events of one key and 150 each of two others: 98.6 % of the events were watched
    const uneven = join(dir, 'uneven.jsonl');
    const lines = readFileSync(stream('base', 21_000, 1), 'utf8')
      .trim()
      .split('\n');
    writeFileSync(
      uneven,
      `${lines.map((l, i) => (i % 70 === 0 ? l.replace('"c0"', `"c${1 + ((i / 70) % 2)}"`) : l)).join('\n')}\n`,
    );
    expect(await warningsOf(uneven, 'uneven', '--key-by', 'campaign')).toEqual([]);
    // no loss test on: no loss part; the input-sparsity test's warm-up the lower one: its setting named
    const config = join(dir, 'tests.json');
    writeFileSync(
      config,
      JSON.stringify({
        drift: {
          loss: { pageHinkley: { enabled: false }, adwin: { enabled: false } },
          inputSparsity: { enabled: true, warmupEvents: 500, windowEvents: 500 },
        },
      }),
    );
    const [tests] = await warningsOf(many, 'tests', '--key-by', 'campaign', '--config', config);
    expect(tests).toMatch(
      /got past the 500 events the input tests need before they test \(drift\.inputSparsity\.warmupEvents\)/,
    );
    expect(tests).not.toContain('loss');
    // a run resumed from --state: the models' own counts, as the uninterrupted run's
    const whole = await warningsOf(many, 'whole', '--key-by', 'campaign');
    const first = join(dir, 'first.jsonl');
    const all = readFileSync(many, 'utf8').trim().split('\n');
    writeFileSync(first, `${all.slice(0, 9000).join('\n')}\n`);
    const state = join(dir, 'state');
    await warningsOf(first, 'part1', '--key-by', 'campaign', '--state', state);
    writeFileSync(first, `${all.join('\n')}\n`);
    expect(await warningsOf(first, 'part2', '--key-by', 'campaign', '--state', state)).toEqual(whole);
  });
});
