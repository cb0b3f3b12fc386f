import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { decodeState } from '../../src/model/stateCodec.js';
import { runCli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-state-'));

function events(dir: string, n: number): string {
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(5, n), (e) => JSON.stringify(e)).join('\n')}\n`);
  return input;
}

interface Summary {
  events: number;
  evictions: number;
  skippedCovered: number;
  checkpoints: { count: number; models: number; bytes: number };
  resume?: { fromLine: number; previousRunComplete: boolean };
}
const summaryOf = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;

describe('replay --state DIR', () => {
  it('refuses another input, other settings, or a directory that is not a state directory (exit 2, one line)', async () => {
    const dir = tmp();
    const input = events(dir, 3000);
    const state = join(dir, 'state');
    const base = ['replay', '--input', input, '--family', 'binomial', '--no-refit', '--out', join(dir, 'o')];
    const first = await runCli([...base, '--state', state]);
    expect(first.code).toBe(0);
    expect(summaryOf(join(dir, 'o')).checkpoints.count).toBeGreaterThan(0);
    const models = readFileSync(join(dir, 'o', 'models.jsonl'), 'utf8');

    const lambda = await runCli([...base, '--state', state, '--lambda', '0.01']);
    expect(lambda.code).toBe(2);
    expect(lambda.stderr).toBe(
      `l1stream: --state ${state} was made with other settings: model.lambda 0.01 (was "auto"); resume with the same settings, or give another --state directory, or delete ${state} to start over\n`,
    );
    // the default, given explicitly, is the same setting
    expect((await runCli([...base, '--state', state, '--lambda', 'auto'])).code).toBe(0);
    // so is a learner's setting that is not recorded when left out (it was refused as "(was unset)")
    const alphaAt = (alpha: number) => {
      const file = join(dir, `alpha-${alpha}.json`);
      writeFileSync(
        file,
        JSON.stringify({ model: { ftrl: { alpha }, aucSample: 65536, penaltyFactors: { premium: 1 } } }),
      );
      return file;
    };
    expect((await runCli([...base, '--state', state, '--config', alphaAt(0.1)])).code).toBe(0);
    const alpha = await runCli([...base, '--state', state, '--config', alphaAt(0.2)]);
    expect(alpha.code).toBe(2);
    expect(alpha.stderr).toContain('other settings: model.ftrl.alpha 0.2 (was 0.1, its default);');
    // and the other way round: given at its default first, then left out; given otherwise, then left out
    const base2 = [...base.slice(0, -1), join(dir, 'o2')];
    const given = join(dir, 'given');
    expect((await runCli([...base2, '--state', given, '--config', alphaAt(0.1)])).code).toBe(0);
    expect((await runCli([...base2, '--state', given])).code).toBe(0);
    const bounded = join(dir, 'bounded');
    const withBound = await runCli([...base2, '--state', bounded, '--max-features', '5000']);
    expect(withBound.code).toBe(0);
    const unbounded = await runCli([...base2, '--state', bounded]);
    expect(unbounded.code).toBe(2);
    expect(unbounded.stderr).toContain('other settings: model.maxFeatures 1048576, its default (was 5000);');

    // `run` over files checks the directory the same way, naming it as its configuration does
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'binomial', lambda: 0.02 },
        refit: { enabled: false },
        replay: { input, out: join(dir, 'o') },
        state: { dir: state },
      }),
    );
    const run = await runCli(['run', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^l1stream: state\.dir .* was made with other settings: model\.lambda 0\.02 \(was "auto"\);.*give another state\.dir directory.*\n$/,
    );

    const keyed = await runCli([...base, '--state', state, '--key-by', 'site']);
    expect(keyed.code).toBe(2);
    expect(keyed.stderr).toMatch(/model\.keyBy "site" \(was null\)/);

    const other = join(dir, 'other.jsonl');
    writeFileSync(other, readFileSync(input));
    const moved = await runCli([...base.slice(0, 2), other, ...base.slice(3), '--state', state]);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toMatch(
      /holds the checkpoint of a replay of .*events\.jsonl, not of .*other\.jsonl/,
    );

    expect(moved.stderr).toMatch(/add --continue/);

    // a line the checkpoint covers rewritten (the same size): not the input it covers
    const text = readFileSync(input, 'utf8');
    writeFileSync(input, text.replace('"label":1', '"label":0'));
    expect(readFileSync(input, 'utf8')).not.toBe(text);
    const changed = await runCli([...base, '--state', state]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(
      /events\.jsonl changed: the \d+ lines \(\d+ bytes\) that the checkpoint in .* covers are not the same now .*add --continue/,
    );
    expect(changed.stderr.trim().split('\n')).toHaveLength(1);
    // nothing in --out was touched by the refused runs
    expect(readFileSync(join(dir, 'o', 'models.jsonl'), 'utf8')).toBe(models);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, `${Buffer.from('c1').toString('hex')}.state`), 'old');
    const notOurs = await runCli([...base, '--state', foreign]);
    expect(notOurs.code).toBe(2);
    expect(notOurs.stderr).toMatch(
      /--state .*foreign is not an l1stream state directory \(it holds 1 entry but no l1stream-state\.json\)/,
    );
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const notDir = await runCli([...base, '--state', file]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toMatch(/--state .*afile is a file, not a directory: give a directory/);
    // never a hint to delete what may be the user's data file
    expect(notDir.stderr).not.toMatch(/delete/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a completed run resumed learns nothing and writes no output again: summary.json stays the one of the run that learned', async () => {
    const dir = tmp();
    const input = events(dir, 6000);
    const out = join(dir, 'o');
    const state = join(dir, 'state');
    const args = [
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'device',
      '--max-live-models',
      '2',
      '--refit-threads',
      '0',
      '--refit-every',
      '1000',
      '--refit-window',
      '800',
      '--snapshot-seconds',
      'Infinity',
      '--state',
      state,
      '--out',
      out,
    ];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    const before = summaryOf(out);
    expect(before.resume).toBeUndefined();
    expect(before.events).toBeGreaterThan(5000);
    const outputs = new Map(
      ['models.jsonl', 'scores.jsonl', 'alerts.jsonl', 'dead-letters.jsonl'].map((f) => [
        f,
        readFileSync(join(out, f), 'utf8'),
      ]),
    );
    const stored = new Map(
      readdirSync(state)
        .filter((f) => f.endsWith('.state'))
        .map((f) => [f, readFileSync(join(state, f))]),
    );
    expect(stored.size).toBe(3);
    // dated back: a state file written again gets a new mtime
    const past = new Date('2001-02-03T04:05:06Z');
    for (const f of stored.keys()) utimesSync(join(state, f), past, past);

    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /already covers all of .*events\.jsonl \(6,000 lines\): nothing left to learn/,
    );
    // said once, and the last line does not claim to have written anything
    expect(again.stderr.match(/nothing left to learn/g)).toHaveLength(1);
    expect(again.stderr).toMatch(/0 events learned.*; \S+ unchanged\n$/);
    // the summary of the run that learned is kept, not replaced by this run's zeros
    expect(summaryOf(out)).toEqual(before);
    for (const [f, text] of outputs) expect(readFileSync(join(out, f), 'utf8'), f).toBe(text);
    // the same states (compared decoded: equal states may encode to different bytes, stateCodec.ts)
    for (const [f, bytes] of stored)
      expect(decodeState(readFileSync(join(state, f))), f).toEqual(decodeState(bytes));
    // and not written again: the models restored for the end's snapshots learned nothing (two of the
    // three were evicted, one stayed in memory)
    for (const f of stored.keys()) expect(statSync(join(state, f)).mtime, f).toEqual(past);
  });

  it('without --state, keyed models spill to a temporary directory and nothing is checkpointed', async () => {
    const dir = tmp();
    const input = events(dir, 4000);
    const out = join(dir, 'o');
    // a temporary directory of this test's own (other test files spill into the system's at the same time)
    const privateTmp = join(dir, 'tmp');
    mkdirSync(privateTmp);
    const systemTmp = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    // what the run makes in it (the run is in-process: the watcher sees its directory come and go)
    const made = new Set<string>();
    const watcher = watch(privateTmp, (_event, name) => {
      if (name !== null) made.add(String(name));
    });
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'site',
      '--max-live-models',
      '4',
      '--no-refit',
      '--out',
      out,
    ]).finally(() => {
      watcher.close();
      if (systemTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = systemTmp;
    });
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.checkpoints).toEqual({ count: 0, models: 0, bytes: 0, ms: 0 });
    expect(s.resume).toBeUndefined();
    // the evicted models waited in one temporary directory under TMPDIR, removed at the end
    expect([...made].filter((f) => f.startsWith('l1stream-state-'))).toHaveLength(1);
    expect(readdirSync(privateTmp)).toEqual([]);
  });
});

describe('--state with a pipe as input', () => {
  it('is refused before anything reads the pipe: a checkpoint resumes a file after its lines', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync: tempDir } = await import('node:fs');
    const dir = tempDir(join(tmpdir(), 'l1s-state-fifo-'));
    const fifo = join(dir, 'events.pipe');
    execFileSync('mkfifo', [fifo]);
    const state = join(dir, 'state');
    const r = await runCli([
      'replay',
      '--input',
      fifo,
      '--family',
      'binomial',
      '--state',
      state,
      '--out',
      join(dir, 'out'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--state ${state} resumes a file after the lines its checkpoint covers: --input ${fifo} is not a regular file (a pipe cannot be read again); give a file, or leave out --state`,
    );
  });
});

describe('a state directory whose first run stopped before its first checkpoint', () => {
  it('holds nothing learned: the next run may use other settings (it was held to the refused run)', async () => {
    const dir = tmp();
    const input = events(dir, 500);
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'file'), 'x');
    const base = ['replay', '--input', input, '--family', 'binomial', '--no-refit', '--state', state];
    // refused over its --out (a file in the path), after the state directory was opened
    const refused = await runCli([...base, '--out', join(dir, 'file', 'out')]);
    expect(refused.code).toBe(2);
    expect(readdirSync(state)).toEqual(['l1stream-state.json']);
    const other = await runCli([...base, '--lambda', '0.01', '--out', join(dir, 'o')]);
    expect(other.code, other.stderr).toBe(0);
    expect(summaryOf(join(dir, 'o')).checkpoints.count).toBeGreaterThan(0);
    // once a checkpoint is written, the settings hold
    const again = await runCli([...base, '--lambda', '0.02', '--out', join(dir, 'o')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('was made with other settings: model.lambda 0.02 (was 0.01)');
  });
});

describe('a run that learns nothing and rejects lines', () => {
  it('fails and leaves the checkpoint where it was (it marked those lines covered, exit 0)', async () => {
    const dir = tmp();
    const all = Array.from(adClicks(9, 4000), (e) => JSON.stringify(e));
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${all.slice(0, 2000).join('\n')}\n`);
    const state = join(dir, 'state');
    const manifestFile = join(state, 'l1stream-state.json');
    const base = ['replay', '--input', input, '--family', 'binomial', '--no-refit', '--state', state];
    expect((await runCli([...base, '--out', join(dir, 'o')])).code).toBe(0);
    const before = readFileSync(manifestFile, 'utf8');
    // appended: lines longer than a smaller limit, all dead letters
    writeFileSync(input, `${all.join('\n')}\n`);
    const small = await runCli([...base, '--out', join(dir, 'o'), '--max-record-bytes', '300']);
    expect(small.code).toBe(1);
    expect(small.stderr).toContain(
      `replay: error: nothing learned from the 2,000 records of ${input} after line 2,000, where the checkpoint resumed: all rejected; the state directory is left as it was, so the same command reads them again once what the most common reason (2,000): record is`,
    );
    expect(readFileSync(manifestFile, 'utf8')).toBe(before);
    // the same command as the first learns them: the model of a run over the whole file
    const resumed = await runCli([...base, '--out', join(dir, 'o')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming from --state');
    // (base without its --state)
    const whole = await runCli([...base.slice(0, -2), '--out', join(dir, 'w')]);
    expect(whole.code).toBe(0);
    expect(lastModel(join(dir, 'o'))).toEqual(lastModel(join(dir, 'w')));
    expect(lastModel(join(dir, 'w')).events).toBe(4000);

    // --continue onto a file whose lines are all rejected: the directory still holds the first input
    const next = join(dir, 'next.jsonl');
    writeFileSync(next, `${all.slice(0, 1500).join('\n')}\n`);
    const held = readFileSync(manifestFile, 'utf8');
    const onto = [...base.slice(0, 2), next, ...base.slice(3), '--out', join(dir, 'o'), '--continue'];
    const refused = await runCli([...onto, '--max-record-bytes', '300']);
    expect(refused.code).toBe(1);
    expect(readFileSync(manifestFile, 'utf8')).toBe(held);
    expect((await runCli(onto)).code).toBe(0);
    expect(lastModel(join(dir, 'o')).events).toBe(5500);
  });

  it('a fresh one too: its state directory does not cover the lines it rejected (the right settings then had nothing left)', async () => {
    const dir = tmp();
    const input = events(dir, 1500);
    const state = join(dir, 'state');
    const args = ['replay', '--input', input, '--family', 'binomial', '--no-refit', '--state', state];
    args.push('--out', join(dir, 'o'));
    const small = await runCli([...args, '--max-record-bytes', '300']);
    expect(small.code).toBe(1);
    const manifest = JSON.parse(readFileSync(join(state, 'l1stream-state.json'), 'utf8')) as {
      line: number;
      complete: boolean;
    };
    expect([manifest.line, manifest.complete]).toEqual([0, false]);
    const right = await runCli(args);
    expect(right.code, right.stderr).toBe(0);
    expect(summaryOf(join(dir, 'o')).events).toBe(1500);
  });

  it('goes on through a stretch of rejected lines after its checkpoint to the good ones after it', async () => {
    // (a fresh run stops after 1,000 rejected lines in a row; a resumed one stopped too, and so
    // never reached the lines after them)
    const { dir, all, input, args } = await firstRun(3);
    const bad = Array.from({ length: 1500 }, () => '{"features": {"premium": 1}, "label": "oops"}');
    writeFileSync(input, `${[...all.slice(0, 2000), ...bad, ...all.slice(2000)].join('\n')}\n`);
    const resumed = await runCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(summaryOf(join(dir, 'o')).events).toBe(500);
    expect(lastModel(join(dir, 'o')).events).toBe(2500);
  });
});

describe('a resumed run that scores events and rejects the rest', () => {
  it('fails and says that the checkpoints of the scored events cover the rejected lines (it said nothing, exit 0)', async () => {
    const { all, input, args } = await firstRun(4);
    const unlabelled = Array.from({ length: 50 }, (_, i) => JSON.stringify({ features: { premium: i % 2 } }));
    writeFileSync(input, `${[...all, ...unlabelled].join('\n')}\n`);
    const r = await runCli([...args, '--max-record-bytes', '300']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `after line 2,000, where the checkpoint resumed: 500 rejected and 50 scored (no label), and the checkpoints of the scored events cover the rejected ones too: to learn them, fix what the most common reason (500): record is`,
    );
  });
});

/** 2,500 events of seed `seed`, of which the first 2,000 are in `input`, replayed with `args` (its state). */
async function firstRun(
  seed: number,
): Promise<{ dir: string; all: string[]; input: string; args: string[] }> {
  const dir = tmp();
  const all = Array.from(adClicks(seed, 2500), (e) => JSON.stringify(e));
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${all.slice(0, 2000).join('\n')}\n`);
  const args = [
    'replay',
    '--input',
    input,
    '--family',
    'binomial',
    '--no-refit',
    '--state',
    join(dir, 'state'),
  ];
  args.push('--out', join(dir, 'o'));
  expect((await runCli(args)).code).toBe(0);
  return { dir, all, input, args };
}

/** The last snapshot of `out/models.jsonl`: coefficients, intercept and events learned. */
function lastModel(out: string): { coefficients: unknown; intercept: number; events: number } {
  const lines = readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n');
  const { coefficients, intercept, metrics } = JSON.parse(lines.at(-1)!) as {
    coefficients: unknown;
    intercept: number;
    metrics: { events: number };
  };
  return { coefficients, intercept, events: metrics.events };
}
