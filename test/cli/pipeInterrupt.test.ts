/**
 * `replay --input` a FIFO (or /dev/stdin, a pipe) stopped by SIGTERM while its writer keeps the pipe open: it printed
 * that it had stopped and wrote summary.json at once, then stayed alive until the writer closed the
 * pipe (21 s in a trial; a FIFO 55 s): a read of a pipe waits in a thread, and nothing cancels it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('replay from a pipe whose writer stays', () => {
  it('exits on SIGTERM (143) with its outputs, the FIFO still open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-pipe-'));
    const out = join(dir, 'out');
    const fifo = join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/cli/replayChild.mts',
        '--input',
        fifo,
        '--family',
        'binomial',
        '--out',
        out,
        '--progress',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) =>
      // a shell's status: 128 + the signal's number when the signal ended it
      proc.on('exit', (code, signal) => done(signal === 'SIGTERM' ? 143 : code)),
    );
    const lines = Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify({ label: i % 2, features: { x: (i % 7) - 3, c: `v${i % 5}` } }),
    );
    // the writer: it opens the FIFO once the replay does, and keeps it open
    const writer = createWriteStream(fifo);
    writer.write(`${lines.join('\n')}\n`);
    // the replay has learned them (a progress line): its interrupt handler is in place
    const deadline = Date.now() + 20_000;
    while (!/replay: 5,000 events/.test(stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    proc.kill('SIGTERM');
    const code = await exited;
    const writerOpen = !writer.writableEnded;
    writer.destroy();
    expect(code, stderr).toBe(143);
    expect(writerOpen).toBe(true);
    expect(stderr).toContain('replay: interrupted by SIGTERM');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { interrupted: string };
    expect(summary.interrupted).toBe('SIGTERM');
  }, 30_000);
});
