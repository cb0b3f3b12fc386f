import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('L1S_LOG_LEVEL', () => {
  const saved = process.env.L1S_LOG_LEVEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.L1S_LOG_LEVEL;
    else process.env.L1S_LOG_LEVEL = saved;
  });

  it('an unknown level is a one-line error listing the valid levels, exit 2 (replay and run)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-loglevel-'));
    try {
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, '{"label":1,"features":{"x":1}}\n{"label":0,"features":{"x":2}}\n');
      const replayArgs = [
        'replay',
        ...Object.entries({ '--input': input, '--family': 'binomial', '--out': join(dir, 'out') }).flat(),
      ];
      const config = join(dir, 'run.json');
      writeFileSync(
        config,
        JSON.stringify({ model: { family: 'binomial' }, files: { input, out: join(dir, 'run-out') } }),
      );
      process.env.L1S_LOG_LEVEL = 'verbose';
      for (const argv of [replayArgs, ['run', '--config', config]]) {
        const r = await runCli(argv);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain('L1S_LOG_LEVEL: unknown log level "verbose"');
        expect(r.stderr).toContain('trace, debug, info, warn, error, fatal, silent');
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      process.env.L1S_LOG_LEVEL = 'error';
      const ok = await runCli(replayArgs);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
