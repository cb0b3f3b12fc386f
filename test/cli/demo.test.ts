import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

describe('the README demo (examples/ad-clicks/demo.ts)', () => {
  it('replays a seeded stream, shows the planted features found and writes the replay outputs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'l1s-demo-'));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/ad-clicks/demo.ts', '--events', '60000', '--out', out],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    expect(stdout).toMatch(/The sparse model emerging/);
    expect(stdout).toMatch(/planted 7\/7 found/);
    expect(stdout).toMatch(/, 0 spurious/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      events: number;
      rejected: number;
    };
    expect(summary).toMatchObject({ events: 60000, rejected: 0 });
    const models = readFileSync(join(out, 'models.jsonl'), 'utf8').trim().split('\n');
    expect(models.length).toBeGreaterThanOrEqual(4);
  });
});
