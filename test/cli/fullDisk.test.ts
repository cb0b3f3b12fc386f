/**
 * A replay whose first writes into `--state DIR` fail (a full disk; here a file size limit, which
 * makes a write fail with EFBIG as a full disk makes it fail with ENOSPC) stops with an error
 * naming the path, and leaves nothing that makes the next run, once there is room, refuse the
 * directory; so does one killed (SIGKILL) while it writes its first l1stream-state.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');

/** A directory with 3,000 events, and replay's arguments (without the command) over it. */
function setup(): { dir: string; state: string; flags: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-full-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(4, 3000), (e) => JSON.stringify(e)).join('\n')}\n`);
  const state = join(dir, 'state');
  const flags = [
    '--input',
    input,
    '--family',
    'binomial',
    '--no-refit',
    '--state',
    state,
    '--out',
    join(dir, 'o'),
  ];
  return { dir, state, flags };
}

/**
 * `l1stream replay` in a child process whose files may hold at most `blocks` 512-byte blocks
 * (`ulimit -f`): a write beyond fails with EFBIG.
 */
function replayWithFileLimit(
  blocks: number,
  flags: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(
    'sh',
    [
      '-c',
      `ulimit -f ${blocks} && exec "$0" "$@"`,
      process.execPath,
      ...['--import', 'tsx', 'test/cli/replayChild.mts', ...flags],
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => proc.on('exit', (code) => done({ code, stderr })));
}

describe.skipIf(process.platform === 'win32')('replay --state DIR on a full disk', () => {
  it('a lock file that cannot be written is not left behind: the next run is not refused as "in use"', async () => {
    const { state, flags } = setup();
    // no byte may be written: the lock file is created, the run's pid cannot be written in it
    const failed = await replayWithFileLimit(0, flags);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^l1stream: cannot lock --state .*: EFBIG/m);
    expect(readdirSync(state)).toEqual([]);
    const again = await runCli(['replay', ...flags]);
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);

  it('a first l1stream-state.json that cannot be written does not make the directory "not a state directory"', async () => {
    const { state, flags } = setup();
    // 1 KiB per file: the lock fits, the manifest (about 3 KB) does not
    const failed = await replayWithFileLimit(2, flags);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^l1stream: cannot write .*l1stream-state\.json: EFBIG/m);
    const again = await runCli(['replay', ...flags]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/not an l1stream state directory/);
    expect(readdirSync(state)).toContain('l1stream-state.json');
  }, 60_000);
});

describe('replay --state DIR killed at start-up', () => {
  it('killed (SIGKILL) while writing its first l1stream-state.json: the same command runs', async () => {
    const { state, flags } = setup();
    // the kill lands as the manifest's temporary file appears, before its rename: retried until
    // a kill left that file alone in the directory (most attempts do)
    let left: string[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      mkdirSync(state, { recursive: true });
      const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cli/replayChild.mts', ...flags], {
        cwd: root,
        stdio: 'ignore',
      });
      const watcher = watch(state, (_event, name) => {
        if (name === 'l1stream-state.json.tmp') proc.kill('SIGKILL');
      });
      await new Promise((done) => proc.on('exit', done));
      watcher.close();
      left = readdirSync(state).filter((e) => !e.startsWith('.l1stream-'));
      if (left.length === 1 && left[0] === 'l1stream-state.json.tmp') break;
      rmSync(state, { recursive: true, force: true });
    }
    expect(left).toEqual(['l1stream-state.json.tmp']);
    const again = await runCli(['replay', ...flags]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(state)).toContain('l1stream-state.json');
  }, 180_000);

  it('killed (SIGKILL) as it takes the lock of --state DIR: the same command takes the lock over and runs', async () => {
    const { state, flags } = setup();
    // the kill lands as the lock (or its temporary file) appears: before the pid is in it, where
    // it used to be left empty and every later run refused as "in use by another process"
    for (let attempt = 0; attempt < 8; attempt++) {
      rmSync(state, { recursive: true, force: true });
      mkdirSync(state, { recursive: true });
      const proc = spawn(process.execPath, ['--import', 'tsx', 'test/cli/replayChild.mts', ...flags], {
        cwd: root,
        stdio: 'ignore',
      });
      const watcher = watch(state, (_event, name) => {
        if (name?.startsWith('.l1stream-state.lock')) proc.kill('SIGKILL');
      });
      const signal = await new Promise((done) => proc.on('exit', (_code, s) => done(s)));
      watcher.close();
      expect(signal).toBe('SIGKILL');
      const again = await runCli(['replay', ...flags]);
      expect(again.code, `attempt ${attempt}: ${again.stderr}`).toBe(0);
    }
  }, 180_000);
});
