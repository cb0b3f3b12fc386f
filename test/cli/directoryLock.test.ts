/**
 * One run at a time writes a state directory or an output directory: a second is refused with the
 * holder's pid (exit 2); the lock of a killed run is taken over, saying so; the lock goes at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { runCli } from '../helpers/cli.js';

function setup(): { dir: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-lock-'));
  const input = join(dir, 'events.jsonl');
  writeFileSync(input, `${Array.from(adClicks(4, 3000), (e) => JSON.stringify(e)).join('\n')}\n`);
  return { dir, args: ['replay', '--input', input, '--family', 'binomial', '--no-refit'] };
}

/** Polls `ok` every 10 ms (up to 5 s). */
async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2026-12-02T00:00:00.000Z' });

describe('replay: a directory written by one run at a time', () => {
  it('of two runs on one --state DIR (or one --out DIR) started together, one runs and the other is refused', async () => {
    const { dir, args } = setup();
    const state = join(dir, 'state');
    const runs = await Promise.all([
      runCli([...args, '--state', state, '--out', join(dir, 'a')]),
      runCli([...args, '--state', state, '--out', join(dir, 'b')]),
    ]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 2]);
    const refused = runs.find((r) => r.code === 2)!;
    expect(refused.stderr).toBe(
      `l1stream: --state ${state} is in use by pid ${process.pid} on ${hostname()} (since ${/since (\S+)\)/.exec(refused.stderr)![1]}): two runs must not write one directory; wait for that run to end or stop it, or give another directory (if no such process runs, delete ${join(state, '.l1stream-state.lock')})\n`,
    );
    // the run that ran left no lock; the next run resumes as usual
    expect(existsSync(join(state, '.l1stream-state.lock'))).toBe(false);
    expect((await runCli([...args, '--state', state, '--out', join(dir, 'a')])).code).toBe(0);

    const out = join(dir, 'o');
    const outs = await Promise.all([runCli([...args, '--out', out]), runCli([...args, '--out', out])]);
    expect(outs.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(outs.find((r) => r.code === 2)!.stderr).toMatch(/^l1stream: --out .* is in use by pid \d+/);
    expect(readdirSync(out).sort()).toEqual([
      'alerts.jsonl',
      'dead-letters.jsonl',
      'models.jsonl',
      'scores.jsonl',
      'summary.json',
    ]);
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n');
    for (const line of models) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("takes over the lock of a process that no longer runs, and refuses a live one's", async () => {
    const { dir, args } = setup();
    const state = join(dir, 'state');
    mkdirSync(state);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(state, '.l1stream-state.lock'), lockOf(dead));
    const taken = await runCli([...args, '--state', state, '--out', join(dir, 'o')]);
    expect(taken.code).toBe(0);
    expect(taken.stderr).toContain(
      `replay: taking over the lock of --state ${state} left by pid ${dead} (since 2026-12-02T00:00:00.000Z), which no longer runs\n`,
    );
    expect(existsSync(join(state, '.l1stream-state.lock'))).toBe(false);

    // a process killed but not yet reaped (a zombie: `sh` runs on as `sleep` and never waits for it)
    if (process.platform === 'linux') {
      // the child exits a second later, when `sh` has become `sleep` (sh itself may reap a child that
      // exits before its exec)
      const sh = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const zombie = Number(
        await new Promise<string>((done) => sh.stdout.once('data', (d) => done(String(d)))),
      );
      const stat = () => {
        try {
          return readFileSync(`/proc/${zombie}/stat`, 'utf8');
        } catch {
          return 'gone';
        }
      };
      await waitFor(() => stat().includes(') Z '));
      expect(stat()).toContain(') Z ');
      writeFileSync(join(state, '.l1stream-state.lock'), lockOf(zombie));
      const reaped = await runCli([...args, '--state', state, '--out', join(dir, 'o')]);
      sh.kill();
      expect(reaped.code).toBe(0);
      expect(reaped.stderr).toContain(`taking over the lock of --state ${state} left by pid ${zombie} `);
    }

    // the parent of this test process runs
    writeFileSync(join(state, '.l1stream-state.lock'), lockOf(process.ppid));
    const live = await runCli([...args, '--state', state, '--out', join(dir, 'o')]);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(new RegExp(`^l1stream: --state .* is in use by pid ${process.ppid} on `));
  });
});
