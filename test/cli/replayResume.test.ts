import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import type { LiveModelState } from '../../src/model/liveModel.js';
import { collectReport, defaultReportOptions, type KeyReport } from '../../src/report/collect.js';
import { decodeState } from '../../src/model/stateCodec.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

/**
 * `replay --state DIR` killed (SIGKILL) at random points after checkpoints and restarted until it
 * completes ends with exactly the model states of an uninterrupted replay: every event learned
 * once, none twice, whatever was in flight when the process died.
 */

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-resume-'));

/** Ad clicks with a malformed line every 997 events, a blank line every 1,499, every 13th unlabelled. */
function writeEvents(path: string, n: number): { valid: number; labelled: number; malformed: number[] } {
  const out: string[] = [];
  const malformed: number[] = [];
  let labelled = 0;
  let i = 0;
  for (const e of adClicks(7, n)) {
    i++;
    if (i % 997 === 0) {
      out.push('{"label": 1, "features": {"x": 1');
      malformed.push(out.length);
    }
    if (i % 1499 === 0) out.push('');
    if (i % 13 === 0) out.push(JSON.stringify({ key: e.key, ts: e.ts, features: e.features }));
    else {
      out.push(JSON.stringify(e));
      labelled++;
    }
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  return { valid: n, labelled, malformed };
}

interface Manifest {
  readonly line: number;
  readonly complete: boolean;
  readonly checkpoints: number;
}

function manifest(state: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(join(state, 'l1stream-state.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Every stored model state of a state directory, by key. */
function states(dir: string): Map<string, LiveModelState> {
  const out = new Map<string, LiveModelState>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.state'))) {
    const key = Buffer.from(f.slice(0, -'.state'.length), 'hex').toString('utf8');
    out.set(key, decodeState(readFileSync(join(dir, f))) as LiveModelState);
  }
  return out;
}

/**
 * A state without what depends on the wall clock (`lastSnapshotAt`, `lastRefitAt`) or on what a
 * killed run had written (snapshot version counters: a resumed run numbers its snapshots above
 * the versions already in models.jsonl).
 */
function timeless(s: LiveModelState): unknown {
  const { lastSnapshotAt: _s, lastRefitAt: _r, ...cadence } = s.cadence;
  const { version: _v, onlineVersion: _o, ...model } = s.model;
  const refit = s.refit === null ? null : { ...s.refit, version: 0 };
  return { ...s, cadence, model, refit };
}

/**
 * The replay in a child process, killed with `signal` (SIGKILL) once the state directory has committed line
 * `killAfter` or later (and a random moment more), or left to finish when `killAfter` is null.
 */
async function child(
  args: readonly string[],
  state: string,
  killAfter: number | null,
  delayMs: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cli/replayChild.mts', ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.on('exit', (code, signal) => done({ code, signal })),
  );
  let poll: NodeJS.Timeout | undefined;
  if (killAfter !== null) {
    poll = setInterval(() => {
      const m = manifest(state);
      if (m !== null && m.line >= killAfter && !m.complete) {
        clearInterval(poll);
        setTimeout(() => proc.kill(signal), delayMs);
      }
    }, 5);
  }
  const result = await exited;
  clearInterval(poll);
  return { ...result, stderr };
}

/**
 * The one model of `state` learned what that of `refState` did: `labelled` events, the same learner
 * arrays, progressive metrics and scaler; returns both states.
 */
function expectSameLearning(state: string, refState: string, labelled: number) {
  const want = states(refState).get('default')!;
  const got = states(state).get('default')!;
  expect(got.model.learned).toBe(labelled);
  expect(got.model.learner).toEqual(want.model.learner);
  expect(got.model.metrics).toEqual(want.model.metrics);
  expect(got.model.scaler).toEqual(want.model.scaler);
  return { got, want };
}

function outputLines(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whole lines of a file (a last line a kill cut short is not one: the resumed run cuts it off). */
function wholeLines(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0;
}

/**
 * Each (key, version) once in a models.jsonl, and each key's versions after a restart (the file's
 * first `restarts[i]` lines were written before it) above all of that key's versions before it.
 */
function expectVersionsUnique(path: string, restarts: readonly number[], context: string): void {
  const lines = outputLines(path);
  const versions = lines.map((m) => `${String(m.key)}@${String(m.version)}`);
  const repeated = versions.filter((v, i) => versions.indexOf(v) !== i);
  expect(repeated, context).toEqual([]);
  for (const restart of restarts) {
    const before = new Map<string, number>();
    for (const m of lines.slice(0, restart))
      before.set(String(m.key), Math.max(before.get(String(m.key)) ?? 0, m.version as number));
    for (const m of lines.slice(restart)) {
      const at = `${context}: ${String(m.key)} version ${String(m.version)} after a restart at line ${restart}`;
      expect(m.version as number, at).toBeGreaterThan(before.get(String(m.key)) ?? 0);
    }
  }
}

/** Bytes of a file (0 when absent). */
function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

const scenarios = [
  {
    name: 'one model',
    // batches smaller than the 1 MiB chunks read at once, so a checkpoint lands mid-chunk and the
    // model is ahead of the committed line (it skips what it covers on resume)
    // refits inline (deterministic), every 3,000 events on a window of 2,000: the window and the
    // latest refit are state too
    flags: [
      ...['--family', 'binomial', '--batch-size', '200'],
      ...['--refit-threads', '0', '--refit-every', '3000', '--refit-window', '2000'],
    ],
    events: 30_000,
  },
  {
    // 50 sites, 6 in memory: models are evicted (their states written ahead of the committed line)
    // all the time
    name: 'keyed models with eviction',
    flags: ['--family', 'binomial', '--key-by', 'site', '--max-live-models', '6', '--no-refit'],
    events: 20_000,
  },
];

describe('replay --state DIR resumes after SIGKILL', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: killed three times, resumed to the end, the same states as uninterrupted`, async () => {
      const dir = tmp();
      const input = join(dir, 'events.jsonl');
      const { labelled, malformed } = writeEvents(input, scenario.events);
      const lines = readFileSync(input, 'utf8').split('\n').length - 1;
      const config = join(dir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          state: { everyEvents: 1500, everySeconds: 'Infinity' },
          refit: { everySeconds: 'Infinity' },
        }),
      );
      const common = [
        '--input',
        input,
        ...scenario.flags,
        '--snapshot-every',
        '2000',
        '--snapshot-seconds',
        'Infinity',
        '--config',
        config,
      ];

      const refState = join(dir, 'ref-state');
      const ref = await runCli(['replay', ...common, '--state', refState, '--out', join(dir, 'ref-out')]);
      expect(ref.code, ref.stderr).toBe(0);

      const state = join(dir, 'state');
      const out = join(dir, 'out');
      const args = [...common, '--state', state, '--out', out];
      const seed = Math.floor(Math.random() * 2 ** 31);
      const rng = new Rng(seed);
      const context = `seed ${seed}`;
      let previous = 0;
      const kills: number[] = [];
      const restarts: number[] = [];
      for (let k = 0; k < 3; k++) {
        // a line in the k-th quarter of the input (after the last kill), then 0-100 ms more: the
        // last kill lands well before the end
        const target = Math.max(previous + 1, Math.ceil(((k + 0.1 + 0.6 * rng.next()) / 4) * lines));
        const r = await child(args, state, target, Math.floor(rng.next() * 100));
        const m = manifest(state);
        expect(m, context).not.toBeNull();
        if (r.signal !== 'SIGKILL' || m!.complete) {
          // it finished before the kill landed: nothing more to interrupt
          if (r.signal !== 'SIGKILL') expect(r.code, `${context}: ${r.stderr}`).toBe(0);
          break;
        }
        kills.push(m!.line);
        restarts.push(wholeLines(join(out, 'models.jsonl')));
        previous = m!.line;
      }
      expect(kills.length, context).toBeGreaterThanOrEqual(2);
      const last = await child(args, state, null, 0);
      expect(last.code, `${context}: ${last.stderr}`).toBe(0);
      expect(last.stderr).toMatch(
        kills.length === 3 ? /resuming from --state .* after line/ : /already covers all of/,
      );
      expect(manifest(state)!.complete).toBe(true);

      // the same stored states as the uninterrupted run: learner arrays, featurizer, scaler,
      // progressive metrics, offsets, drift detectors, coverage
      const want = states(refState);
      const got = states(state);
      expect([...got.keys()].sort(), context).toEqual([...want.keys()].sort());
      let offsets = 0;
      for (const [key, s] of want) {
        const g = got.get(key)!;
        expect(g.model.learned, `${context}: ${key}`).toBe(s.model.learned);
        expect(g.model.learner, `${context}: ${key}`).toEqual(s.model.learner);
        expect(g.model.metrics, `${context}: ${key}`).toEqual(s.model.metrics);
        expect(timeless(g), `${context}: ${key}`).toEqual(timeless(s));
        offsets += g.model.learned;
      }
      // every labelled event learned once
      expect(offsets).toBe(labelled);

      // every malformed line dead-lettered (at least once: those after a checkpoint may repeat)
      const dead = new Set(outputLines(join(out, 'dead-letters.jsonl')).map((d) => d.line as number));
      for (const line of malformed) expect(dead.has(line), `line ${line}`).toBe(true);
      // every snapshot of the uninterrupted run is there (at least once; its version may differ)
      const at = (m: Record<string, unknown>) => `${String(m.key)} ${String(m.source)}@${String(m.offset)}`;
      const snapshots = new Set(outputLines(join(out, 'models.jsonl')).map(at));
      for (const m of outputLines(join(dir, 'ref-out', 'models.jsonl')))
        expect(snapshots.has(at(m)), at(m)).toBe(true);
      expectVersionsUnique(join(out, 'models.jsonl'), restarts, context);

      // a run over an input the directory covers learns nothing, and leaves the outputs as they are
      const summary = readFileSync(join(out, 'summary.json'), 'utf8');
      const again = await runCli(['replay', ...args]);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/covers all of .*: nothing left to learn/);
      expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
      for (const [key, s] of states(state)) expect(timeless(s)).toEqual(timeless(got.get(key)!));
    }, 180_000);
  }
});

describe('replay --state DIR: snapshot versions after SIGKILL', () => {
  it('keyed models, refits on a worker: killed with snapshots written after its checkpoint, each (key, version) once', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeEvents(input, 30_000);
    const config = join(dir, 'config.json');
    // a checkpoint every 10,000 records, with more than the writer's 1 MiB buffer of snapshots
    // (about 1.4 KB each, every 10 events of each of 50 sites) between two: models.jsonl grows
    // after a checkpoint, before the next
    writeFileSync(config, JSON.stringify({ state: { everyEvents: 10_000, everySeconds: 'Infinity' } }));
    const common = [
      ...['--input', input, '--family', 'binomial', '--key-by', 'site', '--config', config],
      ...['--snapshot-every', '10', '--snapshot-seconds', 'Infinity'],
      ...['--refit-every', '200', '--refit-window', '400', '--refit-threads', '1'],
    ];
    const ref = join(dir, 'ref');
    const r = await runCli(['replay', ...common, '--state', join(dir, 'ref-state'), '--out', ref]);
    expect(r.code, r.stderr).toBe(0);

    const state = join(dir, 'state');
    const out = join(dir, 'out');
    const models = join(out, 'models.jsonl');
    const args = [...common, '--state', state, '--out', out];
    // killed once models.jsonl has grown after a checkpoint (the manifest's line moved): it holds
    // snapshots the checkpoint does not cover, which the resumed run publishes again
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cli/replayChild.mts', ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      proc.on('exit', (_c, signal) => done(signal)),
    );
    let line = 0;
    let sizeAtLine = 0;
    const poll = setInterval(() => {
      const size = sizeOf(models);
      const m = manifest(state);
      if (m === null || m.complete) return;
      if (m.line !== line) [line, sizeAtLine] = [m.line, size];
      else if (line > 0 && size > sizeAtLine) {
        clearInterval(poll);
        proc.kill('SIGKILL');
      }
    }, 5);
    const signal = await exited;
    clearInterval(poll);
    expect(signal, stderr).toBe('SIGKILL');
    const written = wholeLines(models);
    const resumed = await child(args, state, null, 0);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from --state .* after line [1-9]/);

    const got = outputLines(models);
    expect(got.length).toBeGreaterThan(written);
    expectVersionsUnique(models, [written], `killed after ${written} snapshots`);
    // nothing lost: every snapshot of an uninterrupted run is there, by key, source and offset
    const at = (m: Record<string, unknown>) => `${String(m.key)} ${String(m.source)}@${String(m.offset)}`;
    const have = new Set(got.map(at));
    for (const m of outputLines(join(ref, 'models.jsonl')))
      if (m.source === 'online') expect(have.has(at(m)), at(m)).toBe(true);
    // the report counts and draws the snapshots published again once: each key's online
    // snapshots as in the uninterrupted run
    const limits = { ...defaultReportOptions, keys: 100 };
    const [report, reference] = await Promise.all([collectReport(out, limits), collectReport(ref, limits)]);
    // (whether any was published again depends on where the kill fell: a line cut short is cut)
    const once = new Set<string>();
    const again = got.filter((m) => once.size === once.add(at(m)).size).length;
    if (again > 0) expect(report.notes.join('\n')).toMatch(/written again after a resume/);
    const onlineOffsets = (k: KeyReport) =>
      k.points.filter((p) => p.source === 'online').map((p) => p.offset);
    expect(report.keys.map((k) => k.key).sort()).toEqual(reference.keys.map((k) => k.key).sort());
    for (const k of reference.keys) {
      const got = report.keys.find((g) => g.key === k.key)!;
      expect(got.onlineSnapshots, k.key).toBe(k.onlineSnapshots);
      expect(onlineOffsets(got), k.key).toEqual(onlineOffsets(k));
    }
    // a score names one snapshot by (key, version): its source, and the events its model had
    // learned then (that snapshot's, or more: the online model learns on after its snapshot)
    const byVersion = new Map(got.map((m) => [`${String(m.key)}@${String(m.version)}`, m]));
    const scores = outputLines(join(out, 'scores.jsonl'));
    expect(scores.length).toBeGreaterThan(0);
    for (const s of scores) {
      const cited = s.model as { source: string; version: number; offset: number };
      if (cited.version === 0) continue; // before the model's first snapshot
      const m = byVersion.get(`${String(s.key)}@${cited.version}`);
      expect(m, `${String(s.key)}@${cited.version}`).toBeDefined();
      expect(m!.source).toBe(cited.source);
      expect(m!.offset as number).toBeLessThanOrEqual(cited.offset);
    }
  }, 180_000);
});

describe('replay --state DIR resumes after Ctrl-C', () => {
  it('SIGINT checkpoints what was read; the same command goes on and learns the rest once', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const { labelled } = writeEvents(input, 30_000);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ state: { everyEvents: 2000 } }));
    const common = [
      ...['--input', input, '--family', 'gaussian', '--no-refit', '--snapshot-seconds', 'Infinity'],
      ...['--config', config],
    ];
    const refState = join(dir, 'ref-state');
    expect((await runCli(['replay', ...common, '--state', refState, '--out', join(dir, 'ref')])).code).toBe(
      0,
    );
    const state = join(dir, 'state');
    const args = [...common, '--state', state, '--out', join(dir, 'out')];
    const stopped = await child(args, state, 1, 0, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted by SIGINT: .*; the same command resumes from --state/);
    const m = manifest(state)!;
    expect(m.complete).toBe(false);
    expect(m.line).toBeGreaterThan(0);
    const rest = await child(args, state, null, 0);
    expect(rest.code, rest.stderr).toBe(0);
    // Ctrl-C published a final snapshot (its version and cadence differ); what was learned does not
    const { got, want } = expectSameLearning(state, refState, labelled);
    expect(got.drift).toEqual(want.drift);
  }, 60_000);
});

/** The first `n` lines of a file's text (each with its newline), and the rest. */
function splitLines(text: string, n: number): [string, string] {
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at) + 1;
  return [text.slice(0, at), text.slice(at)];
}

/**
 * The replay in a child process killed with SIGKILL once the state directory has committed line
 * `after` or later; fails the test when the run ended before the kill landed.
 */
async function killedAfter(args: readonly string[], state: string, after: number): Promise<number> {
  const r = await child(args, state, after, 0);
  expect(r.signal, r.stderr).toBe('SIGKILL');
  return manifest(state)!.line;
}

/**
 * A temporary directory with `n` events in `name` (`writeEvents`), its text and lines, and a
 * configuration that checkpoints every 1,000 records.
 */
function fixture(name: string, n: number) {
  const dir = tmp();
  const input = join(dir, name);
  const { labelled } = writeEvents(input, n);
  const text = readFileSync(input, 'utf8');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ state: { everyEvents: 1000, everySeconds: 'Infinity' } }));
  return { dir, input, labelled, text, lines: text.split('\n').length - 1, config };
}

describe('replay --state DIR over an input that grew, and --continue with the next file', () => {
  it('keyed models, killed before and after lines were appended: the same states and summary metrics as one run over the whole file', async () => {
    const { dir, input, labelled, text: whole, lines, config } = fixture('events.jsonl', 16_000);
    const common = [
      ...['--input', input, '--family', 'binomial', '--key-by', 'site', '--max-live-models', '6'],
      ...['--no-refit', '--snapshot-every', '2000', '--snapshot-seconds', 'Infinity', '--config', config],
    ];
    // the uninterrupted run over the whole file (the same path: the states name it)
    const refState = join(dir, 'ref-state');
    const ref = await runCli(['replay', ...common, '--state', refState, '--out', join(dir, 'ref-out')]);
    expect(ref.code, ref.stderr).toBe(0);

    // the first 60% of the lines, killed after a checkpoint, then resumed to its end
    const first = Math.floor(0.6 * lines);
    const [head, tail] = splitLines(whole, first);
    writeFileSync(input, head);
    const state = join(dir, 'state');
    const out = join(dir, 'out');
    const args = [...common, '--state', state, '--out', out];
    expect(await killedAfter(args, state, Math.floor(first / 3))).toBeLessThan(first);
    const rest = await child(args, state, null, 0);
    expect(rest.code, rest.stderr).toBe(0);
    expect(manifest(state)).toMatchObject({ line: first, complete: true });

    // lines appended: the same command learns only them (killed once more on the way)
    appendFileSync(input, tail);
    const restart = wholeLines(join(out, 'models.jsonl'));
    const killed = await killedAfter(args, state, first + 1);
    expect(killed).toBeGreaterThan(first);
    expect(killed).toBeLessThan(lines);
    const last = await child(args, state, null, 0);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toMatch(/resuming from --state .* after line/);
    expect(manifest(state)).toMatchObject({ line: lines, complete: true });

    const want = states(refState);
    const got = states(state);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    let learned = 0;
    for (const [key, s] of want) {
      expect(timeless(got.get(key)!), key).toEqual(timeless(s));
      learned += got.get(key)!.model.learned;
    }
    expect(learned).toBe(labelled);
    expectVersionsUnique(join(out, 'models.jsonl'), [restart], 'appended');

    // the summary's progressive metrics pool every key's events (not this run's part only)
    const summaryOf = (d: string) =>
      JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as {
        events: number;
        metrics: Record<string, number>;
      };
    const resumed = summaryOf(out);
    expect(resumed.events).toBeLessThan(labelled);
    expect(resumed.metrics.events).toBe(labelled);
    expect(resumed.metrics).toEqual(summaryOf(join(dir, 'ref-out')).metrics);
  }, 180_000);

  it('a last line caught half-written is left for the next run, which reads it whole: the same states as one run (it was dead-lettered and committed, and the grown file refused)', async () => {
    const { dir, input, labelled, text: whole, lines, config } = fixture('events.jsonl', 4000);
    const common = [
      ...['--input', input, '--family', 'binomial', '--no-refit', '--no-progress'],
      ...['--snapshot-every', '1000', '--snapshot-seconds', 'Infinity', '--config', config],
    ];
    const refState = join(dir, 'ref-state');
    const ref = await runCli(['replay', ...common, '--state', refState, '--out', join(dir, 'ref-out')]);
    expect(ref.code, ref.stderr).toBe(0);

    // the first 2,500 lines and half of the next, as a writer leaves it between two writes
    const [head, tail] = splitLines(whole, 2500);
    const cut = tail.indexOf(',') + 1;
    writeFileSync(input, head + tail.slice(0, cut));
    const state = join(dir, 'state');
    const out = join(dir, 'out');
    const first = await runCli(['replay', ...common, '--state', state, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      `replay: warning: the last line of ${input} has no newline and is not valid JSON (${JSON.stringify(tail.slice(0, cut))}): left unread, since a writer may be in the middle of it; the next run with --state ${state} reads it once it ends with a newline`,
    );
    expect(manifest(state)).toMatchObject({ line: 2500 });
    // (the fixture has bad lines of its own: the dead letters are the uninterrupted run's)
    const deadLines = (d: string) => outputLines(join(d, 'dead-letters.jsonl')).map((l) => l.line as number);
    const refDead = deadLines(join(dir, 'ref-out'));
    expect(deadLines(out)).toEqual(refDead.filter((l) => l <= 2500));

    // the writer ends the line and appends the rest: the same command learns them all
    appendFileSync(input, tail.slice(cut));
    const second = await runCli(['replay', ...common, '--state', state, '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('no newline');
    expect(manifest(state)).toMatchObject({ line: lines, complete: true });
    expect(deadLines(out)).toEqual(refDead);
    const want = states(refState);
    const got = states(state);
    expect([...got.keys()]).toEqual([...want.keys()]);
    // the model learned every event once, in order (a run that ended and one that went on have
    // different drift cadences: the first run's end made a snapshot)
    const model = (st: LiveModelState) => (timeless(st) as { model: unknown }).model;
    for (const [key, st] of want) expect(model(got.get(key)!), key).toEqual(model(st));
    expect(got.get('default')!.model.learned).toBe(labelled);

    // a file of one half-written line: nothing learned yet, not an error (a log just begun)
    const begun = join(dir, 'begun.jsonl');
    writeFileSync(begun, tail.slice(0, cut));
    const none = await runCli([
      'replay',
      ...common.slice(2),
      '--input',
      begun,
      '--state',
      join(dir, 'bs'),
      '--out',
      join(dir, 'bo'),
    ]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toContain('has no newline and is not valid JSON');
    // without a state directory there is no next run: the line is a dead letter, as before
    writeFileSync(input, head + tail.slice(0, cut));
    const once = await runCli(['replay', ...common, '--out', join(dir, 'once')]);
    expect(once.code, once.stderr).toBe(0);
    expect(deadLines(join(dir, 'once'))).toEqual([...refDead.filter((l) => l <= 2500), 2501]);
  }, 60_000);

  it('--continue goes on with the next file from its first line (killed and resumed with the same command); the same model as one run over both', async () => {
    const { dir, input: both, labelled, text, lines, config } = fixture('both.jsonl', 16_000);
    const [day1, day2] = splitLines(text, Math.floor(lines / 2));
    const first = join(dir, 'day1.jsonl');
    const second = join(dir, 'day2.jsonl');
    writeFileSync(first, day1);
    writeFileSync(second, day2);
    const flags = [
      ...['--family', 'gaussian', '--no-refit', '--batch-size', '200', '--config', config],
      ...['--snapshot-every', '2000', '--snapshot-seconds', 'Infinity'],
    ];
    const refState = join(dir, 'ref-state');
    const ref = await runCli([
      'replay',
      '--input',
      both,
      ...flags,
      '--state',
      refState,
      '--out',
      join(dir, 'ref'),
    ]);
    expect(ref.code, ref.stderr).toBe(0);

    const state = join(dir, 'state');
    const out = join(dir, 'out');
    const done1 = await runCli(['replay', '--input', first, ...flags, '--state', state, '--out', out]);
    expect(done1.code, done1.stderr).toBe(0);
    const restart = wholeLines(join(out, 'models.jsonl'));
    // another file without --continue: refused, naming the flag
    const refused = await runCli(['replay', '--input', second, ...flags, '--state', state, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not of .*day2\.jsonl: .*add --continue/);
    const args = ['--input', second, ...flags, '--state', state, '--out', out, '--continue'];
    await killedAfter(args, state, 1);
    const resumed = await child(args, state, null, 0);
    expect(resumed.code, resumed.stderr).toBe(0);
    // the same command after the kill resumes the second file (not from its start again)
    expect(resumed.stderr).toMatch(/resuming from --state .* after line [1-9]/);
    expect(manifest(state)).toMatchObject({ line: lines - Math.floor(lines / 2), complete: true });

    expectSameLearning(state, refState, labelled);
    // (not the drift detectors: the first file's run ended with a snapshot, which their sign and
    // support checks take in; one run over both files takes none there)
    // versions go on increasing over both files
    expectVersionsUnique(join(out, 'models.jsonl'), [restart], 'continued');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      resume: { fromLine: number };
    };
    expect(summary.resume.fromLine).toBeGreaterThan(0);
  }, 180_000);
});
