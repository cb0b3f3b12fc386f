/**
 * A SIGTERM that reaches `replay` after it has written its outputs and printed its last line (a
 * supervisor stopping a job that is just ending) ended the process by the signal's default effect:
 * exit status 143 for a run that had done its work. Now the command line holds such a signal and
 * exits with the command's own status. (The last milliseconds of Node's own teardown, after
 * JavaScript has stopped, can still be ended by the signal: so at least one of four runs exits 0,
 * where before none did.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'l1s-late-signal-'));
const input = join(dir, 'events.jsonl');
writeFileSync(
  input,
  Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({ label: Math.sin(i) > 0 ? 1 : 0, features: { a: Math.sin(i), b: Math.cos(i) } }),
  ).join('\n') + '\n',
);

/** replay's exit status (or the signal that ended it) when SIGTERM follows its last line at once. */
function signalledAtTheEnd(): Promise<{ status: number | string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'l1stream.js'), 'replay', '--input', input, '--family', 'binomial'],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: '' }, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && /^replay: .* learned, .*wrote .*\n/m.test(stderr)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    child.on('exit', (code, signal) => done({ status: code ?? signal ?? 'none', stderr }));
  });
}

describe('a signal after replay has finished its work', () => {
  it('lets it exit with its own status, not 143', async () => {
    const runs = [];
    for (let k = 0; k < 4; k++) runs.push(await signalledAtTheEnd());
    for (const r of runs) {
      expect(r.stderr).toMatch(/replay: 2,000 events learned/);
      expect(r.stderr).not.toContain('interrupted');
      expect([0, 'SIGTERM']).toContain(r.status);
    }
    expect(
      runs.filter((r) => r.status === 0).length,
      runs.map((r) => r.status).join(' '),
    ).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
