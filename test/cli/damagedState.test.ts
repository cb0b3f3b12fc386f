/**
 * A damaged model state in `replay --state DIR` stops the run with one line that names the key,
 * the file and the fix (exit 2, as a damaged l1stream-state.json); the fix it gives works.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { runCli } from '../helpers/cli.js';

/** The state file of a key (hex of its UTF-8 bytes). */
const stateFile = (dir: string, key: string) => join(dir, `${Buffer.from(key).toString('hex')}.state`);

/**
 * `events` ad clicks replayed once with `--state DIR/state` into DIR/o (a fresh DIR), keyed by
 * device or one model. `args` is the command without `--out`; keyed, without `--state` too.
 */
async function replayedOnce(events: number, keyed: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-damaged-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(3, events), (e) => JSON.stringify(e)).join('\n')}\n`);
  const state = join(dir, 'state');
  const base = ['replay', '--input', input, '--family', 'binomial'];
  const args = keyed
    ? [...base, '--key-by', 'device', '--no-refit']
    : [...base, '--no-refit', '--state', state];
  const first = await runCli([...args, ...(keyed ? ['--state', state] : []), '--out', join(dir, 'o')]);
  expect(first.code, first.stderr).toBe(0);
  return { dir, input, state, args };
}

/**
 * Makes the finished run of `state` over `input` resumable from line `line` (as if it had been
 * stopped there): the manifest names the first `line` lines as covered (their bytes, and a SHA-256
 * of their first and last 64 KiB).
 */
function rewindManifest(state: string, input: string, line: number): void {
  const file = join(state, 'l1stream-state.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { input: { path: string } };
  const text = readFileSync(input);
  let bytes = 0;
  for (let i = 0; i < line; i++) bytes = text.indexOf(10, bytes) + 1;
  const hash = (from: number, to: number) =>
    createHash('sha256').update(text.subarray(from, to)).digest('hex');
  const covered = {
    path: doc.input.path,
    bytes,
    head: hash(0, Math.min(bytes, 1 << 16)),
    tail: hash(Math.max(0, bytes - (1 << 16)), bytes),
  };
  writeFileSync(file, JSON.stringify({ ...doc, input: covered, line, complete: false }));
}

describe('replay --state DIR with a damaged model state', () => {
  it('names the key, the file and the fix; moving the file away starts that key afresh', async () => {
    const { dir, input, state, args } = await replayedOnce(4000, true);
    const out = join(dir, 'o');
    rewindManifest(state, input, 2000);
    const file = stateFile(state, 'mobile');
    truncateSync(file, 1000);

    const damaged = await runCli([...args, '--state', state, '--out', out]);
    expect(damaged.code).toBe(2);
    const error = damaged.stderr.split('\n').find((l) => l.startsWith('l1stream:'));
    expect(error).toMatch(
      /^l1stream: the stored state of model "mobile" cannot be restored \(checkpoint truncated: 1,000 of [\d,]+ bytes\): it is .*6d6f62696c65\.state; move that file out of .* and run the same command again/,
    );
    expect(error).toContain(file);

    // as the message says: the file moved away, the run goes on, "mobile" afresh from line 2001
    mkdirSync(join(dir, 'moved'));
    renameSync(file, join(dir, 'moved', 'mobile.state'));
    const again = await runCli([...args, '--state', state, '--out', join(dir, 'o2')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `replay: warning: --state ${state} has no state file for model "mobile" (${file})`,
    );
    const snapshots = readFileSync(join(dir, 'o2', 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; offset: number });
    const mobile = snapshots.filter((s) => s.key === 'mobile').at(-1)!;
    const lines = readFileSync(input, 'utf8').trim().split('\n').slice(2000);
    const after = (device: string) =>
      lines.filter((l) => (JSON.parse(l) as { features: { device: string } }).features.device === device)
        .length;
    // the others' states covered every event; "mobile" learned those after line 2000, and only those
    const summary = JSON.parse(readFileSync(join(dir, 'o2', 'summary.json'), 'utf8')) as {
      events: number;
      skippedCovered: number;
    };
    expect(summary.events).toBe(after('mobile'));
    expect(summary.skippedCovered).toBe(lines.length - after('mobile'));
    expect(mobile.offset).toBe(after('mobile'));
  });
});

describe('replay --state DIR with a damaged l1stream-state.json that is still JSON', () => {
  it('is refused with one line naming the file and the fix (exit 2), never a crash or a resume from a wrong line', async () => {
    const { dir, state, args } = await replayedOnce(3000, false);
    const file = join(state, 'l1stream-state.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
      input: Record<string, unknown>;
    };
    const damages: Array<[string, Record<string, unknown>]> = [
      ['covered bytes not a number', { ...good, input: { ...good.input, bytes: 'x' } }],
      ['input path missing', { ...good, input: { ...good.input, path: undefined } }],
      ['a setting not a [path, value] pair', { ...good, settings: [1, 2] }],
      ['line negative', { ...good, line: -5 }],
      ['complete not a boolean', { ...good, complete: 'no' }],
    ];
    for (const [what, doc] of damages) {
      writeFileSync(file, JSON.stringify(doc));
      const r = await runCli([...args, '--out', join(dir, 'o')]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toBe(
        `l1stream: ${file} is not an l1stream state manifest of a known format: give another --state directory, or delete ${state} to start over\n`,
      );
    }
    // the manifest as it was: the run resumes (nothing left to learn)
    writeFileSync(file, JSON.stringify(good));
    const again = await runCli([...args, '--out', join(dir, 'o')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/nothing left to learn/);
  });
});

describe('replay --state DIR with a model state that cannot be read', () => {
  it('stops with one line naming the key and the file', async () => {
    const { dir, input, state, args } = await replayedOnce(4000, true);
    rewindManifest(state, input, 2000);
    // a read that fails (EISDIR here; EIO or EACCES elsewhere): Node's read error names no path
    const file = stateFile(state, 'mobile');
    rmSync(file);
    mkdirSync(file);
    const r = await runCli([...args, '--state', state, '--out', join(dir, 'o')]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('l1stream:'))).toEqual([
      `l1stream: cannot read the state of "mobile" from ${file}: EISDIR: illegal operation on a directory, read`,
    ]);
  });
});

describe('replay --state DIR with a "line" in l1stream-state.json that its "input" does not cover', () => {
  it('is refused with one line naming the file, the lines covered and the fix (exit 2); the right line resumes', async () => {
    const { dir, input, state, args } = await replayedOnce(3000, false);
    const file = join(state, 'l1stream-state.json');
    const finished = readFileSync(file, 'utf8');
    rewindManifest(state, input, 2000);
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
      input: { bytes: number };
    };
    const refusal = (line: number, covered: number, bytes: number) =>
      `l1stream: ${file} is damaged: its "line" ${line} is not the ${covered} lines of ${input} that its "input" covers (${bytes} bytes): set "line" to ${covered} to resume after them, or give another --state directory, or delete ${state} to start over\n`;
    // ahead of the covered lines (500 lines would be skipped unread), behind them, past the end
    for (const line of [2500, 1999, 99_999]) {
      writeFileSync(file, JSON.stringify({ ...good, line }));
      const r = await runCli([...args, '--out', join(dir, 'o')]);
      expect(r.code, `line ${line}: ${r.stderr}`).toBe(2);
      expect(r.stderr, `line ${line}`).toBe(refusal(line, 2000, good.input.bytes));
    }
    // not a whole number: not a manifest of a known format
    writeFileSync(file, JSON.stringify({ ...good, line: 2000.5 }));
    const fraction = await runCli([...args, '--out', join(dir, 'o')]);
    expect(fraction.code).toBe(2);
    expect(fraction.stderr).toMatch(/is not an l1stream state manifest of a known format/);
    // a finished run's manifest, its line edited
    const done = JSON.parse(finished) as Record<string, unknown> & { input: { bytes: number } };
    writeFileSync(file, JSON.stringify({ ...done, line: 2999 }));
    const edited = await runCli([...args, '--out', join(dir, 'o')]);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toBe(refusal(2999, 3000, done.input.bytes));
    // a manifest of an earlier version (the whole file's size and ends) with a line past the end
    const { bytes: _bytes, ...ends } = done.input;
    const size = readFileSync(input).length;
    writeFileSync(file, JSON.stringify({ ...done, input: { ...ends, size }, line: 3001 }));
    const older = await runCli([...args, '--out', join(dir, 'o')]);
    expect(older.code).toBe(2);
    expect(older.stderr).toBe(
      `l1stream: ${file} is damaged: its "line" 3001 is past the end of ${input} (3000 lines): give another --state directory, or delete ${state} to start over\n`,
    );

    // the line its input covers: the run resumes after it
    writeFileSync(file, JSON.stringify(good));
    const again = await runCli([...args, '--out', join(dir, 'o')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`resuming from --state ${state} after line 2,000`);
    const summary = JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8')) as {
      records: number;
      resume: { fromLine: number };
    };
    expect(summary.resume.fromLine).toBe(2000);
    expect(summary.records).toBe(1000);
  });
});

describe('replay --state DIR missing the state file of a model its checkpoint stored', () => {
  it('says so on stderr and in summary.json warnings, naming the model and the file; that model starts afresh', async () => {
    const { dir, input, state, args } = await replayedOnce(4000, true);
    rewindManifest(state, input, 2000);
    const file = stateFile(state, 'mobile');
    rmSync(file);

    const out = join(dir, 'o2');
    const r = await runCli([...args, '--state', state, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const warning = `--state ${state} has no state file for model "mobile" (${file}), which its last checkpoint stored: that model starts afresh from the events after line 2,000, the others resume from their states (to learn it from all its events, delete ${state} and replay from the start)`;
    // at the start, before any event is learned, and again with the summary's warnings
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^replay: resuming from --state .* after line 2,000/);
    expect(lines[1]).toBe(`replay: warning: ${warning}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      warnings: string[];
      events: number;
    };
    expect(summary.warnings).toContain(warning);
    const after = readFileSync(input, 'utf8')
      .trim()
      .split('\n')
      .slice(2000)
      .filter((l) => (JSON.parse(l) as { features: { device: string } }).features.device === 'mobile');
    expect(summary.events).toBe(after.length);

    // its new state is stored: the next run has nothing to say about it
    const next = await runCli([...args, '--state', state, '--out', out]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/no state file/);
  });
});
