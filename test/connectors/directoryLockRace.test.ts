/**
 * Two runs that find the same dead lock: exactly one takes it over, the other is refused as "in
 * use". Deterministic: the second run is made to run whole at each file-system call of the first's
 * takeover in turn (node:fs wrapped for this file), so every interleaving at that grain is tried.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import type { DirectoryLock as Lock } from '../../connectors/file/directoryLock.js';

/** Called before each wrapped fs call while set (it unsets itself to run once). */
const interleave: { at: number; calls: number; run: (() => void) | null } = { at: -1, calls: 0, run: null };

vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  const wrapped = <F extends (...args: never[]) => unknown>(f: F): F =>
    ((...args: Parameters<F>) => {
      if (interleave.run !== null && interleave.calls++ === interleave.at) {
        const run = interleave.run;
        interleave.run = null;
        run();
      }
      return f(...args);
    }) as F;
  const names = ['linkSync', 'renameSync', 'rmSync', 'readFileSync', 'writeFileSync', 'openSync'] as const;
  const out: Record<string, unknown> = { ...real };
  for (const n of names) out[n] = wrapped(real[n] as (...args: never[]) => unknown);
  return { ...out, default: out };
});

const { DirectoryInUse, DirectoryLock } = await import('../../connectors/file/directoryLock.js');

const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2026-12-02T00:00:00.000Z' });

/** A directory whose state lock was left by a process that no longer runs. */
function staged(dead: number): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'l1s-lockrace-'));
  fs.writeFileSync(join(dir, '.l1stream-state.lock'), lockOf(dead));
  return dir;
}

type Outcome = Lock | Error;

function attempt(dir: string, said: string[]): Outcome {
  try {
    const lock = DirectoryLock.acquire(dir, 'state', `--state ${dir}`, (m) => said.push(m));
    return lock ?? new Error('no lock: the directory could not be made');
  } catch (err) {
    return err as Error;
  }
}

afterEach(() => {
  interleave.run = null;
});

describe('DirectoryLock: two runs that find one dead lock', () => {
  it('exactly one takes it over, the other is refused as in use, at every point of the first takeover', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    // the calls of one uninterrupted takeover: the points where the second run can come in
    const count = (() => {
      const dir = staged(dead);
      interleave.calls = 0;
      interleave.at = Infinity;
      interleave.run = () => undefined;
      const lock = attempt(dir, []);
      interleave.run = null;
      expect(lock).toBeInstanceOf(DirectoryLock);
      (lock as Lock).release();
      return interleave.calls;
    })();
    expect(count).toBeGreaterThan(2);
    for (let at = 0; at < count; at++) {
      const dir = staged(dead);
      let second: Outcome | null = null;
      const saidFirst: string[] = [];
      const saidSecond: string[] = [];
      interleave.calls = 0;
      interleave.at = at;
      interleave.run = () => {
        second = attempt(dir, saidSecond);
      };
      const first = attempt(dir, saidFirst);
      expect(second, `the second run came in at call ${at}`).not.toBeNull();
      const outcomes = [first, second!];
      const held = outcomes.filter((o) => o instanceof DirectoryLock);
      const refused = outcomes.filter((o) => o instanceof DirectoryInUse);
      expect(
        { held: held.length, refused: refused.length },
        `second run at call ${at}: ${outcomes.map((o) => (o instanceof DirectoryLock ? 'took the lock' : o.message)).join(' | ')}`,
      ).toEqual({ held: 1, refused: 1 });
      // the lock file is the winner's, and it says once that it took over the dead run's lock
      expect(JSON.parse(fs.readFileSync(join(dir, '.l1stream-state.lock'), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
      expect([...saidFirst, ...saidSecond]).toEqual([
        `taking over the lock of --state ${dir} left by pid ${dead} (since 2026-12-02T00:00:00.000Z), which no longer runs`,
      ]);
      expect((refused[0] as Error).message).toMatch(
        new RegExp(`^--state ${dir} is in use by (pid ${process.pid} on |another process)`),
      );
      (held[0] as Lock).release();
      // nothing is left behind but what the run holds: released, the directory is empty
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });
});

describe('DirectoryLock: a takeover marker left behind', () => {
  it("by a run killed as it took over is taken over in turn; a live run's refuses", () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const dir = staged(dead);
    const marker = join(dir, `.l1stream-state.lock.${dead}-20261202000000000.takeover`);
    // the taker died holding the marker: the next run takes both over and leaves neither
    fs.writeFileSync(marker, lockOf(dead));
    const said: string[] = [];
    const lock = attempt(dir, said);
    expect(lock).toBeInstanceOf(DirectoryLock);
    expect(said).toEqual([
      `taking over the lock of --state ${dir} left by pid ${dead} (since 2026-12-02T00:00:00.000Z), which no longer runs`,
    ]);
    expect(fs.readdirSync(dir)).toEqual(['.l1stream-state.lock']);
    (lock as Lock).release();

    // a live process is taking it over (the parent of this test process): refused, naming it
    const busy = staged(dead);
    fs.writeFileSync(
      join(busy, `.l1stream-state.lock.${dead}-20261202000000000.takeover`),
      lockOf(process.ppid),
    );
    const refused = attempt(busy, said);
    expect(refused).toBeInstanceOf(DirectoryInUse);
    expect((refused as Error).message).toMatch(
      new RegExp(`^--state ${busy} is in use by pid ${process.ppid} on `),
    );
    expect(fs.readFileSync(join(busy, '.l1stream-state.lock'), 'utf8')).toBe(lockOf(dead));
  });
});
