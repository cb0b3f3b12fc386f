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

  it('run over files logs info alerts by default, as over Kafka; replay logs warnings only', async () => {
    delete process.env.L1S_LOG_LEVEL;
    const dir = mkdtempSync(join(tmpdir(), 'l1s-loglevel-'));
    try {
      // the label rate falls from 0.5 to 0.15 half-way: a critical alert, then an info one (the loss fell)
      let seed = 7;
      const u = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const lines = Array.from({ length: 30_000 }, (_, i) =>
        JSON.stringify({ label: u() < (i < 15_000 ? 0.5 : 0.15) ? 1 : 0, features: { x: u() } }),
      );
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, `${lines.join('\n')}\n`);
      const config = join(dir, 'run.json');
      writeFileSync(
        config,
        JSON.stringify({
          model: { family: 'binomial' },
          refit: { enabled: false },
          replay: { input, out: join(dir, 'run-out') },
        }),
      );
      const run = await runCli(['run', '--config', config]);
      expect(run.code, run.stderr).toBe(0);
      const infos = run.stderr
        .split('\n')
        .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level === 30);
      expect(infos.some((l) => l.includes('progressive loss fell'))).toBe(true);
      const replay = await runCli([
        'replay',
        '--input',
        input,
        '--family',
        'binomial',
        '--no-refit',
        '--out',
        join(dir, 'replay-out'),
      ]);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stderr).not.toContain('progressive loss fell');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
