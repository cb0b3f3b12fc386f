/**
 * `replay --report` over a file whose every line is rejected learns nothing and writes no page: its
 * error line says so, where the user who asked for the report was left looking for report.html.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('replay --report when nothing was learned', () => {
  it('exits 1 and says no report.html was written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-report-nothing-'));
    const input = join(dir, 'events.jsonl');
    // -1/+1 labels: every line a dead letter for binomial
    writeFileSync(
      input,
      Array.from({ length: 5 }, (_, i) => `{"label":-1,"features":{"a":${i}}}\n`).join(''),
    );
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', out, '--report']);
    expect(r.code).toBe(1);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(r.stderr).toMatch(
      /replay: error: nothing learned: .*; no report\.html written \(no model to draw\)\n/,
    );
  });
});
