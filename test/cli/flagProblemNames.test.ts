import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('replay: a bad value is named where the user gave it, the flag or the --config setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l1s-flag-names-'));
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ model: { family: 'binomial', l1Ratio: 2 }, refit: { window: 1 } }));
  const replay = (...flags: string[]) =>
    runCli(['replay', '--input', join(dir, 'x.jsonl'), '--config', config, ...flags]);

  it('flags by their names, the file by its paths, all at once', async () => {
    const r = await replay('--lambda', '-1', '--refit-every', '0', '--max-live-models', '0');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').sort()).toEqual(
      [
        'l1stream: invalid configuration:',
        '  --lambda: must be >= 0, got -1',
        '  --max-live-models: must be a whole number >= 1 (or "Infinity"), got 0',
        '  --refit-every: must be a whole number >= 1 (or "Infinity"), got 0',
        '  model.l1Ratio: must be <= 1, got 2',
        '  refit.window: must be a whole number >= 2, got 1',
        '',
      ].sort(),
    );
  });

  it('a flag that overrides a bad setting of the file is what is reported, not the setting it replaces', async () => {
    const r = await replay('--l1-ratio', '3', '--refit-window', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--l1-ratio: must be <= 1, got 3/);
    expect(r.stderr).toMatch(/--refit-window: must be a number, got "x"/);
    expect(r.stderr).not.toMatch(/model\.l1Ratio|refit\.window/);
  });
});

describe('replay --continue without --state', () => {
  it('is refused: it goes on from a state directory, and without one did nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-continue-'));
    const input = join(dir, 'e.jsonl');
    writeFileSync(input, '{"label":1,"features":{"x":1}}\n');
    const r = await runCli([
      'replay',
      '--input',
      input,
      '--family',
      'binomial',
      '--continue',
      '--out',
      join(dir, 'o'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--continue goes on with a state directory made over another input: it needs state.dir (--state DIR), without which every run starts afresh',
    );
  });
});
