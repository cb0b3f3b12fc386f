import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { decodeState } from '../../src/model/stateCodec.js';

/**
 * `l1stream replay` stopped by signals while refits run (a child process, the CLI's own entry):
 * the first signal stops after the batch in hand without waiting for the running refits, a
 * second exits at once by the signal, leaving no lock file and no temporary state directory.
 */

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-interrupts-'));

/**
 * Sparse events (30 ids of 20,000 each, keys k0..k3): refits on windows of them to a tolerance of
 * 1e-15 take seconds, so one runs at almost any moment after the first is due.
 */
function writeSparseEvents(path: string, n: number): void {
  let s = 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const features = new Map<string, number>();
    let z = -1;
    for (let j = 0; j < 30; j++) {
      const id = Math.floor(20000 * u() * u());
      features.set(`id${id}`, 1);
      if (id % 50 === 3) z += 1;
    }
    const label = u() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    lines.push(JSON.stringify({ key: `k${i % 4}`, label, features: Object.fromEntries(features) }));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

interface Child {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Resolves once stderr matches `pattern` (null when the process ended first). */
  waitFor(pattern: RegExp): Promise<true | null>;
  kill(signal: NodeJS.Signals): void;
}

function replayChild(args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cli/replayChild.mts', ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; done: (v: true | null) => void }> = [];
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of watchers.splice(0)) {
      if (w.pattern.test(stderr)) w.done(true);
      else watchers.push(w);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.on('exit', (code, signal) => {
      for (const w of watchers.splice(0)) w.done(null);
      done({ code, signal });
    }),
  );
  return {
    exited,
    stderr: () => stderr,
    waitFor: (pattern) =>
      pattern.test(stderr)
        ? Promise.resolve(true)
        : proc.exitCode !== null || proc.signalCode !== null
          ? Promise.resolve(null)
          : new Promise((done) => watchers.push({ pattern, done })),
    kill: (signal) => proc.kill(signal),
  };
}

/** Slow refits of four keyed models, one worker thread: a refit runs from about event 8,000 on. */
function slowRefitArgs(dir: string, input: string): string[] {
  const config = join(dir, 'slow-refits.json');
  writeFileSync(config, JSON.stringify({ refit: { tolerance: 1e-15 } }));
  return [
    '--input',
    input,
    '--family',
    'binomial',
    '--key-by',
    'key',
    '--refit-every',
    '2000',
    '--refit-window',
    '20000',
    '--config',
    config,
    '--progress',
  ];
}

/** Waits for a progress line with a refit running (the progress line says so). */
async function refitRunning(child: Child): Promise<void> {
  expect(await child.waitFor(/refits? \(\d+ running\)/)).toBe(true);
}

describe('replay stopped by signals while refits run', () => {
  it('SIGTERM: the running refits are abandoned (counted), outputs and state written, exit 143', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeSparseEvents(input, 40_000);
    const out = join(dir, 'out');
    const state = join(dir, 'state');
    const child = replayChild([...slowRefitArgs(dir, input), '--out', out, '--state', state]);
    await refitRunning(child);
    child.kill('SIGTERM');
    const { code } = await child.exited;
    const stderr = child.stderr();
    expect(code).toBe(143);
    expect(stderr).toMatch(
      /replay: SIGTERM: stopping after the batch in hand \([\d,]+ running refits? left unfinished\), then writing the outputs and the state; a second signal exits at once\n/,
    );
    expect(stderr).toMatch(
      /replay: interrupted by SIGTERM: stopped after the batch in hand \([\d,]+ running refits? abandoned: not applied, not written\)/,
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      interrupted: string;
      records: number;
      events: number;
      refits: { started: number; completed: number; abandoned: number };
    };
    expect(summary.interrupted).toBe('SIGTERM');
    expect(summary.refits.abandoned).toBeGreaterThanOrEqual(1);
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.events).toBeLessThan(40_000);
    // every output line is whole JSON; the refit snapshots are those of the completed refits only
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string });
    expect(models.filter((m) => m.source === 'refit').length).toBe(summary.refits.completed);
    // the state covers every line read (its last checkpoint ran at the stop) and decodes
    const manifest = JSON.parse(readFileSync(join(state, 'l1stream-state.json'), 'utf8')) as {
      line: number;
      complete: boolean;
    };
    expect(manifest.line).toBe(summary.records);
    expect(manifest.complete).toBe(false);
    const stored = readdirSync(state).filter((f) => f.endsWith('.state'));
    expect(stored.length).toBe(4);
    for (const f of stored) expect(() => decodeState(readFileSync(join(state, f)))).not.toThrow();
    expect(readdirSync(state).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(readdirSync(out).filter((f) => f.endsWith('.lock'))).toEqual([]);

    // the same command resumes; stopped again while a refit runs, it too ends whole (a worker
    // being terminated holds no process alive: this run once ended with exit 0, no summary)
    const again = replayChild([...slowRefitArgs(dir, input), '--out', out, '--state', state]);
    expect(await again.waitFor(/resuming from --state .* after line /)).toBe(true);
    await refitRunning(again);
    again.kill('SIGTERM');
    expect((await again.exited).code).toBe(143);
    const resumed = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      interrupted: string;
      resume: { fromLine: number };
    };
    expect(resumed.interrupted).toBe('SIGTERM');
    expect(resumed.resume.fromLine).toBe(summary.records);
  }, 180_000);

  it('a second SIGINT exits at once by the signal, leaving no lock file and no temporary state directory', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    writeSparseEvents(input, 40_000);
    const out = join(dir, 'out');
    // keyed without --state: evicted models would wait in a temporary directory under TMPDIR
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const child = replayChild([...slowRefitArgs(dir, input), '--out', out], { TMPDIR: temp });
    await refitRunning(child);
    expect(readdirSync(temp).filter((f) => f.startsWith('l1stream-state-')).length).toBe(1);
    child.kill('SIGINT');
    // the second once the first is handled (its line), or after a while if it never says so
    await Promise.race([
      child.waitFor(/a second signal exits at once/),
      new Promise((r) => setTimeout(r, 500)),
    ]);
    child.kill('SIGINT');
    const { code, signal } = await child.exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(readdirSync(out).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(readdirSync(temp).filter((f) => f.startsWith('l1stream-state-'))).toEqual([]);
    // stopped before the outputs were finished: no summary
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  }, 120_000);
});

/** `keys` keyed models of 4 features each, `perKey` events each, keys interleaved. */
function writeKeyedEvents(path: string, keys: number, perKey: number): void {
  let s = 7;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines: string[] = [];
  for (let i = 0; i < keys * perKey; i++) {
    const x = 2 * u() - 1;
    const features = { x, y: 2 * u() - 1, z: 2 * u() - 1, plan: `p${Math.floor(3 * u())}` };
    lines.push(
      JSON.stringify({ key: `k${i % keys}`, label: u() < 1 / (1 + Math.exp(-2 * x)) ? 1 : 0, features }),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** The last snapshot of each key in models.jsonl: its offset and coefficients. */
function lastModels(out: string): Map<string, string> {
  const last = new Map<string, string>();
  for (const line of readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line) as { key: string; offset: number; intercept: number; coefficients: unknown };
    last.set(m.key, JSON.stringify([m.offset, m.intercept, m.coefficients]));
  }
  return last;
}

describe('replay stopped while its last checkpoint writes thousands of keyed models', () => {
  it('a second SIGTERM cuts the checkpoint short; the same command resumes to the uninterrupted models', async () => {
    const dir = tmp();
    const input = join(dir, 'events.jsonl');
    const keys = 3000;
    writeKeyedEvents(input, keys, 12);
    // no checkpoint before the stop's: the stop captures and writes every model's state
    const config = join(dir, 'stop-only.json');
    writeFileSync(config, JSON.stringify({ state: { everyEvents: 1e9, everySeconds: 'Infinity' } }));
    const args = (out: string, state: string) => [
      '--input',
      input,
      '--family',
      'binomial',
      '--key-by',
      'key',
      '--max-live-models',
      String(keys),
      '--no-refit',
      '--config',
      config,
      '--progress',
      '--out',
      out,
      '--state',
      state,
    ];
    const out = join(dir, 'out');
    const state = join(dir, 'state');
    const child = replayChild(args(out, state));
    // every key has a model by the first progress line after event 3,000
    expect(await child.waitFor(/replay: [\d,]{5,} events/)).toBe(true);
    child.kill('SIGTERM');
    expect(await child.waitFor(/a second signal exits at once/)).toBe(true);
    // the second signal once the stop's checkpoint has begun writing states
    const stateFiles = () =>
      existsSync(state) ? readdirSync(state).filter((f) => f.endsWith('.state')).length : 0;
    let ended = false;
    void child.exited.then(() => (ended = true));
    while (stateFiles() === 0 && !ended) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGTERM');
    const { code, signal } = await child.exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    // cut short: not every model's state was written (the write of all of them was one
    // synchronous step the second signal waited for)
    expect(stateFiles()).toBeGreaterThan(0);
    expect(stateFiles()).toBeLessThan(keys);
    expect(readdirSync(state).filter((f) => f.endsWith('.lock'))).toEqual([]);

    // the states written cover their own events: resumed, every event is learned once
    const resumed = replayChild(args(out, state));
    expect((await resumed.exited).code).toBe(0);
    const whole = replayChild(args(join(dir, 'whole-out'), join(dir, 'whole-state')));
    expect((await whole.exited).code).toBe(0);
    const expected = lastModels(join(dir, 'whole-out'));
    expect(expected.size).toBe(keys);
    expect(lastModels(out)).toEqual(expected);
  }, 300_000);
});
